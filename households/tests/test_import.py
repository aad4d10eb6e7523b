"""households and assistance imports: CONTRACT columns, Thai row errors, all-or-nothing."""

import pytest

from households.models import Assistance, DevelopmentPlan, Household
from imports.engine import run_import

from .conftest import valid_national_id

NID = valid_national_id("310170020345")
HEADER = (
    "house_code,village_code,head_name,national_id,members,income_per_person,"
    "survey_year,source,failed_dimensions,plan_date\n"
)
ROW1 = (
    f'19010101001,19010101,นายสมชาย ใจดี,{NID},4,"28,500.00",2568,tpmap,"income,living",2569-10-05\n'
)
ROW2 = "19010101002,19010101,นางสมศรี มีสุข,,2,12000,2568,new,health,\n"


def csv(text):
    return ("\ufeff" + text).encode()


def test_import_creates_households_and_plans_then_reimport_changes_nothing(users, villages):
    staff = users["district_staff"]
    first = run_import("households", csv(HEADER + ROW1 + ROW2), "hh.csv", user=staff)
    assert first.ok, first.errors
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    h = Household.objects.get(house_code="19010101001")
    assert h.failed_dimensions == ["living", "income"]
    assert (h.district_id, h.province_id, h.status) == ("1901", "19", "has_plan")
    assert str(h.income_per_person) == "28500.00"
    assert DevelopmentPlan.objects.get(household=h).made_on.isoformat() == "2026-10-05"
    again = run_import("households", csv(HEADER + ROW1 + ROW2), "hh.csv", user=staff)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    changed = ROW2.replace(",2,12000", ",3,12000").replace("new,health,", "new,health,2569-11-01")
    third = run_import("households", csv(HEADER + ROW1 + changed), "hh.csv", user=staff)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert Household.objects.get(house_code="19010101002").members == 3


BAD = [
    (ROW1.replace(NID, NID[:12] + str((int(NID[12]) + 1) % 10)), "national_id", "เลขตรวจสอบ"),
    (ROW1.replace("19010101001,", "1901010100,", 1), "house_code", "11"),
    (ROW1.replace(",19010101,", ",19020101,"), "village_code", "นอกพื้นที่"),
    (ROW1.replace(",4,", ",0,"), "members", "1"),
    (ROW1.replace('"28,500.00"', "-5"), "income_per_person", "ติดลบ"),
    (ROW1.replace("income,living", "income,wealth"), "failed_dimensions", "wealth"),
    (ROW1.replace("2569-10-05", "2600-01-01"), "plan_date", "อนาคต"),
    (ROW1.replace(",2568,", ",2025,"), "survey_year", "พ.ศ."),
]


@pytest.mark.parametrize("bad_row,column,fragment", BAD, ids=[b[1] for b in BAD])
def test_bad_rows_are_rejected_in_thai_and_nothing_is_written(
    users, villages, bad_row, column, fragment
):
    result = run_import(
        "households", csv(HEADER + ROW2 + bad_row), "bad.csv", user=users["district_staff"]
    )
    assert not result.ok
    error = next(e for e in result.errors if e.column == column)
    assert error.row == 3 and fragment in error.message
    assert not Household.objects.exists()


def test_house_code_already_in_another_village(users, villages):
    run_import("households", csv(HEADER + ROW1), "a.csv", user=users["provincial_officer"])
    moved = ROW1.replace(",19010101,", ",19020101,")
    result = run_import(
        "households", csv(HEADER + moved), "b.csv", user=users["provincial_officer"]
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "house_code")]
    assert "หมู่บ้านอื่น" in result.errors[0].message


ASSIST = "house_code,date,dimension,phase,agency,description,value\n"
A1 = '19010101001,2569-11-02,income,long,พช.อำเภอ,ส่งเสริมอาชีพเลี้ยงไก่,"1,500"\n'
A2 = "19010101002,2026-11-03,health,short,รพ.สต.,ตรวจสุขภาพ,\n"


def test_assistance_import_adds_once_and_marks_helped(users, villages):
    staff = users["district_staff"]
    run_import("households", csv(HEADER + ROW1 + ROW2), "hh.csv", user=staff)
    first = run_import("assistance", csv(ASSIST + A1 + A2), "a.csv", user=staff)
    assert first.ok, first.errors
    assert (first.created, first.unchanged) == (2, 0)
    again = run_import("assistance", csv(ASSIST + A1 + A2), "a.csv", user=staff)
    assert (again.created, again.unchanged) == (0, 2)
    assert Assistance.objects.count() == 2
    h = Household.objects.get(house_code="19010101001")
    assert h.helped_income_on.isoformat() == "2026-11-02" and h.status == "being_helped"


def test_assistance_for_a_household_outside_the_area_is_refused(users, villages):
    run_import(
        "households", csv(HEADER + ROW1.replace(",19010101,", ",19020101,")), "x.csv", user=None
    )
    result = run_import("assistance", csv(ASSIST + A1), "a.csv", user=users["district_staff"])
    assert [(e.row, e.column) for e in result.errors] == [(2, "house_code")]
    assert Assistance.objects.count() == 0


INDICATORS = (
    "edition,first_year,last_year,number,text,dimension\n"
    "จปฐ. 2566-2570,2566,2570,1,เด็กแรกเกิดมีน้ำหนัก 2500 กรัมขึ้นไป,health\n"
    "จปฐ. 2566-2570,2566,2570,2,ครัวเรือนมีความมั่นคงในที่อยู่อาศัย,living\n"
)


def test_system_admin_loads_an_indicator_edition_and_others_cannot(users):
    from households.models import Indicator

    refused = run_import("indicators", csv(INDICATORS), "i.csv", user=users["provincial_admin"])
    assert not refused.ok and Indicator.objects.count() == 0
    loaded = run_import("indicators", csv(INDICATORS), "i.csv", user=users["system_admin"])
    assert loaded.ok and loaded.created == 2
    assert Indicator.objects.get(number=2).dimension == "living"
    again = run_import("indicators", csv(INDICATORS), "i.csv", user=users["system_admin"])
    assert (again.created, again.unchanged) == (0, 2)
