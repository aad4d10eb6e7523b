"""Reads of the dashboards: the KPI cards of an area and month, its child areas, and the
provinces ranked per KPI. Everything is read from the summary tables (``AreaMonth``, written
by ``dashboards.refresh``); each figure is worked out from the stored counts and sums by the
same functions the monthly report's sections use, so a card and the report never disagree.

The cards (``KPIS``, in this order) and the value each shows:

- ``plan_pct``: % of target households with a development plan made by the month's end;
- ``helped_pct``: % of the households failing a dimension that were helped in it, per
  dimension; the value is the lowest of the dimensions any household fails;
- ``wdf``: WDF overdue debt reduced since 1 October, % of that baseline (``detail`` has the
  overdue ratio, overdue / receivables);
- ``kkj``: กข.คจ. money at risk (problem + damaged), baht (``detail``: governance levels);
- ``fabric_pct``: Thai-fabric sales this fiscal year / the year's target x 100;
- ``online_growth_pct``: online OTOP sales this fiscal year against the same months of the
  last one;
- ``sv_met_pct``: Sustainable Village indicators met in the month's assessments, % of the
  indicators assessed (all groups; ``detail`` has each group);
- ``submissions``: % of districts whose monthly report was sent on time (``detail``: on time,
  late, missing, the due date).

Not applicable below the finest area the records know (value None, status "none", and the
KPI is left out of a child table's columns): WDF contracts and monthly submissions are kept
per district, so ``wdf`` and ``submissions`` stop at the district; OTOP producers know their
subdistrict, not their village, so ``fabric_pct`` and ``online_growth_pct`` stop at the
subdistrict. An area with no records for a KPI shows None ("no data") too.

Green, amber and red are decided in one place, ``rag`` (its docstring has the rules).

Who may see what (``may_see``): an area's figures are sums over everything in it, so a user
may open an area only when every part of it is inside their own area as ``cdd.scoping``
decides: district staff their district and below, provincial roles their province and
below, the Department viewer and system admins everything, the country included.
"""

from datetime import date
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cdd.thai import THAI_MONTHS_ABBR, fiscal_year, percent, to_be_year
from villages.models import District, Province, Subdistrict, Village

from .models import AreaMonth, Level
from .refresh import DEPTH, HH_BASE, HH_DATED

KPIS = [
    {
        "key": "plan_pct",
        "title": _("Target households with a development plan"),
        "unit": "%",
        "target": Decimal("95"),
        "target_label": _("at least 95%"),
    },
    {
        "key": "helped_pct",
        "title": _("Households helped in each dimension they fall short in"),
        "unit": "%",
        "target": Decimal("80"),
        "target_label": _("every dimension: at least 80%"),
    },
    {
        "key": "wdf",
        "title": _("Women's Development Fund: overdue debt reduced"),
        "unit": "%",
        "target": Decimal("10"),
        "target_label": _("reduced by at least 10% and under 10% of receivables"),
    },
    {
        "key": "kkj",
        "title": _("Poverty alleviation funds (กข.คจ.): money at risk"),
        "unit": _("baht"),
        "target": Decimal("0"),
        "target_label": _("no problem or damaged money"),
    },
    {
        "key": "fabric_pct",
        "title": _("Thai-fabric sales against the target"),
        "unit": "%",
        "target": Decimal("100"),
        "target_label": _("last fiscal year's sales x 1.10 by September; on track month by month"),
    },
    {
        "key": "online_growth_pct",
        "title": _("Growth of online OTOP sales"),
        "unit": "%",
        "target": Decimal("0"),
        "target_label": _("no less than the same months of last fiscal year"),
    },
    {
        "key": "sv_met_pct",
        "title": _("Sustainable Village indicators met"),
        "unit": "%",
        "target": Decimal("80"),
        "target_label": _("at least 80%"),
    },
    {
        "key": "submissions",
        "title": _("This month's reports: on time, late, missing"),
        "unit": "%",
        "target": Decimal("100"),
        "target_label": _("every district sends on time"),
    },
]
KEYS = [k["key"] for k in KPIS]
# The finest level each KPI has a value at (see the module docstring).
FINEST = {
    "wdf": Level.DISTRICT,
    "submissions": Level.DISTRICT,
    "fabric_pct": Level.SUBDISTRICT,
    "online_growth_pct": Level.SUBDISTRICT,
}
LEVELS = [Level.NATIONAL, Level.PROVINCE, Level.DISTRICT, Level.SUBDISTRICT, Level.VILLAGE]
CHILD = dict(zip(LEVELS, [*LEVELS[1:], None], strict=True))
AREA_MODELS = {
    Level.PROVINCE: Province,
    Level.DISTRICT: District,
    Level.SUBDISTRICT: Subdistrict,
    Level.VILLAGE: Village,
}
GREEN, AMBER, RED, NONE = "green", "amber", "red", "none"
# Worst first; "none" with a value (reports not yet due) counts with green.
SEVERITY = {RED: 0, AMBER: 1, GREEN: 2, NONE: 2}
# KPIs where a larger value is worse.
LOWER_IS_BETTER = {"kkj"}


