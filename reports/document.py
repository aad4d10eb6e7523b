"""The governor's-meeting report as a document: the HTML preview and the A4 PDF.

``report_html`` renders ``reports/document/report.html`` from a ``Document``: the builder's
``Report`` plus what only the document needs (the charts as SVG, the photos checked, the
summary figures, headings in Thai numerals when the province asks for them). The same HTML
is the browser preview (``for_pdf=False``) and the PDF's source; ``static/css/report.css``
lays it out on A4 pages (repeating table headers, "หน้า N / M", the build time and the data
checksum in the footer).

A month without data still builds: every empty part says "ไม่มีข้อมูล". A photo whose file is
missing or unreadable becomes a placeholder box and a line in ``warnings`` (the build log);
it never fails the report.
"""

import logging
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse

from cdd.thai import thai_date, thai_datetime, thai_digits

from . import charts
from .builder import Report
from .models import Attachment, Heading

logger = logging.getLogger(__name__)

OFFICE_PREFIX = "สำนักงานพัฒนาชุมชนจังหวัด"
WDF_REDUCTION_TARGET = 10  # % of the 1 October overdue debt to cut this fiscal year
WDF_OVERDUE_CEILING = 10  # % of receivables overdue debt should stay under

STATUS_TH = {"on_time": "ตรงเวลา", "late": "ล่าช้า", "missing": "ยังไม่ส่ง"}
BUDGET_LINE_TH = {
    "administration": "งบบริหาร",
    "revolving": "เงินทุนหมุนเวียน",
    "subsidy": "เงินอุดหนุน",
    "total": "รวม",
}
DIMENSIONS_TH = {
    "health": "สุขภาพ",
    "living": "ความเป็นอยู่",
    "education": "การศึกษา",
    "income": "รายได้",
    "public_services": "การเข้าถึงบริการภาครัฐ",
}
SV_GROUPS_TH = {"basic": "ตัวชี้วัดพื้นฐาน 7 ตัว", **{str(n): f"มิติที่ {n}" for n in range(1, 6)}}


@dataclass
class Photo:
    url: str | None  # None: the file could not be loaded, a placeholder is drawn instead
    caption: str
    name: str


@dataclass
class DistrictPart:
    code: str
    name: str
    timeliness: str
    texts: list[tuple[str, str]]  # (numbered heading, text)
    photos: list[Photo]

    @property
    def note(self) -> str:
        """What to print when the district wrote nothing under this mission."""
        return "ยังไม่ส่งรายงาน" if self.timeliness == "missing" else "ไม่มีข้อมูล"


@dataclass
class MissionDoc:
    anchor: str
    title: str
    indicators: list[dict]
    districts: list[DistrictPart]
    new_page: bool = False  # every mission after the first starts a page

    @property
    def weight(self) -> int:
        """Roughly how long this mission takes to lay out (characters; a photo counts as
        a short page), to share the missions out between render processes."""
        return sum(
            len(heading) + len(text) + 40 for d in self.districts for heading, text in d.texts
        ) + sum(1500 * len(d.photos) + 200 for d in self.districts)

    @property
    def reporting(self) -> list[DistrictPart]:
        """Districts with text or photos under this mission, in official code order."""
        return [d for d in self.districts if d.texts or d.photos]

    @property
    def not_sent(self) -> list[DistrictPart]:
        return [d for d in self.districts if not (d.texts or d.photos) and d.note != "ไม่มีข้อมูล"]

    @property
    def no_text(self) -> list[DistrictPart]:
        """Districts that sent their report but wrote nothing under this mission."""
        return [d for d in self.districts if not (d.texts or d.photos) and d.note == "ไม่มีข้อมูล"]


@dataclass
class Part:
    """Which parts of the report one HTML page holds. The whole report by default; the PDF
    of a long report is rendered in pieces (``reports.pdf.split``): the cover and summary,
    the contents (with page numbers given, ``page_numbers``: anchor -> number as printed),
    and the body (sections and missions) in slices of whole missions."""

    front: bool = True  # cover and summary
    contents: bool = True
    sections: bool = True  # households to Sustainable Villages
    missions: tuple[int, int] | None = (0, None)  # the slice of missions shown
    missions_head: bool = True  # the missions part's heading (and an empty note)
    submissions: bool = True
    page_numbers: dict[str, str] | None = None


