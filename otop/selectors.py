"""Reads of the OTOP records: sales figures of an area for a month, a producer's monthly
chart, and the monthly report's `otop` section (CONTRACT.md).

How the figures are computed for month M of fiscal year FY (1 October to 30 September, named
by its BE end year), all sums done by the database, grouped per district:

- sales this year (`sales_fy`): every sale row from 1 October of FY to the end of M;
- a sale counts as Thai fabric when its product is marked Thai fabric, or, for a row entered
  without a product, when its producer is a Thai-fabric weaving group;
- Thai-fabric target = the whole previous fiscal year's Thai-fabric sales x the factor of FY
  (`FabricTargetFactor`, 1.10 when none is set), rounded half up to the satang; the share
  reached (`fabric_pct`) = Thai-fabric sales so far / target x 100 (None when the target is 0);
- online growth compares online sales so far with the same months of the previous fiscal year
  (1 October to M a year earlier): (now - before) / before x 100 (None when before is 0).

Percentages are rounded half up to 2 decimals.
"""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone

from cdd.thai import fiscal_year, fiscal_year_bounds, json_number, money, percent
from villages.models import District

from .choices import Category, Channel
from .models import DEFAULT_FABRIC_FACTOR, FabricTargetFactor, Producer, Sale

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
TOP_PRODUCERS = 10
CATEGORIES = [*Category.values, "none"]

FABRIC = Q(product__thai_fabric=True) | Q(product__isnull=True, producer__thai_fabric_group=True)


def pct(part, whole) -> Decimal | None:
    """None when there is nothing to divide by (shown as "-")."""
    return percent(part, whole, when_empty=None)


def year_earlier(month: date) -> date:
    return month.replace(year=month.year - 1)


def periods(month: date) -> dict:
    """The month ranges (first days of months, inclusive) the figures of ``month`` read."""
    month = month.replace(day=1)
    fy = fiscal_year(month)
    start, _end = fiscal_year_bounds(fy)
    prev_start, prev_end = fiscal_year_bounds(fy - 1)
    return {
        "fiscal_year": fy,
        "fy": (start, month),
        "prev_fy": (prev_start, prev_end.replace(day=1)),
        "prev_same": (prev_start, year_earlier(month)),
    }


def fabric_factor(fy: int) -> Decimal:
    factor = FabricTargetFactor.objects.filter(fiscal_year=fy).values_list("factor", flat=True)
    return next(iter(factor), None) or DEFAULT_FABRIC_FACTOR


def _scoped(model, user, level=None, code=None):
    qs = model.objects.visible_to(user)
    return qs.in_area(level, code) if level and code else qs


def _in(period) -> Q:
    return Q(month__gte=period[0], month__lte=period[1])


def _aggregates(p: dict) -> dict:
    fy = _in(p["fy"])
    aggs = {
        "sales_fy": Sum("amount", filter=fy),
        "fabric_sales_prev_fy": Sum("amount", filter=_in(p["prev_fy"]) & FABRIC),
        "fabric_sales_fy": Sum("amount", filter=fy & FABRIC),
        "online_sales_prev_same_period": Sum(
            "amount", filter=_in(p["prev_same"]) & Q(channel=Channel.ONLINE)
        ),
    }
    for channel in Channel.values:
        aggs[f"channel_{channel}"] = Sum("amount", filter=fy & Q(channel=channel))
    for category in Category.values:
        aggs[f"category_{category}"] = Sum("amount", filter=fy & Q(product__category=category))
    aggs["category_none"] = Sum("amount", filter=fy & Q(product__isnull=True))
    return aggs


SUM_KEYS = [
    "sales_fy",
    "fabric_sales_prev_fy",
    "fabric_sales_fy",
    "online_sales_prev_same_period",
    *[f"channel_{c}" for c in Channel.values],
    *[f"category_{c}" for c in CATEGORIES],
]


def _shape(raw: dict, factor: Decimal) -> dict:
    """The figures of one area from its sums."""
    sums = {k: money(raw.get(k)) for k in SUM_KEYS}
    target = (sums["fabric_sales_prev_fy"] * factor).quantize(CENT, rounding=ROUND_HALF_UP)
    online, before = sums["channel_online"], sums["online_sales_prev_same_period"]
    return {
        "sales_fy": sums["sales_fy"],
        "sales_fy_by_channel": {c: sums[f"channel_{c}"] for c in Channel.values},
        "sales_fy_by_category": {c: sums[f"category_{c}"] for c in CATEGORIES},
        "fabric_sales_prev_fy": sums["fabric_sales_prev_fy"],
        "fabric_factor": factor,
        "fabric_target": target,
        "fabric_sales_fy": sums["fabric_sales_fy"],
        "fabric_pct": pct(sums["fabric_sales_fy"], target),
        "online_sales_fy": online,
        "online_sales_prev_same_period": before,
        "online_growth_pct": pct(online - before, before),
    }