def applies(key: str, level: str) -> bool:
    finest = FINEST.get(key)
    return finest is None or DEPTH[level] <= DEPTH[finest]


def columns(level: str | None) -> list[str]:
    """The KPI keys that have a value at ``level``."""
    return [k for k in KEYS if level and applies(k, level)]


# ---------------------------------------------------------------- figures of one row


def _households(row: AreaMonth) -> tuple:
    from households.selectors import _shape

    shaped = _shape({k: getattr(row, f"hh_{k}") for k in HH_BASE + HH_DATED})
    plan = {k: shaped[k] for k in ("tpmap", "new", "total", "with_plan")}
    plan_value = shaped["pct_with_plan"] if shaped["total"] else None
    dims = shaped["dimensions"]
    failing = {d: v for d, v in dims.items() if v["failing"]}
    lowest = min(failing, key=lambda d: (failing[d]["pct_helped"], d)) if failing else None
    helped = {
        "dimensions": dims,
        "lowest": lowest,
        "meets_kpi": all(v["meets_kpi"] for v in dims.values()),
    }
    return (plan_value, plan), (failing[lowest]["pct_helped"] if lowest else None, helped)


def _wdf(row: AreaMonth) -> tuple:
    from funds.selectors import _empty, _figures

    if row.wdf_contracts is None:
        return None, {}
    now = {
        **_empty(),
        "contracts": row.wdf_contracts,
        "receivables": row.wdf_receivables,
        "overdue": row.wdf_overdue,
    }
    fig = _figures(now, {**_empty(), "overdue": row.wdf_baseline})
    keys = (
        "contracts",
        "receivables",
        "overdue_now",
        "overdue_baseline",
        "managed",
        "reduction_pct",
        "overdue_ratio_pct",
        "meets_reduction_target",
        "within_ceiling",
    )
    detail = {k: fig[k] for k in keys}
    return (fig["reduction_pct"] if row.wdf_contracts else None), detail


def _kkj(row: AreaMonth) -> tuple:
    from funds.selectors import _kkj_shape

    raw = {
        "funds": row.kkj_funds,
        "capital": row.kkj_capital,
        "accelerated_funds": row.kkj_accelerated,
        "problem_amount": row.kkj_problem,
        "damaged_amount": row.kkj_damaged,
        **{f"level_{n}": getattr(row, f"kkj_level_{n}") for n in (1, 2, 3)},
    }
    shaped = _kkj_shape(raw)
    shaped["at_risk_pct"] = percent(shaped["at_risk_amount"], shaped["capital"])
    return (shaped["at_risk_amount"] if row.kkj_funds else None), shaped


def expected_fabric_pct(month: date) -> Decimal:
    """The share of the year's Thai-fabric target due by the end of ``month``: the months
    of the fiscal year elapsed (October is 1) of 12."""
    elapsed = (month.month - 10) % 12 + 1
    return percent(elapsed, 12)