@dataclass
class Document:
    """Everything the document template reads (the only object in its context)."""

    report: Report
    for_pdf: bool
    thai_numerals: bool
    office_name: str
    missions: list[MissionDoc]
    charts: dict[str, str]
    submissions: list[dict]
    sections: list[tuple[str, str]] = field(default_factory=list)  # (anchor, title) contents
    titles: dict[str, str] = field(default_factory=dict)  # every part's heading by anchor
    part_classes: dict[str, str] = field(default_factory=dict)  # by anchor: page breaks
    part: Part = field(default_factory=Part)

    @property
    def part_missions(self) -> list[MissionDoc]:
        if self.part.missions is None:
            return []
        start, stop = self.part.missions
        return self.missions[start:stop]

    def _contents(self) -> list[tuple[str, str, bool]]:
        entries = [("summary", self.summary_title, False)]
        entries += [(anchor, title, False) for anchor, title in self.sections]
        entries.append(("missions", self.missions_title, False))
        entries += [(m.anchor, m.title, True) for m in self.missions]
        entries.append(("submissions", self.submissions_title, False))
        return entries

    @property
    def contents_anchors(self) -> list[str]:
        return [anchor for anchor, _title, _sub in self._contents()]

    @property
    def contents(self) -> list[dict]:
        """The contents page's entries; ``page`` only when the numbers are given."""
        entries = self._contents()
        numbers = self.part.page_numbers
        return [
            {
                "anchor": anchor,
                "title": title,
                "sub": sub,
                "page": numbers.get(anchor, "") if numbers is not None else "",
            }
            for anchor, title, sub in entries
        ]

    def n(self, text) -> str:
        """Digits as Thai numerals when the province asks for them (cover and headings)."""
        return thai_digits(text) if self.thai_numerals else str(text)

    @property
    def title(self) -> str:
        return self.n(f"รายงานผลการดำเนินงานประจำเดือน{self.report.month_name}")

    @property
    def fiscal_year(self) -> str:
        return self.n(f"ปีงบประมาณ พ.ศ. {self.report.fiscal_year}")

    @property
    def as_of_line(self) -> str:
        return self.n(f"ข้อมูล ณ วันที่ {thai_date(self.report.as_of, long=True)}")

    @property
    def summary_title(self) -> str:
        return self.titles["summary"]

    @property
    def missions_title(self) -> str:
        return self.titles["missions"]

    @property
    def submissions_title(self) -> str:
        return self.titles["submissions"]

    @property
    def due_on(self) -> str:
        return thai_date(date.fromisoformat(self.s["submissions"]["due_on"]), long=True)

    @property
    def area_word(self) -> str:
        """What a district is called before its name: เขต in Bangkok, อำเภอ elsewhere."""
        return "เขต" if self.report.province == "10" else "อำเภอ"

    @property
    def province_line(self) -> str:
        return f"จังหวัด{self.report.province_name}"

    @property
    def built_at(self) -> str:
        return thai_datetime(self.report.built_at)

    @property
    def checksum(self) -> str:
        return self.report.data_checksum[:12]

    @property
    def page_style(self) -> str:
        """The counter style of page numbers: Thai numerals when the province asks for them."""
        return "thai" if self.thai_numerals else "decimal"

    @property
    def s(self) -> dict:
        return self.report.sections

    @property
    def summary(self) -> dict:
        """The key figures of the first page."""
        hh = self.s["households"]["total"]
        wdf, kkj, otop, subs = self.s["wdf"], self.s["kkj"], self.s["otop"], self.s["submissions"]
        return {
            "households": hh["total"],
            "with_plan": hh["with_plan"],
            "pct_with_plan": hh["pct_with_plan"],
            "wdf_contracts": wdf.get("contracts", 0),
            "wdf_reduction_pct": wdf["reduction_pct"],
            "wdf_reduction_ok": (wdf["reduction_pct"] or 0) >= WDF_REDUCTION_TARGET,
            "wdf_ratio_pct": wdf["overdue_ratio_pct"],
            "wdf_ratio_ok": (wdf["overdue_ratio_pct"] or 0) < WDF_OVERDUE_CEILING,
            "wdf_target": WDF_REDUCTION_TARGET,
            "wdf_ceiling": WDF_OVERDUE_CEILING,
            "kkj_funds": kkj["funds"],
            "kkj_at_risk": kkj["at_risk_amount"],
            "kkj_accelerated": kkj["accelerated_funds"],
            "fabric_pct": otop["fabric_pct"],
            "fabric_sales": otop["fabric_sales_fy"],
            "fabric_target": otop["fabric_target"],
            "online_growth_pct": otop["online_growth_pct"],
            "on_time": subs["on_time"],
            "late": subs["late"],
            "missing": subs["missing"],
            "districts": len(subs["rows"]),
        }

    def district_name(self, code) -> str:
        return self.report.districts.get(code, code)

    @property
    def household_rows(self) -> list[dict]:
        return [
            {**r, "name": self.district_name(r["district_code"])}
            for r in self.s["households"]["rows"]
        ]

    @property
    def household_dimensions(self) -> list[dict]:
        dims = self.s["households"]["total"].get("dimensions", {})
        return [{"name": DIMENSIONS_TH.get(k, k), **v} for k, v in dims.items()]

    @property
    def wdf_rows(self) -> list[dict]:
        return [
            {**r, "name": self.district_name(r["district_code"])}
            for r in self.s["wdf"].get("rows", [])
        ]

    @property
    def budget_rows(self) -> list[dict]:
        return [
            {**b, "label": BUDGET_LINE_TH.get(b["line"], b["line"])}
            for b in self.s["wdf"].get("budget", [])
        ]

    @property
    def kkj_rows(self) -> list[dict]:
        return [
            {**r, "name": self.district_name(r["district_code"])}
            for r in self.s["kkj"].get("rows", [])
        ]

    @property
    def otop_rows(self) -> list[dict]:
        return [
            {**r, "name": self.district_name(r["district_code"])}
            for r in self.s["otop"].get("rows", [])
        ]

    @property
    def sv_groups(self) -> list[dict]:
        sv = self.report.sustainable or {}
        return [
            {"name": SV_GROUPS_TH.get(str(k), str(k)), **v}
            for k, v in (sv.get("groups") or {}).items()
        ]

    @property
    def sv_has_data(self) -> bool:
        sv = self.report.sustainable
        return bool(sv and (sv.get("villages") or sv.get("assessed")))

    @property
    def missing(self) -> list[tuple[str, str]]:
        return self.report.missing


