"""The governor's-meeting report: one builder, one presenter, three outputs.

``build_report(province, month)`` calls the other apps' selectors (households, funds, OTOP,
submissions and indicators, Sustainable Villages) as of the month's end and returns a
``Report``. The same object feeds the HTML preview and the PDF (``reports/templates/
reports/document/``), the .xlsx (``report_xlsx``, one sheet per section) and the JSON
(``Report.as_json``, the CONTRACT.md keys). ``data_checksum`` is a SHA-256 of the JSON
without the build time: two builds of unchanged data have the same checksum.

The report is the province's, whoever asks for it: it is built with the whole province in
view (``BUILDER``); who may ask is checked by the caller.
"""

import calendar
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from cdd.thai import fiscal_year, json_number, thai_month
from villages.models import District, Province

from . import cycle, indicators
from .models import Attachment, Narrative, Submission
from .sections import get_section

SECTIONS = ["households", "wdf", "kkj", "otop", "submissions"]


class _Builder:
    """The identity reports are built under: sees every area, changes nothing."""

    is_authenticated = True
    is_active = True
    is_superuser = True
    is_anonymous = False
    role = Role.SYSTEM_ADMIN
    pk = id = None
    province_id = district_id = None
    username = "report-builder"

    def get_full_name(self):
        return _("Scheduled build")


BUILDER = _Builder()


@dataclass
class DistrictText:
    code: str
    name: str
    state: str | None  # the submission's status, None when nothing was started
    timeliness: str  # on_time / late / missing
    texts: list[tuple[str, str]]  # (heading, text) for the headings with text
    photos: list[Attachment]


@dataclass
class MissionPart:
    number: int
    name: str
    indicators: list[dict]
    districts: list[DistrictText]


