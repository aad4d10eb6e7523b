"""A long report's PDF rendered in pieces in parallel processes (reports.pdf.split) is the
same document as one render: the same pages (pixel for pixel), page numbers "หน้า N / M",
contents page numbers and links, and outline. A piece that fails or whose process dies
leaves the report to one render, never a broken file."""

import io
import os
import subprocess
import tempfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageChops
from pypdf import PdfReader

from reports import attachments, cycle
from reports.builder import build_report
from reports.document import Part, body_parts, document, report_pdf
from reports.models import Mission
from reports.pdf import split
from reports.tests.test_document import OCTOBER, at, fold, jpeg_bytes, pdf_pages, pdf_text
from villages.models import District

SENTENCE = (
    "ดำเนินงานขุดสระและปรับพื้นที่แปลงโคก หนอง นา ร่วมกับครัวเรือนเป้าหมาย "
    "มีผู้เข้าร่วมกิจกรรม {n} คน น้ำในสระเพียงพอสำหรับการเกษตรตลอดฤดูแล้ง "
)


@pytest.fixture
def long_month(users):
    """Saraburi, October 2569: four key missions, two districts writing several paragraphs
    under two headings of each, a photo under mission 2 and one whose file is lost."""
    staff = users["district_staff"]
    missions = [
        Mission.objects.create(province_id="19", fiscal_year=2570, number=n, name=f"ภารกิจทดสอบ {n}")
        for n in range(1, 5)
    ]
    with at("2026-10-15 10:00"):
        for code in ("1901", "1902"):
            submission = cycle.submission_for(
                user=staff if code == "1901" else users["provincial_officer"],
                district=District.objects.get(pk=code),
                month=OCTOBER,
            )
            headings = cycle.headings_for("19", 2570)
            for mission in missions:
                for heading in headings[:2]:
                    text = "\n".join(SENTENCE.format(n=n) * 3 for n in range(mission.number * 3))
                    cycle.section_save(
                        user=users["provincial_officer"],
                        submission=submission,
                        mission=mission,
                        heading=heading,
                        text=text,
                        version=0,
                    )
            if code == "1901":
                attachments.attach(
                    user=staff,
                    submission=submission,
                    upload=SimpleUploadedFile("pond.jpg", jpeg_bytes(), "image/jpeg"),
                    kind="photo",
                    mission=missions[1],
                    caption="สระน้ำของนายสมชาย",
                )
                missing = attachments.attach(
                    user=staff,
                    submission=submission,
                    upload=SimpleUploadedFile("lost.jpg", jpeg_bytes((9, 9, 9)), "image/jpeg"),
                    kind="photo",
                    mission=missions[3],
                    caption="รูปที่หายไป",
                )
                missing.file.storage.delete(missing.file.name)
    with at("2026-11-05 14:05"):
        return build_report("19", OCTOBER)


def render(report, settings, processes: int):
    settings.REPORT_PDF_PROCESSES = processes
    settings.REPORT_PDF_SPLIT_MIN_WEIGHT = 0
    warnings: list[str] = []
    return report_pdf(report, warnings=warnings), warnings


def pages_png(path, out_dir) -> list:
    subprocess.run(["pdftoppm", "-r", "30", "-png", str(path), str(out_dir / "p")], check=True)
    return sorted(out_dir.glob("p-*.png"))


def outline(path) -> list:
    reader = PdfReader(path)
    found = []

    def walk(items, depth):
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
            else:
                found.append((depth, item.title, reader.get_destination_page_number(item)))

    walk(reader.outline, 0)
    return found


def contents_links(path) -> list[int]:
    """The pages the contents page's links lead to."""
    reader = PdfReader(path)
    targets = []
    for annot in reader.pages[2].get("/Annots", []):
        dest = annot.get_object().get("/Dest")
        if isinstance(dest, str):
            targets.append(reader.get_destination_page_number(reader.named_destinations[dest]))
        else:
            targets.append(reader.get_page_number(dest[0].get_object()))
    return sorted(set(targets))


def test_pieces_share_missions_out_by_weight(long_month):
    doc = document(long_month)
    parts = body_parts(doc, processes=2, min_weight=0)
    assert len(parts) == 2
    first, last = parts
    assert first.sections and first.missions_head and not first.submissions
    assert last.submissions and not last.sections and not last.missions_head
    assert first.missions[0] == 0 and first.missions[1] == last.missions[0]
    assert last.missions[1] == len(doc.missions) == 4
    # Later missions carry more text here, so the cut comes after more than half of them.
    assert first.missions[1] >= 2
    assert body_parts(doc, processes=1, min_weight=0) == []
    assert body_parts(doc, processes=2, min_weight=10**9) == []  # too short to be worth it
    three = body_parts(doc, processes=3, min_weight=0)
    assert [p.missions for p in three][-1][1] == 4 and len(three) == 3


