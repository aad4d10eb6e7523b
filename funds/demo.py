"""Demo community-fund records for the demo province (`manage.py load_demo`)."""

import random
from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from villages.models import District, Subdistrict, Village

from .models import BudgetLine, Disbursement, KkjFund, PendingProject, WdfLoan
from .schedule import equal_parts
from .services import kkj_fund_save, loan_save, payments_add

FIRST = ["สมศรี", "มาลี", "บุญมี", "วันเพ็ญ", "ประไพ", "สุดา", "ลำดวน", "จันทร์เพ็ญ", "ทองใบ"]
LAST = ["ใจงาม", "มีสุข", "ดีเลิศ", "รักถิ่น", "ศรีสุข", "แก้วมณี", "บุญเรือง", "ทองดี"]
GROUPS = ["กลุ่มสตรีทอผ้า", "กลุ่มแม่บ้านเกษตรกร", "กลุ่มสตรีแปรรูปอาหาร", "กลุ่มจักสาน"]


def load_funds_demo(user, province: str = "19", loans_per_district: int = 12) -> int:
    """WDF contracts with payments (some in arrears), budget lines and กข.คจ. funds.
    Idempotent: does nothing when the province already has contracts."""
    if WdfLoan.objects.filter(province_id=province).exists():
        return 0
    rng = random.Random(2569)
    today = timezone.localdate()
    created = 0
    for district in District.objects.filter(province_id=province).order_by("code")[:4]:
        subdistricts = list(Subdistrict.objects.filter(district=district).order_by("code"))
        for n in range(1, loans_per_district + 1):
            group = n % 5 == 0
            signed = date(2023, 1, 15) + timedelta(days=rng.randint(0, 900))
            loan = WdfLoan(
                contract_no=f"{district.code}/{signed.year + 543}/{n:03d}",
                borrower_name=(
                    f"{rng.choice(GROUPS)}บ้าน{rng.choice(['หนองโน', 'นาดี', 'โคกสว่าง'])}"
                    if group
                    else f"นาง{rng.choice(FIRST)} {rng.choice(LAST)}"
                ),
                borrower_kind="group" if group else "person",
                principal=Decimal(rng.choice([20000, 30000, 50000, 80000, 100000, 200000])),
                contract_date=signed,
                instalments=rng.choice([1, 2, 3, 3, 5]),
                first_due_date=date(signed.year + 1, signed.month, min(signed.day, 28)),
                interval_months=12,
            )
            sub = subdistricts[n % len(subdistricts)] if subdistricts else None
            loan_save(user=user, loan=loan, district=district, subdistrict=sub)
            created += 1
            # Most pay each part on time, a fifth fall behind, some stop paying.
            behaviour = rng.random()
            entries = []
            for _number, due, amount in equal_parts(
                loan.principal, loan.instalments, loan.first_due_date, loan.interval_months
            ):
                if due > today:
                    break
                if behaviour < 0.6:
                    entries.append((loan, due - timedelta(days=rng.randint(0, 10)), amount))
                elif behaviour < 0.8:
                    part = (amount * Decimal(rng.choice(["0.3", "0.5"]))).quantize(Decimal("1"))
                    entries.append((loan, due + timedelta(days=rng.randint(5, 60)), part))
            entries = [(loan, min(d, today), a, "") for loan, d, a in entries]
            if entries:
                payments_add(user=user, entries=entries)
    fy = (today.year + 543) + (1 if today.month >= 10 else 0)
    for kind, allocated in (
        ("administration", 150000),
        ("revolving", 1000000),
        ("subsidy", 500000),
    ):
        line, _new = BudgetLine.objects.get_or_create(
            province_id=province,
            fiscal_year=fy,
            kind=kind,
            defaults={
                "allocated": allocated,
                "return_due_on": date(today.year + (1 if today.month >= 10 else 0), 9, 15)
                if kind == "revolving"
                else None,
            },
        )
        if not line.disbursements.exists():
            Disbursement.objects.create(
                line=line,
                paid_on=today - timedelta(days=20),
                amount=Decimal(allocated) * Decimal("0.35"),
                project="โครงการส่งเสริมอาชีพกลุ่มสตรี",
            )
        if kind == "revolving" and not line.projects.exists():
            PendingProject.objects.create(
                line=line,
                name="โครงการเลี้ยงไก่ไข่กลุ่มสตรีบ้านหนองโน",
                amount=Decimal("150000"),
                submitted_on=today - timedelta(days=7),
            )
    for i, village in enumerate(
        Village.objects.filter(code__startswith=province).order_by("code")[:24]
    ):
        if KkjFund.objects.filter(village=village).exists():
            continue
        level = (1, 2, 3, 3, 2)[i % 5]
        accelerated = level == 1
        kkj_fund_save(
            user=user,
            fund=KkjFund(
                capital=Decimal(280000),
                governance_level=level,
                assessed_on=today - timedelta(days=60),
                accelerated=accelerated,
                problem_amount=Decimal(rng.randint(10, 80) * 1000) if accelerated else 0,
                damaged_amount=Decimal(rng.randint(0, 30) * 1000) if accelerated else 0,
            ),
            village=village,
        )
    return created
