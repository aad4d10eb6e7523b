"""The numbers behind the dashboards as .xlsx: one chart's (a KPI month by month over the
fiscal year, with its target), the child-area table's, and the national ranking's. Each is
scoped exactly like its page: the same selector call on the same address.

Sheets are written by ``imports.exporting.table_response``, which escapes every text cell
that a spreadsheet would take for a formula."""

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cdd import thai
from imports.exporting import ExportTable, table_response

from . import selectors
from .views import (
    CHILDREN_HEADING,
    LEVEL_NAME,
    SHORT_TITLE,
    STATUS_TEXT,
    chosen_area,
    chosen_kpi,
    chosen_month,
    month_param,
    present_ranking,
    target_values,
)


def _trend_table(card) -> ExportTable:
    return ExportTable(
        card["title"],
        [
            ("month", gettext_lazy("Month (YYYY-MM)")),
            ("month_th", gettext_lazy("Month")),
            ("value", _with_unit(card["title"], card["unit"])),
            ("target", gettext_lazy("Target")),
            ("status", gettext_lazy("Status")),
        ],
    )


def _areas_table(data) -> ExportTable:
    level = data["children"]["level"]
    units = {c["key"]: c["unit"] for c in data["cards"]}
    return ExportTable(
        CHILDREN_HEADING.get(level, _("Areas")),
        [
            ("code", gettext_lazy("Code")),
            ("name", LEVEL_NAME[level] if level else gettext_lazy("Area")),
            *[
                (k, _with_unit(SHORT_TITLE.get(k, k), units[k]))
                for k in data["children"]["columns"]
            ],
        ],
    )


def _with_unit(title, unit) -> str:
    """A column heading with the unit of its numbers: ``มีแผน (%)``, ``... (บาท)``."""
    return f"{title} ({unit})"


def _stem(data, what: str) -> str:
    area = data["area"]
    return f"dashboard-{area['level']}-{area['code'] or 'all'}-{month_param(data['month'])}-{what}"


@login_required
def export(request):
    """The numbers of one chart (``?kpi=``: the KPI's value month by month over the fiscal
    year, with its target and colour) or, without ``kpi``, of the child-area table, as .xlsx;
    scoped exactly like the page (the same selector call)."""
    level, code = chosen_area(request)
    month = chosen_month(request)
    data = selectors.dashboard(user=request.user, level=level, code=code, month=month)
    kpi = request.GET.get("kpi")
    if not kpi:
        rows = [
            [r["code"], r["name"], *[r["values"].get(k) for k in data["children"]["columns"]]]
            for r in data["children"]["rows"]
        ]
        return table_response(_areas_table(data), rows, "xlsx", _stem(data, "areas"))
    card = next((c for c in data["cards"] if c["key"] == kpi), None)
    if card is None:
        raise Http404
    targets = target_values(card, [p["month"] for p in card["trend"]])
    rows = [
        [
            month_param(p["month"]),
            thai.thai_month(p["month"].year, p["month"].month),
            p["value"],
            target,
            str(STATUS_TEXT[card["status"]]) if p["month"] == data["month"] else "",
        ]
        for p, target in zip(card["trend"], targets, strict=True)
    ]
    return table_response(_trend_table(card), rows, "xlsx", _stem(data, kpi))


RANKING_COLUMNS = [
    ("rank", gettext_lazy("Rank")),
    ("code", gettext_lazy("Province code")),
    ("name", gettext_lazy("Province")),
]


@login_required
def national_export(request):
    """The national ranking on one KPI as .xlsx, every KPI's value alongside."""
    month = chosen_month(request)
    data = selectors.ranking(user=request.user, month=month)
    kpi = chosen_kpi(request, data)
    page = present_ranking(data, kpi)
    table = ExportTable(
        page["kpi"]["title"],
        [
            *RANKING_COLUMNS,
            *[(c["key"], _with_unit(c["title"], c["unit"])) for c in page["columns"]],
        ],
    )
    rows = [
        [r["rank"], r["code"], r["name"], *[r["values"][c["key"]] for c in page["columns"]]]
        for r in page["rows"]
    ]
    return table_response(table, rows, "xlsx", f"dashboard-national-{month_param(month)}-{kpi}")