# ---------------------------------------------------------------- photos


def _photo(attachment: Attachment, *, for_pdf: bool, warnings: list | None) -> Photo:
    """The photo's URL if its file is there and is an image Pillow can read; otherwise a
    placeholder (url None) and a warning for the build log."""
    from PIL import Image

    name = attachment.name or attachment.file.name
    try:
        with attachment.file.open("rb") as fh, Image.open(fh) as image:
            image.verify()
    except Exception as exc:  # noqa: BLE001 - missing, unreadable or not an image: all the same
        message = (
            f"รูปภาพ {name} โหลดไม่ได้ ใช้กรอบแทนรูป / photo {name} "
            f"(attachment {attachment.pk}) could not be loaded: {type(exc).__name__}"
        )
        logger.warning(message)
        if warnings is not None:
            warnings.append(message)
        return Photo(url=None, caption=attachment.caption, name=name)
    url = attachment.file.url if for_pdf else reverse("submission-file", args=[attachment.pk])
    return Photo(url=url, caption=attachment.caption, name=name)


def _missions(report: Report, *, for_pdf: bool, warnings: list | None, n) -> list[MissionDoc]:
    numbers = dict(
        Heading.objects.filter(province_id=report.province, fiscal_year=report.fiscal_year)
        .order_by()
        .values_list("title", "number")
    )
    out = []
    for m in report.missions:
        districts = [
            DistrictPart(
                code=d.code,
                name=d.name,
                timeliness=d.timeliness,
                texts=[
                    (n(f"{numbers[h]}. {h}") if h in numbers else h, text) for h, text in d.texts
                ],
                photos=[_photo(a, for_pdf=for_pdf, warnings=warnings) for a in d.photos],
            )
            for d in m.districts
        ]
        out.append(
            MissionDoc(
                anchor=f"mission-{m.number}",
                title=n(f"ภารกิจที่ {m.number} {m.name}"),
                indicators=m.indicators,
                districts=districts,
                new_page=bool(out),
            )
        )
    return out


# ---------------------------------------------------------------- charts