def _otop(row: AreaMonth) -> tuple:
    from otop.selectors import pct

    if row.otop_sales_fy is None:
        return (None, {}), (None, {})
    fabric = {
        "fabric_sales_fy": row.otop_fabric_fy,
        "fabric_sales_prev_fy": row.otop_fabric_prev_fy,
        "fabric_target": row.otop_fabric_target,
        "expected_pct": expected_fabric_pct(row.month),
    }
    online, before = row.otop_online_fy, row.otop_online_prev_same
    growth = {
        "online_sales_fy": online,
        "online_sales_prev_same_period": before,
        "offline_sales_fy": row.otop_offline_fy,
        "sales_fy": row.otop_sales_fy,
    }
    # The same shares as otop.selectors._shape (None when there is nothing to divide by).
    return (
        (pct(row.otop_fabric_fy, row.otop_fabric_target), fabric),
        (pct(online - before, before), growth),
    )


def _sv(row: AreaMonth) -> tuple:
    from villages.sv_selectors import pct

    groups = {}
    for g in ("basic", "1", "2", "3", "4", "5"):
        size, met = getattr(row, f"sv_size_{g}"), getattr(row, f"sv_met_{g}")
        groups[g] = {"indicators": size, "met": met, "pct": pct(met, size * row.sv_assessed)}
    size = sum(v["indicators"] for v in groups.values())
    met = sum(v["met"] for v in groups.values())
    detail = {
        "villages": row.sv_villages,
        "households": row.sv_households,
        "people": row.sv_people,
        "assessed": row.sv_assessed,
        "groups": groups,
    }
    return pct(met, size * row.sv_assessed), detail


def _submissions(row: AreaMonth) -> tuple:
    if not row.sub_districts:
        return None, {}
    detail = {
        "districts": row.sub_districts,
        "on_time": row.sub_on_time,
        "late": row.sub_late,
        "missing": row.sub_missing,
        "due_on": row.sub_due_on,
    }
    return percent(row.sub_on_time, row.sub_districts), detail


def figures(row: AreaMonth | None) -> dict[str, tuple]:
    """{KPI key: (value, detail)} of one summary row (all None without a row)."""
    if row is None:
        return dict.fromkeys(KEYS, (None, {}))
    plan, helped = _households(row)
    fabric, online = _otop(row)
    return {
        "plan_pct": plan,
        "helped_pct": helped,
        "wdf": _wdf(row),
        "kkj": _kkj(row),
        "fabric_pct": fabric,
        "online_growth_pct": online,
        "sv_met_pct": _sv(row),
        "submissions": _submissions(row),
    }


# ---------------------------------------------------------------- green, amber, red


def rag(key: str, value, detail: dict, *, month: date, today: date) -> str:
    """The card's colour: "green", "amber", "red", or "none" (no data, or not applicable).

    - plan_pct: green at 95% or more, amber at 80% or more;
    - helped_pct: green when every dimension households fail in is helped for at least 80%
      of them (``households.selectors.KPI_HELPED_PCT``), amber when the lowest is 60% or more;
    - wdf: green when overdue debt fell by at least 10% of the 1 October baseline (or there
      was none) and is under 10% of receivables, amber when one of the two holds;
    - kkj: green when no money is at risk, amber when it is at most 5% of the capital;
    - fabric_pct: against the share of the target due by the month (``expected_fabric_pct``,
      months elapsed of 12): green at or above it, amber at 80% of it or more;
    - online_growth_pct: green at 0% or more, amber at -10% or more;
    - sv_met_pct: green at 80% or more, amber at 50% or more;
    - submissions: "none" until the due date has passed; then green when no district is late
      or missing, amber when none is missing;
    - anything else is red.
    """
    if value is None:
        return NONE
    if key == "submissions":
        if today <= detail["due_on"]:
            return NONE
        if not detail["missing"]:
            return AMBER if detail["late"] else GREEN
        return RED
    if key == "wdf":
        held = detail["meets_reduction_target"] + detail["within_ceiling"]
        return {2: GREEN, 1: AMBER}.get(held, RED)
    if key == "helped_pct":
        green, amber = detail["meets_kpi"], value >= 60
    elif key == "kkj":
        green, amber = value == 0, value * 100 <= detail["capital"] * 5
    elif key == "fabric_pct":
        expected = detail["expected_pct"]
        green, amber = value >= expected, value * 5 >= expected * 4
    else:
        green_at, amber_at = {
            "plan_pct": (95, 80),
            "online_growth_pct": (0, -10),
            "sv_met_pct": (80, 50),
        }[key]
        green, amber = value >= green_at, value >= amber_at
    return GREEN if green else AMBER if amber else RED


