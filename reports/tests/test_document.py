"""The governor's-meeting report as a document: what an official sees in the PDF (read back
with poppler's pdftotext, pdfinfo and pdffonts) and in the browser preview.

Thai text reads back exactly (reports.pdf maps glyphs back to the source text), so the
tests compare what pdftotext gives with only the whitespace removed.
"""

import io
import re
import subprocess
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from cdd.thai import thai_digits
from funds.tests.conftest import make_loan, pay
from households.models import DevelopmentPlan
from households.services import plan_save
from households.tests.conftest import make_household
from otop.tests.conftest import make_producer, make_product, sell
from reports import attachments, charts, cycle, indicators
from reports.builder import build_report
from reports.document import report_html, report_pdf
from reports.models import Attachment, Indicator, Mission, ReportSettings
from villages.models import District

BKK = ZoneInfo("Asia/Bangkok")
OCTOBER = date(2026, 10, 1)  # fiscal year 2570


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


def jpeg_bytes(colour=(60, 120, 90)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, "JPEG")
    return buffer.getvalue()


# ---------------------------------------------------------------- reading the PDF back


def fold(text: str) -> str:
    """The text without whitespace: pdftotext breaks lines and cells where layout put them."""
    return re.sub(r"\s+", "", text)


def pdf_text(path, page=None) -> str:
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(
        ["pdftotext", *pages, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def write_pdf(tmp_path, data: bytes, name="report.pdf"):
    assert data.startswith(b"%PDF-")
    path = tmp_path / name
    path.write_bytes(data)
    return path


def page_of(path, needle: str) -> int:
    """The first page whose text holds ``needle``."""
    for page in range(1, pdf_pages(path) + 1):
        if fold(needle) in fold(pdf_text(path, page)):
            return page
    raise AssertionError(f"{needle!r} is on no page")


# ---------------------------------------------------------------- a month with data


def seed_month(users) -> dict:
    """A small October 2569 in Saraburi: households with plans, WDF loans, OTOP sales,
    a key mission with an indicator, and district 1901's report with two photos, one of
    which has lost its file. Every other district has not reported."""
    from villages.models import Village

    staff, officer = users["district_staff"], users["provincial_officer"]
    village = Village.objects.create(code="19010101", subdistrict_id="190101", name="บ้านหนองโน")
    other = Village.objects.create(code="19020101", subdistrict_id="190201", name="บ้านท่าช้าง")
    with at("2026-09-01 09:00"):
        homes = [make_household(village, f"1901010100{i}") for i in range(1, 5)]
        make_household(other, "19020101001", source="new")
        for h in homes[:3]:
            plan_save(user=staff, household=h, plan=DevelopmentPlan(made_on=date(2026, 8, 1)))
    loan = make_loan(officer, "WDF-1", "120000", "2024-01-10", 4, "2025-01-10", interval=6)
    make_loan(officer, "WDF-2", "60000", "2024-03-01", 2, "2025-03-01", district="1902")
    with at("2026-10-10 10:00"):
        pay(officer, loan, "2026-10-05", "30000")
    weavers = make_producer(officer, "P-1", name="กลุ่มทอผ้าบ้านหนองโน")
    silk = make_product(officer, weavers, "T-1", category="textile", thai_fabric=True)
    with at("2026-11-02 09:00"):
        sell(officer, weavers, "2025-03", "offline", "500000", product=silk)
        sell(officer, weavers, "2026-10", "online", "120000", product=silk)

    mission = Mission.objects.create(
        province_id="19", fiscal_year=2570, number=1, name="โคก หนอง นา"
    )
    plots = indicators.indicator_save(
        user=officer,
        indicator=Indicator(
            province_id="19",
            fiscal_year=2570,
            number=1,
            name="แปลงโคก หนอง นา ที่ดำเนินการแล้ว",
            unit="แปลง",
            mission=mission,
        ),
    )
    with at("2026-10-15 10:00"):
        submission = cycle.submission_for(
            user=staff, district=District.objects.get(pk="1901"), month=OCTOBER
        )
        headings = cycle.headings_for("19", 2570)
        for heading, text in [
            (headings[0], "แปลงโคก หนอง นา ขุดแล้ว 12 แปลง\nปลูกพืชผักแล้ว 8 แปลง"),
            (headings[1], "ฝนตกชุกทำให้ขุดสระล่าช้า"),
        ]:
            cycle.section_save(
                user=staff,
                submission=submission,
                mission=mission,
                heading=heading,
                text=text,
                version=0,
            )
        indicators.value_save(
            user=staff, submission=submission, indicator=plots, value=Decimal(12), version=0
        )
        attachments.attach(
            user=staff,
            submission=submission,
            upload=SimpleUploadedFile("pond.jpg", jpeg_bytes(), content_type="image/jpeg"),
            kind="photo",
            mission=mission,
            caption="แปลงเกษตรของนายสมชาย ใจดี",
        )
        lost = Attachment.objects.create(
            submission=submission,
            mission=mission,
            kind="photo",
            file="submissions/2026/10/lost-photo.jpg",  # the file is gone from storage
            name="lost-photo.jpg",
            size=1234,
            caption="รูปที่หายไป",
        )
        cycle.submit(user=staff, submission=submission)
    return {"mission": mission, "lost": lost}


@pytest.fixture
def october(users):
    return seed_month(users)


@pytest.fixture
def report(october):
    with at("2026-11-05 14:05"):
        return build_report("19", OCTOBER)


@pytest.fixture
def pdf(report, tmp_path):
    warnings: list[str] = []
    path = write_pdf(tmp_path, report_pdf(report, warnings=warnings))
    return path, warnings


# ---------------------------------------------------------------- the PDF


def test_cover_page_numbers_and_embedded_sarabun(pdf):
    path, _warnings = pdf
    pages = pdf_pages(path)
    cover = fold(pdf_text(path, 1))
    assert fold("สำนักงานพัฒนาชุมชนจังหวัดสระบุรี") in cover
    assert fold("รายงานผลการดำเนินงานประจำเดือนตุลาคม 2569") in cover
    assert fold("ปีงบประมาณ พ.ศ. 2570") in cover
    assert "หน้า" not in cover  # the cover carries no page number
    # Every other page is numbered "หน้า N / M", M being the real page count.
    assert fold(f"หน้า 2 / {pages}") in fold(pdf_text(path, 2))
    assert fold(f"หน้า {pages} / {pages}") in fold(pdf_text(path, pages))
    # The footer: the build time and the first 12 characters of the data checksum.
    assert fold("สร้างเมื่อ 5 พ.ย. 2569 14:05 น.") in fold(pdf_text(path, 2))
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True).stdout
    sarabun = [line for line in fonts.splitlines() if "Sarabun" in line]
    assert sarabun and all(line.split()[-5] == "yes" for line in sarabun)  # emb = yes
    assert not [line for line in fonts.splitlines()[2:] if "Sarabun" not in line]


def test_first_page_after_the_cover_lists_the_districts_that_have_not_sent(pdf, report):
    path, _warnings = pdf
    summary = fold(pdf_text(path, 2))
    assert fold("อำเภอที่ยังไม่ส่งรายงาน") in summary
    missing = dict(report.missing)
    assert "1901" not in missing and len(missing) == 12
    for name in missing.values():
        assert fold(f"อำเภอ{name}") in summary
    assert fold("อำเภอเมืองสระบุรี") not in summary  # it has sent
    assert fold("ตรงเวลา 1 ล่าช้า 0 ยังไม่ส่ง 12") in summary


def test_a_mission_shows_figures_then_narratives_and_photos(pdf, report, october):
    path, warnings = pdf
    start = page_of(path, "แปลงโคก หนอง นา ที่ดำเนินการแล้ว")  # the mission's indicator
    part = "".join(fold(pdf_text(path, p)) for p in range(start, pdf_pages(path) + 1))
    figures = part.index(fold("แปลงโคก หนอง นา ที่ดำเนินการแล้ว"))
    narrative = part.index(fold("ขุดแล้ว 12 แปลง"))
    assert figures < narrative
    assert fold("1. ผลการดำเนินงาน") in part and fold("2. ปัญหาอุปสรรค") in part
    assert fold("3. แนวทางการแก้ไข") not in part  # headings without text are left out
    assert fold("แปลงเกษตรของนายสมชาย ใจดี") in part  # the photo's caption
    assert fold("ยังไม่ส่งรายงาน: อำเภอแก่งคอย, อำเภอหนองแค") in part  # one line for them all
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    assert len(images.stdout.splitlines()) - 2 == 1  # the photo that loaded
    # The lost photo: a placeholder and a warning, not a failed report.
    assert fold("ไม่สามารถแสดงรูปภาพ") in part and "lost-photo.jpg" in part
    assert len(warnings) == 1 and "lost-photo.jpg" in warnings[0]


def test_long_tables_repeat_their_header_row_on_the_next_page(report, tmp_path):
    rows = [
        {**report.sections["households"]["total"], "district_code": f"19{i:02d}"}
        for i in range(1, 61)
    ]
    names = {f"19{i:02d}": f"ทดสอบที่{i}" for i in range(1, 61)}
    households = {**report.sections["households"], "rows": rows}
    long = replace(report, sections={**report.sections, "households": households}, districts=names)
    path = write_pdf(tmp_path, report_pdf(long))
    first, last = page_of(path, "ทดสอบที่1"), page_of(path, "ทดสอบที่60")
    assert last > first  # the table runs over a page
    for page in range(first, last + 1):
        assert fold("อำเภอ จาก TPMAP") in fold(pdf_text(path, page))


def test_an_empty_month_builds_with_no_data_notes(geography, tmp_path):
    empty = build_report("19", date(2027, 3, 1))
    assert empty.is_empty
    warnings: list[str] = []
    path = write_pdf(tmp_path, report_pdf(empty, warnings=warnings))
    text = fold(pdf_text(path))
    assert text.count(fold("ไม่มีข้อมูล")) >= 5 and warnings == []
    summary = fold(pdf_text(path, 2))
    assert fold("อำเภอเฉลิมพระเกียรติ") in summary  # all 13 districts are missing
    assert fold("หน้า 2 /") in summary


def test_a_province_that_has_sent_in_full_says_so(report):
    full = replace(report, missing=[])
    html = report_html(full)
    assert 'data-testid="missing-districts">ส่งครบทุกอำเภอ' in html


def test_thai_numerals_on_the_cover_and_headings_when_asked(report, tmp_path):
    path = write_pdf(tmp_path, report_pdf(report, thai_numerals=True))
    assert "ตุลาคม ๒๕๖๙" in pdf_text(path, 1)
    assert fold(f"หน้า ๒ / {thai_digits(pdf_pages(path))}") in fold(pdf_text(path, 2))
    html = report_html(report, thai_numerals=True, office_name="สำนักงานทดสอบ")
    cover = html[html.index('data-testid="cover"') : html.index('data-testid="summary"')]
    assert "สำนักงานทดสอบ" in cover
    assert "ตุลาคม ๒๕๖๙" in cover and "ปีงบประมาณ พ.ศ. ๒๕๗๐" in cover and "2569" not in cover
    assert "ภารกิจที่ ๑ โคก หนอง นา" in html and "counter(page, thai)" in html
    assert '<td class="num">12.00</td>' in html  # figures in tables stay Arabic
    plain = report_html(report)
    assert "สำนักงานพัฒนาชุมชนจังหวัดสระบุรี" in plain and "๒" not in plain


# ---------------------------------------------------------------- charts


def test_charts_are_svg_with_escaped_labels():
    svg = charts.hbar_chart(
        [("<b>เมือง</b> & co", 42.5), ("ว่าง", None)],
        title="ร้อยละ",
        max_value=100,
        reference=(50, "ภาพรวม 50%"),
    )
    root = ElementTree.fromstring(svg)  # well-formed XML
    texts = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert "<b>เมือง</b> & co" in texts and "42.5%" in texts and "ภาพรวม 50%" in texts
    trend = charts.trend_chart([("ต.ค. 2569", 829867.36)], title="t", target=(700000, "เป้า"))
    grouped = charts.grouped_bars([("A", 10, 20)], title="g", series=("ขาย", "เป้า"))
    for markup in (trend, grouped):
        assert ElementTree.fromstring(markup).tag.endswith("svg")
    assert "50.0%" in grouped  # sales as a share of the target


# ---------------------------------------------------------------- the preview pages


def test_preview_and_pdf_for_users_of_the_province(client, users, october):
    client.force_login(users["provincial_officer"])
    url = reverse("report-preview") + "?province=19&month=2569-10"
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "ตุลาคม 2569" in html and reverse("submission-file", args=[1]).rsplit("1", 1)[0] in html
    pdf_url = reverse("report-pdf") + "?province=19&amp;month=2026-10"
    assert pdf_url in html
    response = client.get(reverse("report-pdf") + "?province=19&month=2026-10")
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert response.content.startswith(b"%PDF-")
    # District staff see their own province's report too (their province by default), in
    # the province's chosen style.
    ReportSettings.objects.create(
        province_id="19", thai_numerals=True, office_name="สำนักงานพัฒนาชุมชนจังหวัดสระบุรี (ทดสอบ)"
    )
    client.force_login(users["district_staff"])
    html = client.get(reverse("report-preview") + "?month=2026-10").content.decode()
    assert "ตุลาคม ๒๕๖๙" in html and "สำนักงานพัฒนาชุมชนจังหวัดสระบุรี (ทดสอบ)" in html


def test_preview_outside_the_users_area_is_not_found(client, users):
    client.force_login(users["provincial_officer"])
    assert client.get(reverse("report-preview") + "?province=10&month=2026-10").status_code == 404
    assert client.get(reverse("report-pdf") + "?province=10&month=2026-10").status_code == 404
    client.force_login(users["department_viewer"])
    assert client.get(reverse("report-preview") + "?province=10&month=2026-10").status_code == 200
    client.logout()
    assert client.get(reverse("report-preview") + "?province=19").status_code == 302