def _charts(report: Report) -> dict[str, str]:
    data = report.charts or {}
    out = {}
    plan = data.get("plan_by_district") or []
    if any(v for _name, v in plan) or report.sections["households"]["total"]["total"]:
        total = report.sections["households"]["total"]["pct_with_plan"]
        out["plan"] = charts.hbar_chart(
            plan,
            title="ร้อยละของครัวเรือนเป้าหมายที่มีแผนพัฒนาครัวเรือน รายอำเภอ",
            max_value=100,
            reference=(total, f"ภาพรวมจังหวัด {total:,.1f}%"),
        )
    trend = data.get("overdue_trend") or []
    wdf = report.sections["wdf"]
    if trend and (wdf.get("contracts") or any(v for _m, v in trend)):
        baseline = wdf.get("overdue_baseline") or 0
        goal = baseline * (100 - WDF_REDUCTION_TARGET) / 100
        # The fiscal year starts from the 1 October baseline; short labels when many months.
        points = [("1 ต.ค.", baseline), *trend]
        if len(points) > 7:
            points = [(label.replace(" 25", " "), v) for label, v in points]
        out["overdue"] = charts.trend_chart(
            points,
            title="หนี้เกินกำหนดชำระ กองทุนพัฒนาบทบาทสตรี ณ สิ้นเดือน (บาท)",
            target=(goal, f"เป้าหมาย: ลดลง {WDF_REDUCTION_TARGET}% จาก 1 ต.ค. ({goal:,.2f} บาท)")
            if baseline
            else None,
        )
    fabric = data.get("fabric_by_district") or []
    if any(s or t for _n, s, t in fabric):
        out["fabric"] = charts.grouped_bars(
            fabric,
            title="ยอดจำหน่ายผ้าไทยเทียบเป้าหมาย รายอำเภอ (บาท)",
            series=("ยอดจำหน่ายปีงบประมาณนี้", "เป้าหมาย (ปีก่อน x 1.10)"),
        )
    return out


# ---------------------------------------------------------------- outputs


# Parts long enough to start on a new page; the short ones follow on the same page.
PAGE_PARTS = {"wdf", "otop", "missions", "submissions"}


def _part_classes(doc: "Document", anchors: list[str]) -> dict[str, str]:
    """Each part's CSS class: a part with data starts a new page unless the part before it
    was empty (a heading and "ไม่มีข้อมูล" do not deserve a page of their own)."""
    s = doc.s
    has_data = {
        "households": bool(s["households"]["total"]["total"]),
        "wdf": bool(s["wdf"].get("contracts") or doc.budget_rows),
        "kkj": bool(s["kkj"]["funds"]),
        "otop": bool(s["otop"]["sales_fy"] or s["otop"]["fabric_target"]),
        "sustainable": doc.sv_has_data,
        "missions": bool(doc.missions),
        "submissions": True,
    }
    classes, previous = {}, False  # the contents page ends its own page
    for anchor in anchors:
        new_page = anchor in PAGE_PARTS and has_data[anchor] and previous
        classes[anchor] = "part new-page" if new_page else "part"
        previous = has_data[anchor]
    if anchors:
        classes[anchors[0]] += " first"  # right after the contents page: no top margin
    return classes


def _submissions(report: Report) -> list[dict]:
    rows = []
    for r in report.sections["submissions"]["rows"]:
        submitted = r.get("submitted_at")
        if isinstance(submitted, str):
            submitted = datetime.fromisoformat(submitted)
        rows.append(
            {
                "code": r["district_code"],
                "name": report.districts.get(r["district_code"], r["district_code"]),
                "status": r["status"],
                "status_th": STATUS_TH.get(r["status"], r["status"]),
                "submitted_at": thai_datetime(submitted) if submitted else "",
                "late_reason": r.get("late_reason") or "",
            }
        )
    return rows


def document(
    report: Report,
    *,
    for_pdf: bool = True,
    thai_numerals: bool = False,
    office_name: str | None = None,
    warnings: list | None = None,
) -> Document:
    """The report's document presenter (see the module doc)."""
    n = thai_digits if thai_numerals else str
    doc = Document(
        report=report,
        for_pdf=for_pdf,
        thai_numerals=thai_numerals,
        office_name=office_name or f"{OFFICE_PREFIX}{report.province_name}",
        missions=_missions(report, for_pdf=for_pdf, warnings=warnings, n=n),
        charts=_charts(report),
        submissions=_submissions(report),
    )
    parts = [
        ("households", "ครัวเรือนเป้าหมายการขจัดความยากจน"),
        ("wdf", "กองทุนพัฒนาบทบาทสตรี"),
        ("kkj", "โครงการแก้ไขปัญหาความยากจน (กข.คจ.)"),
        ("otop", "หนึ่งตำบล หนึ่งผลิตภัณฑ์ (OTOP)"),
        ("sustainable", "หมู่บ้านยั่งยืน"),
    ]
    parts += [
        ("missions", "ผลการดำเนินงานตามภารกิจสำคัญ"),
        ("submissions", "การส่งรายงานประจำเดือนของอำเภอ"),
    ]
    doc.titles = {a: n(f"{i}. {t}") for i, (a, t) in enumerate(parts, start=1)}
    doc.titles["summary"] = "สรุปผลการดำเนินงานที่สำคัญ"
    doc.sections = [(a, doc.titles[a]) for a, _t in parts[:5]]
    doc.part_classes = _part_classes(doc, [a for a, _t in parts])
    return doc