@dataclass
class Report:
    province: str
    province_name: str
    month: date  # first day
    as_of: date  # last day
    fiscal_year: int
    sections: dict
    indicators: list[dict]
    sustainable: dict | None
    missions: list[MissionPart]
    districts: dict[str, str]
    missing: list[tuple[str, str]]
    charts: dict = field(default_factory=dict)
    built_at: datetime = field(default_factory=timezone.now)

    @property
    def month_name(self) -> str:
        return thai_month(self.month.year, self.month.month)

    def as_json(self) -> dict:
        """The JSON report (CONTRACT.md "JSON report"), plus indicators and Sustainable
        Villages; numbers as JSON numbers, percentages rounded to 2 decimals."""
        return _jsonable(
            {
                "province": self.province,
                "month": f"{self.month:%Y-%m}",
                "fiscal_year": self.fiscal_year,
                **self.sections,
                "indicators": [dict(row) for row in self.indicators],
                "sustainable_villages": self.sustainable,
                "missions": [
                    {
                        "number": m.number,
                        "name": m.name,
                        "districts": [
                            {
                                "district_code": d.code,
                                "state": d.state,
                                "narratives": [{"heading": h, "text": t} for h, t in d.texts],
                                "photos": len(d.photos),
                            }
                            for d in m.districts
                        ],
                    }
                    for m in self.missions
                ],
            }
        )

    @property
    def data_checksum(self) -> str:
        canonical = json.dumps(self.as_json(), sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(canonical.encode()).hexdigest()

    @property
    def is_empty(self) -> bool:
        return not any(
            [
                self.sections["households"]["total"]["total"],
                self.sections["wdf"]["contracts"],
                self.sections["kkj"]["funds"],
                self.sections["otop"]["sales_fy"],
                any(d.texts for m in self.missions for d in m.districts),
            ]
        )


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Decimal):
        return json_number(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def month_bounds(month: date) -> tuple[date, date]:
    first = month.replace(day=1)
    return first, first.replace(day=calendar.monthrange(first.year, first.month)[1])


def _missions(province: str, month: date, fy: int, names: dict, due: date, totals) -> tuple:
    """Each key mission with its indicators and every district's narrative and photos."""
    missions = cycle.missions_for(province, fy)
    headings = {h.pk: h for h in cycle.headings_for(province, fy)}
    subs = {s.district_id: s for s in Submission.objects.filter(province_id=province, month=month)}
    texts: dict = {}
    for n in (
        Narrative.objects.filter(submission__in=subs.values())
        .exclude(text="")
        .values_list("submission__district_id", "mission_id", "heading_id", "text")
    ):
        texts.setdefault((n[0], n[1]), []).append((headings[n[2]], n[3]))
    photos: dict = {}
    for a in Attachment.objects.filter(submission__in=subs.values(), kind="photo").select_related(
        "submission"
    ):
        photos.setdefault((a.submission.district_id, a.mission_id), []).append(a)
    parts = []
    for m in missions:
        districts = []
        for code, name in names.items():
            s = subs.get(code)
            rows = sorted(texts.get((code, m.pk), []), key=lambda t: t[0].number)
            districts.append(
                DistrictText(
                    code=code,
                    name=name,
                    state=s.status if s else None,
                    timeliness=cycle.timeliness(s, due),
                    texts=[(h.title, text) for h, text in rows],
                    photos=photos.get((code, m.pk), []),
                )
            )
        parts.append(
            MissionPart(
                number=m.number,
                name=m.name,
                indicators=[t for t in totals if t["mission"] == m.number],
                districts=districts,
            )
        )
    return parts


def build_report(province: str, month: date, *, charts: bool = True) -> Report:
    """The province's report for ``month`` as of the month's end (see the module doc)."""
    first, as_of = month_bounds(month)
    fy = fiscal_year(first)
    province_obj = Province.objects.get(code=province)
    names = dict(
        District.objects.filter(province_id=province)
        .order_by("code")
        .values_list("code", "name_th")
    )
    sections = {
        name: get_section(name)(user=BUILDER, province=province, as_of=as_of, district=None)
        for name in SECTIONS
    }
    totals = indicators.province_totals(user=BUILDER, province=province, month=first)
    due = date.fromisoformat(sections["submissions"]["due_on"])
    missing = [
        (r["district_code"], names.get(r["district_code"], ""))
        for r in sections["submissions"]["rows"]
        if r["status"] == "missing"
    ]
    try:
        from villages.sv_selectors import sv_totals

        sustainable = sv_totals(
            user=BUILDER, fiscal_year=fy, month=first, level="province", code=province
        )
    except Exception:  # noqa: BLE001 - a report never fails on one optional section
        sustainable = None
    report = Report(
        province=province,
        province_name=province_obj.name_th,
        month=first,
        as_of=as_of,
        fiscal_year=fy,
        sections=sections,
        indicators=totals,
        sustainable=sustainable,
        missions=_missions(province, first, fy, names, due, totals),
        districts=names,
        missing=missing,
    )
    if charts:
        report.charts = _chart_data(report)
    return report


# ---------------------------------------------------------------- chart data


def _fy_months_until(month: date) -> list[date]:
    return [m for m in cycle.fiscal_months(fiscal_year(month)) if m <= month]


def _chart_data(report: Report) -> dict:
    """The numbers behind the PDF's charts: % of households with a plan by district, the
    overdue WDF debt at each month's end of the fiscal year so far, and Thai-fabric sales
    against the target by district."""
    from funds.selectors import overdue_trend

    names = report.districts
    plan = [
        (names.get(r["district_code"], r["district_code"]), r["pct_with_plan"])
        for r in report.sections["households"]["rows"]
    ]
    month_ends = [month_bounds(m)[1] for m in _fy_months_until(report.month)]
    trend = overdue_trend(user=BUILDER, level="province", code=report.province, dates=month_ends)
    fabric = [
        (
            names.get(r["district_code"], r["district_code"]),
            r["fabric_sales_fy"] or 0,
            r["fabric_target"] or 0,
        )
        for r in report.sections["otop"].get("rows", [])
    ]
    return {
        "plan_by_district": plan,
        "overdue_trend": [
            (thai_month(d.year, d.month, long=False), json_number(v)) for d, v in trend
        ],
        "fabric_by_district": fabric,
    }


# ---------------------------------------------------------------- outputs


def report_json(report: Report) -> bytes:
    return json.dumps(report.as_json(), ensure_ascii=False, indent=2).encode()


def report_xlsx(report: Report) -> bytes:
    """One sheet per section; every text cell escaped against formulas."""
    import openpyxl
    from openpyxl.styles import Font

    from imports.exporting import sheet_title
    from imports.files import escape_cell

    data = report.as_json()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet_title(_("Summary"))
    for row in (
        [_("Province"), f"{report.province} {report.province_name}"],
        [_("Month"), report.month_name],
        [_("Fiscal year"), report.fiscal_year],
        [_("Data checksum"), report.data_checksum],
        [_("Districts not sent"), ", ".join(name for _c, name in report.missing) or "-"],
    ):
        ws.append([escape_cell(v) for v in row])

    def flat(prefix, value, out):
        if isinstance(value, dict):
            for k, v in value.items():
                flat(f"{prefix}.{k}" if prefix else str(k), v, out)
        elif not isinstance(value, list):
            out[prefix] = value
        return out

    for name in SECTIONS:
        section = data[name]
        sheet = wb.create_sheet(sheet_title(name))
        rows = section.get("rows")
        totals = {k: v for k, v in section.items() if k != "rows"}
        if isinstance(totals.get("total"), dict):
            totals = totals["total"] | {k: v for k, v in totals.items() if k != "total"}
        flat_rows = [flat("", r, {}) for r in rows or []]
        flat_total = flat("", totals, {})
        keys = list(dict.fromkeys([k for r in flat_rows for k in r] or list(flat_total)))
        sheet.append(keys)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for r in flat_rows:
            sheet.append([escape_cell(r.get(k)) for k in keys])
        if rows:
            sheet.append(
                [
                    escape_cell(flat_total.get(k, "total" if i == 0 else None))
                    for i, k in enumerate(keys)
                ]
            )
        else:
            sheet.append([escape_cell(flat_total.get(k)) for k in keys])
    sheet = wb.create_sheet(sheet_title("indicators"))
    sheet.append(
        ["number", "name", "unit", "mission", "aggregation", "districts_reported", "total"]
    )
    for row in data["indicators"]:
        sheet.append(
            [
                escape_cell(row[k])
                for k in (
                    "number",
                    "name",
                    "unit",
                    "mission",
                    "aggregation",
                    "districts_reported",
                    "total",
                )
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def render(report: Report, fmt: str, *, warnings: list | None = None) -> bytes:
    """The report as ``pdf``, ``xlsx`` or ``json`` bytes; ``warnings`` collects what the
    build log should say (e.g. a photo that could not be loaded)."""
    if fmt == "json":
        return report_json(report)
    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt == "pdf":
        from .archive import settings_for
        from .document import report_pdf

        chosen = settings_for(report.province)  # Thai numerals and the office's own name
        return report_pdf(
            report,
            warnings=warnings,
            thai_numerals=chosen.thai_numerals,
            office_name=chosen.office_name or None,
        )
    raise ValueError(f"unknown format {fmt!r}")
