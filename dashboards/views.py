"""Dashboard pages: an area's KPI cards for a month (value, target, colour with its word,
trend over the fiscal year, the weakest child areas), the table of its child areas to drill
down through, the Department's ranking of the provinces, and the numbers behind every chart
and table as .xlsx.

Every figure and every decision about who may see an area comes from
``dashboards.selectors`` (which reads only the summary tables and raises Http404 outside the
user's area); the views only choose the area and month from the address and present.
"""

import functools
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdd import thai
from cdd.areas import query_string
from villages.sv_forms import group_label

from . import selectors
from .models import Level
from .refresh import add_month, months_window

STATUS_TEXT = {
    "green": gettext_lazy("On target"),
    "amber": gettext_lazy("Watch"),
    "red": gettext_lazy("Below target"),
    "none": gettext_lazy("No data"),
}
# A shape as well as a colour, so a status never rests on colour alone.
STATUS_MARK = {"green": "✓", "amber": "!", "red": "▼", "none": "–"}
# Short column headings for the child-area and ranking tables (the cards carry the full title).
SHORT_TITLE = {
    "plan_pct": gettext_lazy("With a plan"),
    "helped_pct": gettext_lazy("Helped (lowest dimension)"),
    "wdf": gettext_lazy("WDF overdue reduced"),
    "kkj": gettext_lazy("กข.คจ. money at risk"),
    "fabric_pct": gettext_lazy("Thai fabric vs target"),
    "online_growth_pct": gettext_lazy("Online sales growth"),
    "sv_met_pct": gettext_lazy("Sustainable Village indicators met"),
    "submissions": gettext_lazy("Reports on time"),
}
LEVEL_NAME = {
    Level.NATIONAL: gettext_lazy("Whole country"),
    Level.PROVINCE: gettext_lazy("Province"),
    Level.DISTRICT: gettext_lazy("District"),
    Level.SUBDISTRICT: gettext_lazy("Subdistrict"),
    Level.VILLAGE: gettext_lazy("Village"),
}
WEAKEST = {
    Level.PROVINCE: gettext_lazy("Weakest provinces"),
    Level.DISTRICT: gettext_lazy("Weakest districts"),
    Level.SUBDISTRICT: gettext_lazy("Weakest subdistricts"),
    Level.VILLAGE: gettext_lazy("Weakest villages"),
}
CHILDREN_HEADING = {
    Level.PROVINCE: gettext_lazy("By province"),
    Level.DISTRICT: gettext_lazy("By district"),
    Level.SUBDISTRICT: gettext_lazy("By subdistrict"),
    Level.VILLAGE: gettext_lazy("By village"),
}
PERCENT = "%"


# ---------------------------------------------------------------- the address


def last_full_month(today: date | None = None) -> date:
    return add_month((today or timezone.localdate()).replace(day=1), -1)


def chosen_month(request) -> date:
    """?month=YYYY-MM (C.E. or B.E.), else the last full month. A month that cannot be read or
    is still to come gives the last full month, with a message saying so."""
    text = (request.GET.get("month") or "").strip()
    default = last_full_month()
    if not text:
        return default
    try:
        year, month = thai.parse_month(text)
        chosen = date(year, month, 1)
    except ValueError:
        chosen = None
    if chosen is None or chosen > timezone.localdate():
        messages.warning(
            request,
            _("The month chosen is not valid; showing %(month)s.")
            % {"month": thai.thai_month(default.year, default.month)},
        )
        return default
    return chosen


def chosen_area(request) -> tuple[str, str | None]:
    """?level=&code=, else the user's own area (``selectors.default_area``)."""
    level = (request.GET.get("level") or "").strip()
    code = (request.GET.get("code") or "").strip() or None
    if not level and not code:
        return selectors.default_area(request.user)
    if level not in Level.values:
        raise Http404
    return level, code


def month_param(month: date) -> str:
    return f"{month:%Y-%m}"


def dashboard_url(level, code, month: date) -> str:
    query = query_string(level=level, code=code or "", month=month_param(month))
    return f"{reverse('dashboard')}?{query}"


