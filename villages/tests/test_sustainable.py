"""Sustainable Villages: the indicator-set import, designations and their warnings, monthly
assessments and the province totals (figures computed by hand below)."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from audit.models import AuditEntry
from cdd.thai import fiscal_year
from conftest import add_months
from imports.engine import run_import
from villages.choices import VillageKind
from villages.models import (
    SvAssessment,
    SvDesignation,
    SvIndicator,
    SvIndicatorMet,
    SvIndicatorSet,
    Village,
)
from villages.sv_selectors import sv_totals
from villages.sv_services import assessment_save, designate, designation_warnings

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
FY = fiscal_year(TODAY)
HEADER = ["fiscal_year", "code", "kind", "dimension", "number", "name"]


def indicator_rows(fy=FY):
    """7 basic indicators, 3 in dimension 1 and 2 in dimension 2."""
    rows = [[fy, f"B{n}", "basic", None, n, f"ตัวชี้วัดพื้นฐานที่ {n}"] for n in range(1, 8)]
    rows += [[fy, f"D1.{n}", "dimension", 1, n, f"มิติที่ 1 ข้อ {n}"] for n in range(1, 4)]
    rows += [[fy, f"D2.{n}", "มิติ", 2, n, f"มิติที่ 2 ข้อ {n}"] for n in range(1, 3)]
    return rows


def xlsx_bytes(rows) -> bytes:
    wb = openpyxl.Workbook()
    for row in [HEADER, *rows]:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows) -> bytes:
    lines = [",".join(HEADER)]
    lines += [",".join("" if c is None else str(c) for c in row) for row in rows]
    return ("\ufeff" + "\n".join(lines) + "\n").encode("utf-8")


@pytest.fixture
def indicator_set(users):
    result = run_import(
        "sv_indicators", xlsx_bytes(indicator_rows()), "sv.xlsx", user=users["system_admin"]
    )
    assert result.ok, result.errors
    return SvIndicatorSet.objects.get(fiscal_year=FY)


def ids(*codes, fy=FY):
    return list(
        SvIndicator.objects.filter(set__fiscal_year=fy, code__in=codes).values_list("pk", flat=True)
    )


def village(code, name="บ้านทดสอบ", kind=VillageKind.VILLAGE):
    return Village.objects.create(code=code, subdistrict_id=code[:6], name=name, kind=kind)


# ---------------------------------------------------------------- the indicator set import


def test_import_loads_the_set_and_a_reimport_changes_nothing(users):
    admin = users["provincial_admin"]
    result = run_import("sv_indicators", xlsx_bytes(indicator_rows()), "sv.xlsx", user=admin)
    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (12, 0, 0)
    loaded = SvIndicatorSet.objects.get(fiscal_year=FY)
    assert loaded.loaded_by == admin
    assert loaded.indicators.filter(kind="basic", dimension__isnull=True).count() == 7
    assert loaded.indicators.filter(kind="dimension", dimension=1).count() == 3
    assert loaded.indicators.get(code="D2.2").dimension == 2  # "มิติ" read as dimension
    entries = AuditEntry.objects.count()

    again = run_import("sv_indicators", csv_bytes(indicator_rows()), "sv.csv", user=admin)
    assert again.ok, again.errors
    assert (again.created, again.updated, again.unchanged) == (0, 0, 12)
    assert SvIndicator.objects.count() == 12
    same = SvIndicatorSet.objects.get()
    assert (same.loaded_at, same.loaded_by) == (loaded.loaded_at, loaded.loaded_by)
    assert AuditEntry.objects.count() == entries

    rows = indicator_rows()
    rows[0][5] = "ครัวเรือนมีรายได้พอเพียง"
    third = run_import("sv_indicators", csv_bytes(rows), "sv.csv", user=users["system_admin"])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 11)
    assert SvIndicator.objects.get(code="B1").name == "ครัวเรือนมีรายได้พอเพียง"
    assert SvIndicatorSet.objects.get().loaded_by == users["system_admin"]


@pytest.mark.parametrize("role", ["provincial_officer", "district_staff", "department_viewer"])
def test_only_admins_load_the_indicator_set(users, role):
    result = run_import("sv_indicators", csv_bytes(indicator_rows()), "sv.csv", user=users[role])
    assert not result.ok
    assert {e.column for e in result.errors} == {"fiscal_year"}
    assert not SvIndicatorSet.objects.exists() and not SvIndicator.objects.exists()


def test_import_checks_dimension_against_kind_and_duplicates(users):
    rows = indicator_rows()
    rows[0][3] = 2  # a basic indicator with a dimension
    rows[8][3] = None  # a dimension indicator without one
    rows.append(list(rows[1]))  # the same code twice
    result = run_import("sv_indicators", csv_bytes(rows), "sv.csv", user=users["system_admin"])
    assert {(e.row, e.column) for e in result.errors} == {
        (2, "dimension"),
        (10, "dimension"),
        (14, "code"),
        (14, "number"),
    }
    assert not SvIndicator.objects.exists()


# ---------------------------------------------------------------- designations


def test_designate_copies_the_area_and_updates_the_same_year(staff, villages):
    home = villages["home"]
    first = designate(user=staff, village=home, fiscal_year=FY, households=120, people=410)
    assert (first.province_id, first.district_id, first.subdistrict_id) == ("19", "1901", "190101")
    again = designate(user=staff, village=home, fiscal_year=FY, households=125, people=430)
    assert again.pk == first.pk
    assert SvDesignation.objects.get().households == 125
    assert AuditEntry.objects.filter(object_pk=str(first.pk), action="update").exists()


def test_district_staff_cannot_designate_in_another_district(staff, villages):
    with pytest.raises(ValidationError) as info:
        designate(
            user=staff, village=villages["neighbour"], fiscal_year=FY, households=10, people=30
        )
    assert "village" in info.value.message_dict
    assert not SvDesignation.objects.exists()


def test_designate_checks_year_and_figures(officer, villages):
    with pytest.raises(ValidationError) as info:
        designate(user=officer, village=villages["home"], fiscal_year=2026, households=-1, people=5)
    assert set(info.value.message_dict) == {"fiscal_year", "households"}
    with pytest.raises(ValidationError) as info:
        designate(user=officer, village=villages["home"], fiscal_year=FY, households=50, people=20)
    assert set(info.value.message_dict) == {"people"}


def test_warnings_for_none_and_two_and_communities_counted_apart(officer, geography):
    # 190101: two villages designated (and a designated community, which does not count).
    a, b = village("19010101"), village("19010102")
    community = village("19010150", "ชุมชนตลาด", VillageKind.COMMUNITY)
    # 190105: a village not designated, only its community is: still "none".
    village("19010501")
    community2 = village("19010550", "ชุมชนวัด", VillageKind.COMMUNITY)
    # 190106: exactly one: no warning. 190107: one designated last year only: "none".
    c, d = village("19010601"), village("19010701")
    for v in (a, b, community, community2, c):
        designate(user=officer, village=v, fiscal_year=FY, households=10, people=30)
    designate(user=officer, village=d, fiscal_year=FY - 1, households=10, people=30)

    warnings = designation_warnings(user=officer, fiscal_year=FY, province="19")
    about = {code: [w for w in warnings if f"({code})" in w] for code in ("190101", "190105")}
    assert len(about["190101"]) == 1 and " 2 " in about["190101"][0]
    assert len(about["190105"]) == 1
    assert len([w for w in warnings if "(190107)" in w]) == 1
    assert not [w for w in warnings if "(190106)" in w]
    # Every other subdistrict of the province has no villages on record: one summary line.
    assert len(warnings) == 4
    # Outside the province, or outside the user's area: nothing from 190101.
    assert not designation_warnings(user=officer, fiscal_year=FY, province="10")


def test_warnings_follow_the_users_area(staff, users, geography):
    village("19020101")
    neighbour = designation_warnings(user=staff, fiscal_year=FY, province="19")
    assert not [w for w in neighbour if "(190201)" in w]
    officer = designation_warnings(user=users["provincial_officer"], fiscal_year=FY, province="19")
    assert [w for w in officer if "(190201)" in w]


# ---------------------------------------------------------------- assessments


def test_assessment_of_a_future_month_is_refused(officer, villages, indicator_set):
    sv = designate(user=officer, village=villages["home"], fiscal_year=FY, households=1, people=1)
    with pytest.raises(ValidationError) as info:
        assessment_save(
            user=officer, designation=sv, month=add_months(THIS_MONTH, 1), indicator_ids=ids("B1")
        )
    assert set(info.value.message_dict) == {"month"}
    assert not SvAssessment.objects.exists()


def test_assessment_indicators_must_belong_to_the_years_set(users, villages, indicator_set):
    admin = users["system_admin"]
    old = run_import("sv_indicators", csv_bytes(indicator_rows(FY - 1)), "old.csv", user=admin)
    assert old.ok, old.errors
    sv = designate(user=admin, village=villages["home"], fiscal_year=FY, households=1, people=1)
    with pytest.raises(ValidationError) as info:
        assessment_save(
            user=admin, designation=sv, month=THIS_MONTH, indicator_ids=ids("B1", fy=FY - 1)
        )
    assert set(info.value.message_dict) == {"indicators_met"}
    # A year without a set: nothing can be assessed yet.
    sv_next = designate(
        user=admin, village=villages["home"], fiscal_year=FY + 1, households=1, people=1
    )
    with pytest.raises(ValidationError):
        assessment_save(user=admin, designation=sv_next, month=THIS_MONTH, indicator_ids=[])


def test_assessment_outside_the_area_is_refused(staff, users, villages, indicator_set):
    sv = designate(
        user=users["provincial_officer"],
        village=villages["neighbour"],
        fiscal_year=FY,
        households=1,
        people=1,
    )
    with pytest.raises(ValidationError) as info:
        assessment_save(user=staff, designation=sv, month=THIS_MONTH, indicator_ids=ids("B1"))
    assert set(info.value.message_dict) == {"designation"}


def test_saving_a_month_again_replaces_the_indicators_met(staff, villages, indicator_set):
    sv = designate(user=staff, village=villages["home"], fiscal_year=FY, households=1, people=1)
    first = assessment_save(
        user=staff, designation=sv, month=TODAY, indicator_ids=ids("B1", "B2", "D1.1")
    )
    assert first.month == THIS_MONTH and first.assessed_by == staff
    again = assessment_save(
        user=staff, designation=sv, month=THIS_MONTH, indicator_ids=ids("B2", "D1.1", "D2.1")
    )
    assert again.pk == first.pk and SvAssessment.objects.count() == 1
    assert set(again.indicators_met.values_list("code", flat=True)) == {"B2", "D1.1", "D2.1"}
    assert SvIndicatorMet.objects.count() == 3


# ---------------------------------------------------------------- totals


@pytest.fixture
def assessed(users, villages, indicator_set):
    """Designations and this month's assessments, by hand:

    - 19010101 (home): 100 households, 350 people; meets 7 basic, 2 of dimension 1, 1 of 2;
    - 19010501: 50 households, 160 people; meets 5 basic, 3 of dimension 1, none of 2;
    - 19020101 (neighbour district): 80 households, 300 people; not assessed this month
      (last month's assessment, meeting everything, does not count);
    - 10010101 (Bangkok): 999 households, outside province 19.
    """
    admin = users["system_admin"]
    second = village("19010501")

    def sv(v, households, people):
        return designate(
            user=admin, village=v, fiscal_year=FY, households=households, people=people
        )

    home, other = sv(villages["home"], 100, 350), sv(second, 50, 160)
    neighbour = sv(villages["neighbour"], 80, 300)
    sv(villages["other"], 999, 3000)
    basic = [f"B{n}" for n in range(1, 8)]
    assessment_save(
        user=admin,
        designation=home,
        month=THIS_MONTH,
        indicator_ids=ids(*basic, "D1.1", "D1.2", "D2.1"),
    )
    assessment_save(
        user=admin,
        designation=other,
        month=THIS_MONTH,
        indicator_ids=ids(*basic[:5], "D1.1", "D1.2", "D1.3"),
    )
    last = SvAssessment.objects.create(designation=neighbour, month=add_months(THIS_MONTH, -1))
    last.indicators_met.set(SvIndicator.objects.filter(set=indicator_set))


def test_province_totals_by_hand(officer, assessed):
    totals = sv_totals(user=officer, fiscal_year=FY, month=TODAY)
    assert (totals["villages"], totals["households"], totals["people"]) == (3, 230, 810)
    assert totals["assessed"] == 2
    groups = totals["groups"]
    # basic: (7 + 5) / (7 x 2) = 85.71 %; dimension 1: (2 + 3) / (3 x 2) = 83.33 %;
    # dimension 2: 1 / (2 x 2) = 25 %; dimensions 3-5 have no indicators this year.
    assert groups["basic"] == {"indicators": 7, "met": 12, "pct": Decimal("85.71")}
    assert groups[1] == {"indicators": 3, "met": 5, "pct": Decimal("83.33")}
    assert groups[2] == {"indicators": 2, "met": 1, "pct": Decimal("25.00")}
    assert groups[3] == {"indicators": 0, "met": 0, "pct": None}


def test_totals_follow_the_area_and_level(staff, users, assessed):
    mine = sv_totals(user=staff, fiscal_year=FY, month=THIS_MONTH)
    assert (mine["villages"], mine["households"], mine["assessed"]) == (2, 150, 2)
    district = sv_totals(
        user=users["provincial_officer"],
        fiscal_year=FY,
        month=THIS_MONTH,
        level="district",
        code="1902",
    )
    assert (district["villages"], district["households"], district["people"]) == (1, 80, 300)
    assert district["assessed"] == 0 and district["groups"]["basic"]["pct"] is None
    everyone = sv_totals(user=users["department_viewer"], fiscal_year=FY, month=THIS_MONTH)
    assert (everyone["villages"], everyone["households"]) == (4, 1229)
    nobody = sv_totals(user=staff, fiscal_year=FY - 1, month=THIS_MONTH)
    assert (nobody["villages"], nobody["households"], nobody["assessed"]) == (0, 0, 0)