def _severity(key: str, value, status: str):
    """Sort key: the worst first (red before amber before green, then by value)."""
    return (SEVERITY[status], -value if key in LOWER_IS_BETTER else value)


# ---------------------------------------------------------------- areas and scope


def may_see(user, level: str, code: str | None) -> bool:
    """Whether the user may see the figures of an area: the area and every child area of it
    are visible to them (``visible_to``, cdd/scoping.py)."""
    if level != Level.NATIONAL:
        if not AREA_MODELS[level].objects.visible_to(user).filter(code=code).exists():
            return False
    child = CHILD[level]
    if child is None:
        return True
    model = AREA_MODELS[child]
    parts = model.objects.all() if level == Level.NATIONAL else model.objects.in_area(level, code)
    return not parts.exclude(pk__in=model.objects.visible_to(user).values("pk")).exists()


def default_area(user) -> tuple[str, str | None]:
    """The area a user's dashboard opens on: their district, their province, or the
    country."""
    if getattr(user, "district_id", None):
        return Level.DISTRICT, user.district_id
    if getattr(user, "province_id", None):
        return Level.PROVINCE, user.province_id
    return Level.NATIONAL, None


# Each level's parent level, also the name of the foreign key to it.
PARENT = {
    Level.VILLAGE: Level.SUBDISTRICT,
    Level.SUBDISTRICT: Level.DISTRICT,
    Level.DISTRICT: Level.PROVINCE,
}


def _chain(level: str, code: str | None) -> list[dict]:
    """The areas from the country down to (level, code), with their names, in one query;
    404 when there is no such area."""
    national = {"level": Level.NATIONAL, "code": None, "name": gettext("Whole country")}
    if level == Level.NATIONAL:
        return [national]
    if level not in AREA_MODELS or not code:
        raise Http404
    level = Level(level)
    path, lvl = [], level
    while lvl in PARENT:
        lvl = PARENT[lvl]
        path.append(lvl.value)
    areas = AREA_MODELS[level].objects.filter(code=code)
    node = (areas.select_related("__".join(path)) if path else areas).first()
    if node is None:
        raise Http404
    chain, lvl = [], level
    while node is not None:
        name = node.name if lvl == Level.VILLAGE else node.name_th
        chain.append({"level": lvl.value, "code": node.code, "name": name})
        lvl = PARENT.get(lvl)
        node = getattr(node, lvl.value) if lvl else None
    return [national, *reversed(chain)]


def _breadcrumb(user, chain: list[dict]) -> list[dict]:
    """The areas of the chain the user may see: from the first one they may see (every
    area below an area a user may see is inside their area too) down to the last."""
    for i, area in enumerate(chain[:-1]):
        if may_see(user, area["level"], area["code"]):
            return chain[i:]
    return chain[-1:]


def month_label(month: date) -> str:
    """A short Buddhist-Era month label for charts: ``ต.ค. 69``."""
    return f"{THAI_MONTHS_ABBR[month.month - 1]} {to_be_year(month.year) % 100:02d}"


def fiscal_months_to(month: date) -> list[date]:
    """The months of ``month``'s fiscal year from October up to ``month``."""
    from reports.cycle import fiscal_months

    return [m for m in fiscal_months(fiscal_year(month)) if m <= month]


def localtime(moment):
    """An aware time in Bangkok (the time shown to users)."""
    from django.utils import timezone

    return timezone.localtime(moment)


def refreshed_at(rows):
    """The latest refresh time of summary rows, in Bangkok; None without rows."""
    latest = max((r.refreshed_at for r in rows), default=None)
    return localtime(latest) if latest else None


# ---------------------------------------------------------------- the dashboard