def month_choices(month: date) -> list[dict]:
    """The months the summaries hold, newest first, up to the last full month (this month too
    when it is the one shown), always including the month shown."""
    last = max(last_full_month(), month)
    months = {m for m in months_window() if m <= last} | {month}
    return [
        {"value": month_param(m), "label": thai.thai_month(m.year, m.month), "selected": m == month}
        for m in sorted(months, reverse=True)
    ]


# ---------------------------------------------------------------- presenting figures


def figure(value, unit) -> str:
    """A KPI value as the page shows it: ``87.50%``, ``12,000.00 บาท``, ``-`` for none."""
    if value is None:
        return "-"
    if str(unit) == PERCENT:
        return f"{value:,.2f}%"
    return f"{thai.baht(value)} {unit}"


def _pct(value) -> str:
    return "-" if value is None else f"{value:,.2f}%"


def _count(value) -> str:
    return intcomma(value or 0)


def _detail_plan(d):
    return [
        (_("Target households"), _count(d["total"])),
        (_("From TPMAP / newly found"), f"{_count(d['tpmap'])} / {_count(d['new'])}"),
        (_("With a plan"), _count(d["with_plan"])),
    ]


def _detail_helped(d):
    from households.choices import Dimension

    lines = []
    for key, dim in d["dimensions"].items():
        if not dim["failing"]:
            text = _("none falling short")
        else:
            text = _("%(helped)s of %(failing)s · %(pct)s") % {
                "helped": _count(dim["helped"]),
                "failing": _count(dim["failing"]),
                "pct": _pct(dim["pct_helped"]),
            }
        lines.append((Dimension(key).label, text))
    return lines


def _detail_wdf(d):
    return [
        (_("Overdue debt on 1 October"), thai.baht(d["overdue_baseline"])),
        (_("Overdue debt now"), thai.baht(d["overdue_now"])),
        (_("Debt managed"), thai.baht(d["managed"])),
        (_("Overdue ratio (of receivables)"), _pct(d["overdue_ratio_pct"])),
    ]


def _detail_kkj(d):
    levels = d["levels"]
    return [
        (_("Funds"), _count(d["funds"])),
        (_("Problem money"), thai.baht(d["problem_amount"])),
        (_("Damaged money"), thai.baht(d["damaged_amount"])),
        (_("Under accelerated collection"), _count(d["accelerated_funds"])),
        (
            _("Governance level 1 / 2 / 3"),
            " / ".join(_count(levels.get(n)) for n in ("1", "2", "3")),
        ),
    ]


def _detail_fabric(d):
    return [
        (_("Thai-fabric sales this fiscal year"), thai.baht(d["fabric_sales_fy"])),
        (_("Target for the year"), thai.baht(d["fabric_target"])),
        (_("Share of the target due by this month"), _pct(d["expected_pct"])),
    ]


def _detail_online(d):
    return [
        (_("Online sales this fiscal year"), thai.baht(d["online_sales_fy"])),
        (_("Same months last fiscal year"), thai.baht(d["online_sales_prev_same_period"])),
    ]


def _detail_sv(d):
    lines = [
        (_("Villages / assessed this month"), f"{_count(d['villages'])} / {_count(d['assessed'])}"),
    ]
    for group, g in d["groups"].items():
        if g["indicators"]:
            lines.append((group_label(group), _pct(g["pct"])))
    return lines


def _detail_submissions(d):
    return [
        (_("On time / late / missing"), f"{d['on_time']} / {d['late']} / {d['missing']}"),
        (_("Due date"), thai.thai_date(d["due_on"])),
    ]


DETAIL = {
    "plan_pct": _detail_plan,
    "helped_pct": _detail_helped,
    "wdf": _detail_wdf,
    "kkj": _detail_kkj,
    "fabric_pct": _detail_fabric,
    "online_growth_pct": _detail_online,
    "sv_met_pct": _detail_sv,
    "submissions": _detail_submissions,
}