@pytest.mark.parametrize("processes", [2, 3])
def test_split_render_gives_the_same_document(long_month, settings, tmp_path, processes):
    whole_pdf, whole_warnings = render(long_month, settings, 1)
    split_pdf, split_warnings = render(long_month, settings, processes)
    whole, parts = tmp_path / "whole.pdf", tmp_path / "split.pdf"
    whole.write_bytes(whole_pdf)
    parts.write_bytes(split_pdf)
    pages = pdf_pages(whole)
    assert pages >= 8 and pdf_pages(parts) == pages
    for page in range(1, pages + 1):
        assert pdf_text(parts, page) == pdf_text(whole, page), f"page {page}"
    # "หน้า N / M" runs on across pieces; the last mission's text is on a later piece.
    assert fold(f"หน้า {pages} / {pages}") in fold(pdf_text(parts, pages))
    assert fold("ภารกิจที่ 4 ภารกิจทดสอบ 4") in fold(pdf_text(parts, 3))
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for a, b in zip(
        pages_png(whole, tmp_path / "a"), pages_png(parts, tmp_path / "b"), strict=True
    ):
        difference = ImageChops.difference(
            Image.open(a).convert("RGB"), Image.open(b).convert("RGB")
        )
        assert difference.getbbox() is None, f"{a.name} differs"
    assert outline(parts) == outline(whole)
    # Missions from every piece sit under the missions part's heading.
    entries = outline(parts)
    head = [t for _d, t, _p in entries].index("6. ผลการดำเนินงานตามภารกิจสำคัญ")
    assert [(d, t) for d, t, _p in entries[head + 1 : head + 5]] == [
        (1, f"ภารกิจที่ {n} ภารกิจทดสอบ {n}") for n in range(1, 5)
    ]
    assert contents_links(parts) == contents_links(whole) and len(contents_links(parts)) >= 5
    # The photo that loaded is in; the lost one is a placeholder and one warning.
    assert split_warnings == whole_warnings and len(split_warnings) == 1
    assert "lost.jpg" in split_warnings[0]
    reader = PdfReader(io.BytesIO(split_pdf))
    assert reader.metadata.title.startswith("รายงานผลการดำเนินงานประจำเดือนตุลาคม 2569")
    assert reader.trailer["/Root"]["/Lang"] == "th"


def test_a_piece_that_fails_leaves_the_report_to_one_render(
    long_month, settings, tmp_path, monkeypatch, caplog
):
    whole_pdf, _ = render(long_month, settings, 1)

    def broken(*args, **kwargs):
        raise RuntimeError("no room to lay out")

    monkeypatch.setattr(split, "_render_child", broken)
    pdf, warnings = render(long_month, settings, 2)
    assert "rendered in one piece" in caplog.text and "no room to lay out" in caplog.text
    whole, again = tmp_path / "whole.pdf", tmp_path / "again.pdf"
    whole.write_bytes(whole_pdf)
    again.write_bytes(pdf)
    assert pdf_text(again) == pdf_text(whole) and len(warnings) == 1


def test_a_piece_whose_process_dies_leaves_the_report_to_one_render(
    long_month, settings, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(split, "_render_child", lambda *a, **k: os._exit(9))
    pdf, _warnings = render(long_month, settings, 2)
    assert "its process ended early" in caplog.text
    path = tmp_path / "report.pdf"
    path.write_bytes(pdf)
    assert fold("ภารกิจที่ 4 ภารกิจทดสอบ 4") in fold(pdf_text(path))
    leftovers = [n for n in os.listdir(tempfile.gettempdir()) if "cdd-report-part-" in n]
    assert leftovers == []  # the pieces' files are removed


def test_a_short_report_is_one_render(long_month, settings, monkeypatch):
    settings.REPORT_PDF_PROCESSES = 2
    settings.REPORT_PDF_SPLIT_MIN_WEIGHT = 10**6  # more than these missions weigh
    monkeypatch.setattr(split, "render_split", lambda **kw: pytest.fail("split a short report"))
    assert report_pdf(long_month).startswith(b"%PDF-")
    assert Part().front and Part().missions == (0, None)
