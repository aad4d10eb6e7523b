"""The report PDF: Thai text reads back exactly (search, copy, pdftotext), Sarabun is
embedded, only the project's own files load, and a missing photo is a warning, not a crash.

Needs poppler-utils (pdftotext, pdffonts, pdftoppm, pdfimages), as ``.ci/run`` installs."""

import base64
import io
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from PIL import Image, ImageChops

from reports.pdf import (
    RenderTimeout,
    ResourceRefused,
    SafeFetcher,
    render_pdf,
    safe_fetcher,
    textmap,
)

# Every Thai vowel and tone-mark combination the reports use, one paragraph per line, each
# short enough to stay on one line.
THAI_LINES = [
    # Consonant + each upper/lower vowel and mark: ั ิ ี ึ ื ุ ู ็ ่ ้ ๊ ๋ ์ ำ
    "กัน กิน กีฬา บึง มือ คุณ ดู เก็บ ก่อน ก้อน โต๊ะ จ๋า การันต์ ทำ",
    # Leading vowels เ แ โ ใ ไ, ะ า, ๆ ฯ
    "เขา แม่ โรงเรียน ใจ ไป และ นา ก็ เป็น ต่างๆ กรุงเทพฯ ฯลฯ",
    "น้ำ ที่ เที่ยว เกี๊ยะ เดือน เมื่อ ผู้ใหญ่ กุ้ง ก๋วยเตี๋ยว",
    "สำนักงานพัฒนาชุมชน การดำเนินงาน ไตรมาส ฤดู ฦ ฤๅ",
    # Tone marks over ำ; tall letters (marks shift left); letters that lose their descender.
    "ค่ำ ต่ำ ซ้ำ ล้ำค่า ประจำ อำเภอ ป่า ฝั่ง ฟ้า ปี่ ปั้น ฝื่น ญู ฐุ ฎู ฏุ",
    "ประชาสัมพันธ์ ศิลป์ จันทร์ พระราชดำริ ผู้ว่าราชการจังหวัด",
    "๐๑๒๓๔๕๖๗๘๙ ไตรมาสที่ 2/2568 งบประมาณ 1,250,000.50 บาท (OTOP 15%)",
]
BOLD_LINE = "ผลการดำเนินงานประจำไตรมาส น้ำท่วม ดำเนินการแล้ว"
TABLE_CELLS = ["สำนักงานพัฒนาชุมชนอำเภอเมือง", "๑๒๓ ครัวเรือน"]
# A justified narrative that wraps over several lines.
NARRATIVE = (
    "ในไตรมาสนี้สำนักงานพัฒนาชุมชนจังหวัดได้ดำเนินงานตามแผนพัฒนาหมู่บ้าน น้ำประปาหมู่บ้าน"
    "ได้รับการซ่อมแซม ผู้ใหญ่บ้านและคณะกรรมการหมู่บ้านร่วมประชุมเพื่อติดตามผลการดำเนินงาน"
    "ของกองทุนหมู่บ้าน การส่งเสริมอาชีพกลุ่มสตรี และการจำหน่ายสินค้า OTOP ๑๒ รายการ"
)

STYLE = """
body { font-family: "Sarabun"; font-size: 12pt; }
table { border-collapse: collapse; }
td { border: 1px solid #000; padding: 2pt 4pt; }
.narrative { width: 12cm; text-align: justify; }
"""


def thai_page() -> str:
    paragraphs = "".join(f"<p>{line}</p>" for line in THAI_LINES)
    cells = "".join(f"<td>{cell}</td>" for cell in TABLE_CELLS)
    return (
        f'<html lang="th"><head><meta charset="utf-8"><style>{STYLE}</style></head><body>'
        f"{paragraphs}<p><b>{BOLD_LINE}</b></p><table><tr>{cells}</tr></table>"
        f'<p class="narrative">{NARRATIVE}</p></body></html>'
    )


def run(*command: str, stdin: bytes) -> bytes:
    return subprocess.run(command, input=stdin, capture_output=True, check=True).stdout


def pdftotext(pdf: bytes) -> str:
    return run("pdftotext", "-enc", "UTF-8", "-", "-", stdin=pdf).decode()


def pixels(pdf: bytes) -> Image.Image:
    return Image.open(
        io.BytesIO(run("pdftoppm", "-r", "100", "-png", "-singlefile", "-", stdin=pdf))
    )


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def thai_pdf():
    return render_pdf(thai_page())


def test_thai_text_reads_back_as_the_source(thai_pdf):
    lines = [squash(line) for line in pdftotext(thai_pdf).splitlines() if line.strip()]
    expected = [*THAI_LINES, BOLD_LINE]
    assert lines[: len(expected)] == expected
    assert lines[len(expected)] == " ".join(TABLE_CELLS)
    # The narrative wraps; its line breaks are the only difference allowed.
    narrative = "".join(lines[len(expected) + 1 :])
    assert "".join(narrative.split()) == "".join(NARRATIVE.split())


