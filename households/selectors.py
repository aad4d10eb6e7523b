"""Reads of target households: lists and the progress figures the monthly report uses."""

from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q

from cdd.thai import percent
from villages.models import District, Province, Subdistrict, Village

from .choices import DIMENSIONS
from .models import Assistance, Household, MentorTeam

KPI_HELPED_PCT = Decimal("80")

# For an area level, the level its progress table is broken down by.
CHILD = {
    None: ("province", Province, "province_id"),
    "province": ("district", District, "district_id"),
    "district": ("subdistrict", Subdistrict, "subdistrict_id"),
    "subdistrict": ("village", Village, "village_id"),
    "village": ("village", Village, "village_id"),
}


def household_list(*, user, filters=None):
    """Households the user may see, filtered by a HouseholdFilter's cleaned data."""
    return Household.objects.visible_to(user).select_related("village", "subdistrict", "district")


def household_detail(*, user, house_code):
    """One household with what its page shows, in a handful of queries."""
    return (
        Household.objects.visible_to(user)
        .select_related("village__subdistrict__district__province", "plan__mentor_team")
        .prefetch_related("failed_indicators__indicator")
        .get(house_code=house_code)
    )


def assistance_timeline(household):
    return (
        Assistance.objects.filter(household=household)
        .prefetch_related("photos")
        .order_by("-date", "-id")
    )


def pct(part, whole, places="0.01") -> Decimal:
    return percent(part, whole, places=places)


def _aggregates(as_of: date):
    aggs = {
        "tpmap": Count("pk", filter=Q(source="tpmap")),
        "new": Count("pk", filter=Q(source="new")),
        "total": Count("pk"),
        "with_plan": Count("pk", filter=Q(plan__made_on__lte=as_of)),
        "needs_house_repair": Count("pk", filter=Q(needs_house_repair=True)),
        "needs_household_goods": Count("pk", filter=Q(needs_household_goods=True)),
        "needs_toilet": Count("pk", filter=Q(needs_toilet=True)),
    }
    for d in DIMENSIONS:
        aggs[f"failing_{d}"] = Count("pk", filter=Q(**{f"fails_{d}": True}))
        aggs[f"helped_{d}"] = Count(
            "pk", filter=Q(**{f"fails_{d}": True, f"helped_{d}_on__lte": as_of})
        )
    return aggs


def _shape(raw: dict) -> dict:
    row = {k: raw.get(k, 0) for k in ("tpmap", "new", "total", "with_plan")}
    row["pct_with_plan"] = pct(row["with_plan"], row["total"])
    row["dimensions"] = {}
    for d in DIMENSIONS:
        failing, helped = raw.get(f"failing_{d}", 0), raw.get(f"helped_{d}", 0)
        share = pct(helped, failing)
        row["dimensions"][d] = {
            "failing": failing,
            "helped": helped,
            "pct_helped": share,
            "meets_kpi": failing == 0 or share >= KPI_HELPED_PCT,
        }
    row["housing"] = {
        "house_repair": raw.get("needs_house_repair", 0),
        "household_goods": raw.get("needs_household_goods", 0),
        "toilet": raw.get("needs_toilet", 0),
    }
    return row


def household_progress(*, user, as_of: date, level: str | None = None, code: str | None = None):
    """Progress per child area of (level, code) as of a date, plus a total row.

    Rows list every child area the user may see, in official code order, zeros included.
    """
    child_level, child_model, group_field = CHILD[level]
    households = Household.objects.visible_to(user)
    areas = child_model.objects.visible_to(user)
    if level:
        households = households.in_area(level, code)
        areas = areas.in_area(level, code)
    grouped = {
        r[group_field]: r
        for r in households.values(group_field).annotate(**_aggregates(as_of)).order_by(group_field)
    }
    # Every figure is a count, so the total is the sum of the groups: no second scan.
    total_raw = {key: sum(r[key] for r in grouped.values()) for key in _aggregates(as_of)}
    rows = []
    for area in areas.order_by("code" if child_model is not Village else "code"):
        key = area.pk
        row = _shape(grouped.get(key, {}))
        row.update({"level": child_level, "code": area.code, "name": str(area)})
        rows.append(row)
    return {"level": child_level, "rows": rows, "total": _shape(total_raw)}


def households_section(*, user, province: str, as_of: date, district: str | None = None) -> dict:
    """The `households` section of the monthly report (CONTRACT.md), one row per district."""
    level, code = ("district", district) if district else ("province", province)
    if district and not district.startswith(province):
        return {"rows": [], "total": _contract_row(_shape({}))}
    progress = household_progress(user=user, as_of=as_of, level=level, code=code)
    if district:
        rows = [{"district_code": district, **_contract_row(progress["total"])}]
    else:
        rows = [{"district_code": r["code"], **_contract_row(r)} for r in progress["rows"]]
    return {"rows": rows, "total": _contract_row(progress["total"])}


def _contract_row(row: dict) -> dict:
    out = {k: row[k] for k in ("tpmap", "new", "total", "with_plan")}
    out["pct_with_plan"] = float(row["pct_with_plan"])
    out["dimensions"] = {
        d: {**v, "pct_helped": float(v["pct_helped"])} for d, v in row["dimensions"].items()
    }
    out["housing"] = row["housing"]
    return out


def household_page(*, user, house_code):
    """``household_detail`` plus ``can_edit`` (whether the user may change it), in one query."""
    editable = Household.objects.editable_by(user).filter(pk=OuterRef("pk"))
    return (
        Household.objects.visible_to(user)
        .select_related("village__subdistrict__district__province", "plan__mentor_team")
        .prefetch_related("failed_indicators__indicator")
        .annotate(can_edit=Exists(editable))
        .get(house_code=house_code)
    )


def mentor_team_list(*, user):
    """Mentor teams the user may see, with how many households (plans) each looks after."""
    return (
        MentorTeam.objects.visible_to(user)
        .select_related("district")
        .annotate(household_count=Count("plans"))
        .order_by("district_id", "name")
    )