def otop_figures(*, user, month: date, level: str | None = None, code: str | None = None) -> dict:
    """OTOP sales figures of an area (the user's whole area when no level/code) for a month:
    fiscal year to date by channel and category, the Thai-fabric target and online growth
    (see the module docstring), one row per district the user may see (official code order)
    and the total, the top producers of the year, and the active producers with no sales row
    at all for the month."""
    month = month.replace(day=1)
    p = periods(month)
    factor = fabric_factor(p["fiscal_year"])
    sales = _scoped(Sale, user, level, code).filter(month__gte=p["prev_fy"][0], month__lte=month)
    grouped = {
        r["producer__district_id"]: r
        for r in sales.values("producer__district_id").annotate(**_aggregates(p)).order_by()
    }
    total_raw = {k: sum((money(r[k]) for r in grouped.values()), ZERO) for k in SUM_KEYS}
    districts = _scoped(District, user, level, code).order_by("code")
    rows = [
        {"code": d.code, "name": str(d), **_shape(grouped.get(d.code, {}), factor)}
        for d in districts
    ]
    without = producers_without_sales(user=user, month=month, level=level, code=code)
    return {
        "fiscal_year": p["fiscal_year"],
        "month": month,
        "period": {"start": p["fy"][0], "end": month},
        **_shape(total_raw, factor),
        "rows": rows,
        "total": _shape(total_raw, factor),
        "top_producers": top_producers(sales.filter(_in(p["fy"]))),
        "producers_without_sales": without,
        "producers_without_sales_count": len(without),
    }


def top_producers(sales, limit: int = TOP_PRODUCERS) -> list[dict]:
    """The producers with the largest sales among ``sales``, largest first."""
    # Group by the producer id and code only (narrow and fast over hundreds of thousands of
    # rows), then read the names of the few at the top.
    top = list(
        sales.values("producer_id", "producer__code")
        .annotate(amount=Sum("amount"))
        .filter(amount__gt=0)
        .order_by("-amount", "producer__code")[:limit]
    )
    names = {
        p["id"]: p
        for p in Producer.objects.filter(pk__in=[r["producer_id"] for r in top]).values(
            "id", "code", "name", "district_id", "district__name_th"
        )
    }
    return [
        {
            "id": r["producer_id"],
            "code": names[r["producer_id"]]["code"],
            "name": names[r["producer_id"]]["name"],
            "district_code": names[r["producer_id"]]["district_id"],
            "district": names[r["producer_id"]]["district__name_th"],
            "amount": money(r["amount"]),
        }
        for r in top
    ]


def producers_without_sales(*, user, month: date, level=None, code=None) -> list[dict]:
    """Active producers of the area with no sales row at all (any channel) for the month."""
    month = month.replace(day=1)
    entered = Sale.objects.filter(producer=OuterRef("pk"), month=month)
    producers = (
        _scoped(Producer, user, level, code)
        .filter(active=True)
        .exclude(Exists(entered))
        .order_by("district_id", "code")
        .values("id", "code", "name", "district_id", "district__name_th")
    )
    return [
        {
            "id": r["id"],
            "code": r["code"],
            "name": r["name"],
            "district_code": r["district_id"],
            "district": r["district__name_th"],
        }
        for r in producers
    ]


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def producer_monthly(producer: Producer, months: int = 24, until: date | None = None):
    """The producer's offline and online sales per month for its chart: ``months`` months up
    to ``until`` (this month when not given), oldest first, months without sales as 0."""
    until = (until or timezone.localdate()).replace(day=1)
    first = _add_months(until, -(months - 1))
    sums = {
        (r["month"], r["channel"]): money(r["s"])
        for r in Sale.objects.filter(producer=producer, month__gte=first, month__lte=until)
        .values("month", "channel")
        .annotate(s=Sum("amount"))
        .order_by()
    }
    out = []
    for i in range(months):
        month = _add_months(first, i)
        out.append({"month": month, **{c: sums.get((month, c), ZERO) for c in Channel.values}})
    return out


# ---------------------------------------------------------------- report section

CONTRACT_KEYS = [
    "sales_fy",
    "fabric_sales_prev_fy",
    "fabric_target",
    "fabric_sales_fy",
    "fabric_pct",
    "online_sales_fy",
    "online_sales_prev_same_period",
    "online_growth_pct",
]


def _section_json(fig: dict) -> dict:
    out = {k: json_number(fig[k]) for k in CONTRACT_KEYS}
    out["fabric_factor"] = json_number(fig["fabric_factor"])
    out["sales_fy_by_channel"] = {k: json_number(v) for k, v in fig["sales_fy_by_channel"].items()}
    out["sales_fy_by_category"] = {
        k: json_number(v) for k, v in fig["sales_fy_by_category"].items()
    }
    return out


def otop_section(*, user, province: str, as_of: date, district: str | None = None) -> dict:
    """The `otop` section of the monthly report (CONTRACT.md) for the month of ``as_of``:
    the contract keys, plus the factor, sales by channel and category, the count of producers
    without sales that month and (for a province) one row per district."""
    month = as_of.replace(day=1)
    level, code = ("district", district) if district else ("province", province)
    if district and not district.startswith(province):
        level, code = "district", "-"  # no such district in the province: all zero
    fig = otop_figures(user=user, month=month, level=level, code=code)
    out = {
        "fiscal_year": fig["fiscal_year"],
        **_section_json(fig["total"]),
        "producers_without_sales": fig["producers_without_sales_count"],
    }
    if not district:
        out["rows"] = [{"district_code": r["code"], **_section_json(r)} for r in fig["rows"]]
    return out