def test_words_with_sara_am_are_found_by_search(thai_pdf):
    text = pdftotext(thai_pdf)
    for word in ("ดำเนินงาน", "น้ำ", "สำนักงาน", "ประจำ", "การ", "ไตรมาส"):
        assert word in text
    assert "ดาเนินงาน" not in text and "กำร" not in text


def test_without_the_fix_weasyprint_loses_sara_am():
    """The case the fix is for, so the tests above cannot pass by accident."""
    text = pdftotext(render_pdf(thai_page(), exact_text=False))
    assert "การดำเนินงาน" not in text


def test_the_fix_changes_no_pixel(thai_pdf):
    fixed, unfixed = pixels(thai_pdf), pixels(render_pdf(thai_page(), exact_text=False))
    assert fixed.size == unfixed.size
    assert ImageChops.difference(fixed.convert("RGB"), unfixed.convert("RGB")).getbbox() is None


def test_sarabun_is_embedded(thai_pdf):
    fonts = run("pdffonts", "-", stdin=thai_pdf).decode().splitlines()[2:]
    sarabun = [line for line in fonts if "Sarabun" in line.split()[0]]
    assert sarabun, fonts
    # Columns: name type... encoding emb sub uni; every font embedded, with a text map.
    assert all(line.split()[-5:-2] == ["yes", "yes", "yes"] for line in fonts), fonts


def test_the_text_fix_is_installed_on_the_pinned_weasyprint():
    assert textmap.INSTALLED, "reports/pdf/textmap.py must be checked against this WeasyPrint"


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    (tmp_path / "media" / "reports").mkdir(parents=True)
    (tmp_path / "settings.py").write_text("SECRET_KEY = 'x'")
    return tmp_path / "media"


def png_bytes(color="red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), color).save(buffer, "PNG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/static/css/site.css",
        "file:///etc/passwd",
        "/static/../../etc/passwd",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "file:///static/../../etc/passwd",
        "/media/../settings.py",
        "file://otherhost/static/css/site.css",
        "ftp://example.com/x.png",
        "data:text/html,<script>alert(1)</script>",
    ],
)
def test_the_fetcher_refuses_anything_but_own_files(media_root, url):
    with pytest.raises(ResourceRefused):
        safe_fetcher(url)


def test_the_fetcher_serves_static_files():
    site_css = Path(settings.BASE_DIR) / "static" / "css" / "site.css"
    for url in ("/static/css/site.css", f"file://{site_css}", "file:///static/css/site.css"):
        response = safe_fetcher(url)
        assert response.read() == site_css.read_bytes()
        assert response.content_type == "text/css"
    font = safe_fetcher("/static/fonts/sarabun/Sarabun-Regular.ttf").read()
    assert font[:4] == b"\x00\x01\x00\x00"  # A TrueType font, from fontpkg-sarabun.


def test_the_fetcher_serves_media_files_and_the_sites_own_origin(media_root):
    (media_root / "reports" / "photo.png").write_bytes(png_bytes())
    assert safe_fetcher("/media/reports/photo.png").read() == png_bytes()
    own = SafeFetcher(base_url="https://cdd.example.go.th/reports/")
    assert own.fetch("https://cdd.example.go.th/media/reports/photo.png").read() == png_bytes()
    with pytest.raises(ResourceRefused):
        own.fetch("https://cdd.example.go.th/reports/1/")  # A page, not a file: no network.


def test_the_fetcher_does_not_follow_links_out_of_media(media_root):
    (media_root / "reports" / "link.py").symlink_to(media_root.parent / "settings.py")
    with pytest.raises(ResourceRefused):
        safe_fetcher("/media/reports/link.py")


def test_the_fetcher_allows_small_inline_images_only():
    small = "data:image/png;base64," + base64.b64encode(png_bytes()).decode()
    assert safe_fetcher(small).read() == png_bytes()
    big = "data:image/png;base64," + base64.b64encode(b"\0" * 600_000).decode()
    with pytest.raises(ResourceRefused):
        safe_fetcher(big)


def test_a_missing_or_broken_photo_is_a_warning_not_an_error(media_root):
    (media_root / "reports" / "good.png").write_bytes(png_bytes())
    (media_root / "reports" / "broken.png").write_bytes(b"not an image")
    html = (
        '<p>ภาพกิจกรรม</p><img src="/media/reports/good.png">'
        '<img src="/media/reports/missing.jpg"><img src="/media/reports/broken.png">'
        '<img src="http://example.com/x.png">'
    )
    warnings = []
    pdf = render_pdf(html, warnings=warnings)
    assert pdf.startswith(b"%PDF-")
    assert warnings == [  # In the order they appear.
        "/media/reports/missing.jpg",
        "/media/reports/broken.png",
        "http://example.com/x.png",
    ]
    images = run("pdfimages", "-list", "-", stdin=pdf).decode().splitlines()[2:]
    assert len(images) == 1  # The good photo is in the PDF.


def test_a_render_past_its_time_limit_stops():
    with pytest.raises(RenderTimeout):
        render_pdf("<p>ดำเนินงาน</p>" * 2000, timeout_s=0)
