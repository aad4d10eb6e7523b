"""A demo province (19 Saraburi) with one account per role, for `make run` and browser tests."""

from django.db import transaction

from accounts.choices import Role
from accounts.models import User
from audit.context import acting
from villages.models import Subdistrict, Village
from villages.services import load_geography

DEMO_PROVINCE = "19"
DEMO_PASSWORD = "cdd-demo-2569"
DEMO_USERS = [
    # username, role, district, first name, last name
    ("staff1901", Role.DISTRICT_STAFF, "1901", "สมศรี", "ใจดี"),
    ("staff1902", Role.DISTRICT_STAFF, "1902", "ประเสริฐ", "มีสุข"),
    ("officer19", Role.PROVINCIAL_OFFICER, None, "วิไล", "รักษ์ชุมชน"),
    ("admin19", Role.PROVINCIAL_ADMIN, None, "อนุชา", "พัฒนกิจ"),
    ("department", Role.DEPARTMENT_VIEWER, None, "กรม", "พัฒนาชุมชน"),
    ("sysadmin", Role.SYSTEM_ADMIN, None, "ผู้ดูแล", "ระบบ"),
]
VILLAGE_NAMES = [
    "บ้านหนองโน",
    "บ้านโคกสว่าง",
    "บ้านนาดี",
    "บ้านหนองจิก",
    "บ้านดงตะงาว",
    "บ้านท่าช้าง",
    "บ้านหัวปลวก",
    "บ้านโป่งเกตุ",
    "บ้านหนองแค",
    "บ้านสวนดอกไม้",
]


@transaction.atomic
def load_demo(*, villages_per_subdistrict=4) -> dict:
    """Idempotent: re-running keeps what exists and adds what is missing."""
    if not Subdistrict.objects.filter(district__province_id=DEMO_PROVINCE).exists():
        load_geography()
    users = []
    with acting(source="command"):
        for username, role, district, first, last in DEMO_USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User(username=username, role=role, first_name=first, last_name=last)
                user.district_id = district
                user.province_id = (
                    DEMO_PROVINCE
                    if role in (Role.PROVINCIAL_OFFICER, Role.PROVINCIAL_ADMIN)
                    else None
                )
                user.is_superuser = user.is_staff = role == Role.SYSTEM_ADMIN
                user.set_password(DEMO_PASSWORD)
                user.save()
            users.append(user)
        existing = set(
            Village.objects.filter(code__startswith=DEMO_PROVINCE).values_list("code", flat=True)
        )
        new = []
        for index, sub in enumerate(
            Subdistrict.objects.filter(district__province_id=DEMO_PROVINCE)
        ):
            for moo in range(1, villages_per_subdistrict + 1):
                code = f"{sub.code}{moo:02d}"
                if code not in existing:
                    name = VILLAGE_NAMES[(index + moo) % len(VILLAGE_NAMES)]
                    new.append(Village(code=code, subdistrict=sub, name=name))
        for village in new:
            village.save()
    from funds.demo import load_funds_demo
    from otop.demo import load_otop_demo

    admin = next(u for u in users if u.role == Role.SYSTEM_ADMIN)
    contracts = load_funds_demo(admin, DEMO_PROVINCE)
    producers = load_otop_demo(admin, DEMO_PROVINCE)
    return {
        "users": users,
        "villages_created": len(new),
        "wdf_contracts": contracts,
        "otop_producers": producers,
    }