def report_html(
    report: Report,
    *,
    for_pdf: bool = True,
    thai_numerals: bool = False,
    office_name: str | None = None,
    warnings: list | None = None,
) -> str:
    """The report as one HTML page: the PDF's source, or the browser preview."""
    doc = document(
        report,
        for_pdf=for_pdf,
        thai_numerals=thai_numerals,
        office_name=office_name,
        warnings=warnings,
    )
    return _html(doc)


def _html(doc: Document, part: Part | None = None) -> str:
    doc.part = part or Part()
    return render_to_string("reports/document/report.html", {"doc": doc})


def report_pdf(
    report: Report,
    *,
    warnings: list | None = None,
    thai_numerals: bool = False,
    office_name: str | None = None,
) -> bytes:
    """The report as an A4 PDF (Sarabun embedded). Photos that cannot be loaded become
    placeholders and lines in ``warnings``; nothing in the data makes it fail.

    A long report is rendered in pieces in parallel processes (``reports.pdf.split``;
    ``REPORT_PDF_PROCESSES``, from ``REPORT_PDF_SPLIT_MIN_WEIGHT`` characters of narrative),
    with the same pages as one render."""
    doc = document(
        report,
        for_pdf=True,
        thai_numerals=thai_numerals,
        office_name=office_name,
        warnings=warnings,
    )
    started = time.monotonic()
    bodies = body_parts(
        doc,
        processes=settings.REPORT_PDF_PROCESSES,
        min_weight=settings.REPORT_PDF_SPLIT_MIN_WEIGHT,
    )
    pdf = None
    if bodies:
        from .pdf.split import SplitFailed, render_split  # imports WeasyPrint

        empty = {"front": False, "contents": False, "sections": False, "submissions": False}
        try:
            pdf = render_split(
                front=_html(
                    doc, Part(**{**empty, "front": True}, missions=None, missions_head=False)
                ),
                contents=lambda pages: _html(
                    doc,
                    Part(
                        **{**empty, "contents": True},
                        missions=None,
                        missions_head=False,
                        page_numbers=_contents_numbers(doc, pages),
                    ),
                ),
                bodies=[_html(doc, part) for part in bodies],
                warnings=warnings,
            )
        except SplitFailed as exc:
            logger.warning("report %s: rendered in one piece: %s", report.province, exc)
    if pdf is None:
        pdf = _render_pdf(_html(doc), warnings=warnings)
    logger.info(
        "report %s %s: %s bytes in %.1fs (%s pieces)",
        report.province,
        f"{report.month:%Y-%m}",
        len(pdf),
        time.monotonic() - started,
        len(bodies) + 2 if bodies else 1,
    )
    return pdf


# What the five sections' tables and charts weigh against missions' narrative characters.
SECTIONS_WEIGHT = 25_000


def body_parts(doc: Document, *, processes: int, min_weight: int) -> list[Part]:
    """The report's body (sections, missions, submissions) cut at missions into up to
    ``processes`` parts of about equal weight; [] when not worth it (one process, fewer
    than two missions, or less than ``min_weight`` in all)."""
    missions = doc.missions
    weights = [m.weight for m in missions]
    total = SECTIONS_WEIGHT + sum(weights)
    if processes < 2 or len(missions) < 2 or total < min_weight:
        return []
    cuts, running = [], SECTIONS_WEIGHT
    for i, w in enumerate(weights[:-1]):
        running += w
        # Cut after mission i once the running weight passes the next share.
        if running >= total * (len(cuts) + 1) / processes and len(cuts) < processes - 1:
            cuts.append(i + 1)
    if not cuts:
        cuts = [len(missions) - 1]
    bounds = [0, *cuts, len(missions)]
    parts = []
    for k in range(len(bounds) - 1):
        first, last = k == 0, k == len(bounds) - 2
        parts.append(
            Part(
                front=False,
                contents=False,
                sections=first,
                missions=(bounds[k], bounds[k + 1]),
                missions_head=first,
                submissions=last,
            )
        )
    return parts


def _contents_numbers(doc: Document, pages: dict[str, int] | None) -> dict[str, str]:
    """The contents page's numbers as printed; the widest ("888") before they are known."""
    if pages is None:
        return {anchor: doc.n("888") for anchor in doc.contents_anchors}
    return {anchor: doc.n(pages[anchor]) for anchor in doc.contents_anchors if anchor in pages}


def _render_pdf(html: str, *, warnings: list | None) -> bytes:
    from .pdf import render_pdf  # imports WeasyPrint: only when a PDF is wanted

    return render_pdf(html, warnings=warnings)