def dashboard(*, user, level: str, code: str | None, month: date, today: date | None = None):
    """The KPI cards of one area for one month, with their trend over the fiscal year, the
    three weakest child areas per card, and the table of child areas. Raises Http404 when
    the area does not exist or the user may not see it (``may_see``)."""
    from django.utils import timezone

    today = today or timezone.localdate()
    month = month.replace(day=1)
    code = None if level == Level.NATIONAL else code
    chain = _chain(level, code)
    if not may_see(user, level, code):
        raise Http404
    months = fiscal_months_to(month)
    visible = AreaMonth.objects.visible_to(user)
    own = {r.month: r for r in visible.filter(level=level, code=code or "", month__in=months)}
    child_level = CHILD[level]
    children = []
    if child_level:
        children = list(
            visible.filter(level=child_level, parent_code=code or "", month=month).order_by("code")
        )
    area_figures = figures(own.get(month))
    trends = {m: figures(own.get(m)) for m in months}
    child_rows = []
    for row in children:
        values = figures(row)
        child_rows.append(
            {
                "level": row.level,
                "code": row.code,
                "name": row.name,
                "figures": values,
                "status": {
                    k: rag(k, *values[k], month=month, today=today) for k in columns(child_level)
                },
            }
        )
    cards = []
    for kpi in KPIS:
        key = kpi["key"]
        value, detail = area_figures[key]
        weak = sorted(
            (r for r in child_rows if key in r["status"] and r["figures"][key][0] is not None),
            key=lambda r, k=key: (_severity(k, r["figures"][k][0], r["status"][k]), r["code"]),
        )
        cards.append(
            {
                **_kpi_text(kpi),
                "target": expected_fabric_pct(month) if key == "fabric_pct" else kpi["target"],
                "applicable": applies(key, level),
                "value": value,
                "status": rag(key, value, detail, month=month, today=today),
                "detail": detail,
                "trend": [
                    {"month": m, "label": month_label(m), "value": trends[m][key][0]}
                    for m in months
                ],
                "weakest": [
                    {
                        "level": r["level"],
                        "code": r["code"],
                        "name": r["name"],
                        "value": r["figures"][key][0],
                    }
                    for r in weak[:3]
                ],
            }
        )
    return {
        "area": chain[-1],
        "breadcrumb": _breadcrumb(user, chain),
        "month": month,
        "fiscal_year": fiscal_year(month),
        "months": months,
        "refreshed_at": localtime(own[month].refreshed_at) if month in own else None,
        "cards": cards,
        "children": {
            "level": child_level,
            "columns": columns(child_level),
            "rows": [
                {
                    "level": r["level"],
                    "code": r["code"],
                    "name": r["name"],
                    "values": {k: r["figures"][k][0] for k in r["status"]},
                    "status": r["status"],
                }
                for r in child_rows
            ],
        },
    }


def _kpi_text(kpi: dict) -> dict:
    return {
        "key": kpi["key"],
        "title": str(kpi["title"]),
        "unit": str(kpi["unit"]),
        "target_label": str(kpi["target_label"]),
    }


def kpis() -> list[dict]:
    """``KPIS`` with their texts in the active language."""
    return [{**_kpi_text(k), "target": k["target"]} for k in KPIS]


def ranking(*, user, month: date, today: date | None = None) -> dict:
    """The Department's view: every province's value and colour per KPI for the month, and
    the provinces ranked per KPI, best first (provinces without a value last). Raises
    Http404 unless the user may see the whole country."""
    from django.utils import timezone

    today = today or timezone.localdate()
    month = month.replace(day=1)
    if not may_see(user, Level.NATIONAL, None):
        raise Http404
    rows = list(
        AreaMonth.objects.visible_to(user)
        .filter(level__in=[Level.PROVINCE, Level.NATIONAL], month=month)
        .order_by("code")
    )
    provinces = []
    for row in rows:
        if row.level != Level.PROVINCE:
            continue
        values = figures(row)
        provinces.append(
            {
                "code": row.code,
                "name": row.name,
                "values": {k: values[k][0] for k in KEYS},
                "status": {k: rag(k, *values[k], month=month, today=today) for k in KEYS},
            }
        )
    ranks = {}
    for key in KEYS:
        scored = [p for p in provinces if p["values"][key] is not None]  # in code order
        # Best first; a stable sort keeps equal provinces in code order.
        scored.sort(key=lambda p: _severity(key, p["values"][key], p["status"][key]), reverse=True)
        unscored = [p["code"] for p in provinces if p["values"][key] is None]
        ranks[key] = [p["code"] for p in scored] + unscored
    return {
        "month": month,
        "fiscal_year": fiscal_year(month),
        "refreshed_at": refreshed_at(rows),
        "kpis": kpis(),
        "provinces": provinces,
        "ranks": ranks,
    }
