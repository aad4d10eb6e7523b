from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from households import services
from households.models import Assistance, DevelopmentPlan, Household, NationalIdReveal
from households.selectors import household_progress, households_section
from households.validators import mask_national_id, national_id_is_valid

from .conftest import valid_national_id

TODAY = date(2026, 11, 21)


def test_national_id_checksum_and_mask():
    good = valid_national_id("110170020345")
    assert national_id_is_valid(good)
    bad = good[:12] + str((int(good[12]) + 1) % 10)
    assert not national_id_is_valid(bad)
    assert mask_national_id("1101700203451") == "x-xxxx-xxxxx-45-1"


def test_household_outside_area_is_refused(users, villages):
    h = Household(
        house_code="19020101009",
        head_name="x",
        members=1,
        income_per_person=0,
        survey_year=2568,
        source="tpmap",
    )
    with pytest.raises(ValidationError) as err:
        services.household_save(
            user=users["district_staff"], household=h, village=villages["neighbour"], dimensions=[]
        )
    assert "นอกพื้นที่" in str(err.value)
    assert not Household.objects.exists()


def test_assistance_for_many_households_updates_helped_and_status(users, households):
    staff = users["district_staff"]
    targets = [households["home1"], households["home2"]]
    records = services.assistance_add(
        user=staff,
        households=targets,
        date=TODAY - timedelta(days=3),
        dimension="income",
        phase="short",
        agency="พช.อำเภอ",
        description="ถุงยังชีพ",
        value=500,
    )
    assert len(records) == 2
    home1 = Household.objects.get(pk=households["home1"].pk)
    assert home1.helped_income_on == TODAY - timedelta(days=3) and home1.status == "being_helped"
    assert AuditEntry.objects.filter(object_repr__contains="ถุงยังชีพ", actor=staff).count() == 2
    # A household outside the area in the batch: nothing is written at all.
    with pytest.raises(ValidationError):
        services.assistance_add(
            user=staff,
            households=[households["home1"], households["neighbour"]],
            date=TODAY,
            dimension="income",
            phase="short",
            agency="x",
            description="y",
        )
    assert Assistance.objects.count() == 2
    services.assistance_delete(user=staff, assistance=records[0])
    assert Household.objects.get(pk=households["home1"].pk).helped_income_on is None


def test_plan_in_the_future_is_refused(users, households):
    plan = DevelopmentPlan(made_on=timezone.localdate() + timedelta(days=1))
    with pytest.raises(ValidationError):
        services.plan_save(user=users["district_staff"], household=households["home1"], plan=plan)
    plan = DevelopmentPlan(made_on=timezone.localdate())
    services.plan_save(user=users["district_staff"], household=households["home1"], plan=plan)
    assert Household.objects.get(pk=households["home1"].pk).status == "has_plan"


def test_reveal_is_logged_and_denied_to_the_department(users, households):
    h = households["home1"]
    h.national_id = valid_national_id("110170020345")
    h.save()
    assert services.national_id_reveal(user=users["district_staff"], household=h) == h.national_id
    assert NationalIdReveal.objects.filter(user=users["district_staff"], household=h).count() == 1
    with pytest.raises(PermissionDenied):
        services.national_id_reveal(user=users["department_viewer"], household=h)
    with pytest.raises(PermissionDenied):
        services.national_id_reveal(user=users["district_staff"], household=households["neighbour"])


def test_progress_per_district_as_of_a_date(users, households):
    staff, officer = users["district_staff"], users["provincial_officer"]
    services.plan_save(
        user=staff, household=households["home1"], plan=DevelopmentPlan(made_on=date(2026, 10, 5))
    )
    services.assistance_add(
        user=staff,
        households=[households["home1"]],
        date=date(2026, 11, 2),
        dimension="income",
        phase="long",
        agency="พช.",
        description="อาชีพเสริม",
    )
    october = household_progress(
        user=officer, as_of=date(2026, 10, 31), level="province", code="19"
    )
    rows = {r["code"]: r for r in october["rows"]}
    assert len(rows) == 13  # every district of the province, zeros included
    assert (rows["1901"]["tpmap"], rows["1901"]["new"], rows["1901"]["total"]) == (1, 1, 2)
    assert rows["1901"]["with_plan"] == 1 and str(rows["1901"]["pct_with_plan"]) == "50.00"
    assert rows["1901"]["dimensions"]["income"] == {
        "failing": 1,
        "helped": 0,
        "pct_helped": rows["1901"]["dimensions"]["income"]["pct_helped"],
        "meets_kpi": False,
    }
    assert rows["1902"]["total"] == 1 and october["total"]["total"] == 3
    november = household_progress(
        user=officer, as_of=date(2026, 11, 30), level="province", code="19"
    )
    income = november["rows"][0]["dimensions"]["income"]
    assert (income["failing"], income["helped"], str(income["pct_helped"])) == (1, 1, "100.00")
    section = households_section(user=officer, province="19", as_of=date(2026, 11, 30))
    assert section["rows"][0] == {
        **section["rows"][0],
        "district_code": "1901",
        "total": 2,
        "pct_with_plan": 50.0,
    }
    assert section["total"]["total"] == 3
    # District staff see only their own district in the same section.
    mine = households_section(user=staff, province="19", as_of=date(2026, 11, 30))
    assert [r["district_code"] for r in mine["rows"]] == ["1901"]