def detail_lines(card) -> list[tuple[str, str]]:
    """The lines under a card's value, from its ``detail`` (nothing when there is no data)."""
    if card["value"] is None or not card["detail"] or card["key"] not in DETAIL:
        return []
    return DETAIL[card["key"]](card["detail"])


# A status badge: a word and a shape as well as a colour. Compact (table cells, lists): the
# mark only, the word for screen readers and as a tooltip. Built here rather than by an
# include: a province's table has a few hundred of them.
BADGE = (
    '<span class="status {0}" data-status="{0}"><span class="mark" aria-hidden="true">{2}</span>'
    "{1}</span>"
)
COMPACT_BADGE = (
    '<span class="status {0}" data-status="{0}" title="{1}"><span class="mark" '
    'aria-hidden="true">{2}</span><span class="visually-hidden">{1}</span></span>'
)


def status(key: str, value=None, *, compact=False) -> dict:
    """A colour's class, word, mark and badge. "none" with a value is a figure not judged yet
    (this month's reports before their due date), not missing data."""
    pending = key == "none" and value is not None
    text, mark = (_("Not due yet"), "○") if pending else (STATUS_TEXT[key], STATUS_MARK[key])
    badge = _badge(key, pending, compact, translation.get_language())
    return {"class": key, "text": text, "mark": mark, "badge": badge}


@functools.cache
def _badge(key: str, pending: bool, compact: bool, language: str) -> str:
    """The badge's HTML (a handful of different ones, each built once per language)."""
    text, mark = (_("Not due yet"), "○") if pending else (STATUS_TEXT[key], STATUS_MARK[key])
    return format_html(COMPACT_BADGE if compact else BADGE, key, text, mark)


def table_cell(value, unit, state_key) -> str:
    """A table cell's content: the figure and, when there is one, its compact badge."""
    if value is None:
        return figure(value, unit)
    return format_html("{}{}", figure(value, unit), status(state_key, value, compact=True)["badge"])


def target_values(card, months) -> list:
    """A card's target month by month (the share of the Thai-fabric target due grows)."""
    if card["key"] == "fabric_pct":
        return [selectors.expected_fabric_pct(m) for m in months]
    return [card["target"]] * len(months)


def present_card(card, data, child_status) -> dict:
    months = [p["month"] for p in card["trend"]]
    targets = target_values(card, months)
    unit = card["unit"]
    return {
        **card,
        "value_text": figure(card["value"], unit),
        "state": status(card["status"], card["value"]),
        "lines": detail_lines(card),
        "chart_id": f"chart-{card['key']}",
        "has_trend": any(p["value"] is not None for p in card["trend"]),
        "chart": {
            "label": card["title"],
            "suffix": "%" if unit == PERCENT else f" {unit}",
            "kind": "line" if unit == PERCENT else "bar",
            "labels": [p["label"] for p in card["trend"]],
            "values": [thai.json_number(p["value"]) for p in card["trend"]],
            "targets": [thai.json_number(t) for t in targets]
            if card["target"] is not None
            else None,
            "target_label": card["target_label"],
        },
        "trend_rows": [
            {
                "month": p["month"],
                "text": figure(p["value"], unit),
                "target": figure(target, unit),
            }
            for p, target in zip(card["trend"], targets, strict=True)
        ],
        "weakest": [
            {
                **w,
                "text": figure(w["value"], unit),
                "state": status(
                    child_status.get((w["code"], card["key"]), "none"), w["value"], compact=True
                ),
                "url": dashboard_url(w["level"], w["code"], data["month"]),
            }
            for w in card["weakest"]
        ],
        "export_url": export_url(data, kpi=card["key"]),
    }


def export_url(data, **extra) -> str:
    area = data["area"]
    query = query_string(
        level=area["level"], code=area["code"] or "", month=month_param(data["month"]), **extra
    )
    return f"{reverse('dashboard-export')}?{query}"


def present(data) -> dict:
    """The page's context from ``selectors.dashboard``."""
    month = data["month"]
    children = data["children"]
    units = {c["key"]: c["unit"] for c in data["cards"]}
    rows = children["rows"]
    child_status = {(r["code"], k): s for r in rows for k, s in r["status"].items()}
    columns = [
        {"key": k, "title": SHORT_TITLE.get(k, k), "unit": units[k]} for k in children["columns"]
    ]
    table = [
        {
            **r,
            "url": dashboard_url(r["level"], r["code"], month),
            "cells": [
                {
                    "key": c["key"],
                    "html": table_cell(
                        r["values"].get(c["key"]), c["unit"], r["status"].get(c["key"], "none")
                    ),
                }
                for c in columns
            ],
        }
        for r in rows
    ]
    crumbs = [{**a, "url": dashboard_url(a["level"], a["code"], month)} for a in data["breadcrumb"]]
    child_level = children["level"]
    return {
        "d": data,
        "area": data["area"],
        "level_name": LEVEL_NAME[data["area"]["level"]],
        "crumbs": crumbs,
        # Cards of KPIs not kept at this level go last, so the ones with figures lead.
        "cards": sorted(
            (present_card(c, data, child_status) for c in data["cards"]),
            key=lambda c: not c["applicable"],
        ),
        "child_level": child_level,
        "child_name": LEVEL_NAME[child_level] if child_level else "",
        "children_heading": CHILDREN_HEADING.get(child_level, ""),
        "weakest_heading": WEAKEST.get(child_level, ""),
        "columns": columns,
        "rows": table,
        "table_export_url": export_url(data),
        "month_choices": month_choices(month),
        "hidden": [("level", data["area"]["level"]), ("code", data["area"]["code"])],
        # The breadcrumb starts at the country exactly when the user may see it.
        "national_url": (
            f"{reverse('dashboard-national')}?{query_string(month=month_param(month))}"
            if data["breadcrumb"][0]["level"] == Level.NATIONAL
            else ""
        ),
    }


# ---------------------------------------------------------------- pages


@login_required
def dashboard(request):
    """One area's KPI cards for a month and its child areas (``?level=&code=&month=``)."""
    level, code = chosen_area(request)
    month = chosen_month(request)
    data = selectors.dashboard(user=request.user, level=level, code=code, month=month)
    return render(request, "dashboards/dashboard.html", present(data))


@login_required
def national(request):
    """The Department's view: every province ranked on one KPI (``?kpi=``), with the others
    alongside; a 404 for anyone who does not see the whole country."""
    month = chosen_month(request)
    data = selectors.ranking(user=request.user, month=month)
    return render(
        request, "dashboards/national.html", present_ranking(data, chosen_kpi(request, data))
    )


def chosen_kpi(request, ranking) -> str:
    """?kpi= when it names a KPI, else the first."""
    keys = [k["key"] for k in ranking["kpis"]]
    return request.GET["kpi"] if request.GET.get("kpi") in keys else keys[0]


def present_ranking(data, kpi: str) -> dict:
    month = data["month"]
    kpis = {k["key"]: k for k in data["kpis"]}
    by_code = {p["code"]: p for p in data["provinces"]}
    columns = [
        {"key": k, "title": SHORT_TITLE.get(k, k), "unit": v["unit"]} for k, v in kpis.items()
    ]
    rows = []
    for rank, code in enumerate(data["ranks"][kpi], start=1):
        p = by_code[code]
        rows.append(
            {
                **p,
                "rank": rank if p["values"][kpi] is not None else None,
                "url": dashboard_url(Level.PROVINCE, code, month),
                "cells": [
                    {
                        "key": c["key"],
                        "html": table_cell(p["values"][c["key"]], c["unit"], p["status"][c["key"]]),
                    }
                    for c in columns
                ],
            }
        )
    for c in columns:
        c["sort_url"] = "?" + query_string(month=month_param(month), kpi=c["key"])
    return {
        "r": data,
        "kpi": kpis[kpi],
        "columns": columns,
        "rows": rows,
        "month_choices": month_choices(month),
        "hidden": [("kpi", kpi)],
        "national_dashboard_url": dashboard_url(Level.NATIONAL, None, month),
        "export_url": (
            f"{reverse('dashboard-national-export')}?"
            f"{query_string(month=month_param(month), kpi=kpi)}"
        ),
    }
