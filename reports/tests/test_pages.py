"""The monthly submission pages as their users meet them: the district's editor and its
autosave endpoints, indicator validation and history, photos and documents, sending, the
province's comments, return and approval, the side-by-side page and completeness."""

import io
import json
import zipfile
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from accounts.choices import Role
from conftest import make_user, text_of
from reports import cycle, indicators
from reports.models import Attachment, Indicator, IndicatorValue, Mission, Submission
from villages.models import District

BKK = ZoneInfo("Asia/Bangkok")


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


@pytest.fixture
def setup(users, client):
    mission = Mission.objects.create(
        province_id="19", fiscal_year=2570, number=1, name="โคก หนอง นา"
    )
    Mission.objects.create(province_id="19", fiscal_year=2570, number=2, name="กองทุนพัฒนาบทบาทสตรี")
    plots = Indicator.objects.create(
        province_id="19",
        fiscal_year=2570,
        number=1,
        name="แปลงโคก หนอง นา ที่เสร็จ",
        unit="แปลง",
        mission=mission,
        min_value=0,
        max_value=500,
        integer_only=True,
        no_decrease=True,
        aggregation="latest",
    )
    veg = Indicator.objects.create(
        province_id="19",
        fiscal_year=2570,
        number=2,
        name="ครัวเรือนปลูกผัก",
        unit="%",
        min_value=0,
        max_value=100,
        aggregation="avg",
    )
    headings = cycle.headings_for("19", 2570)
    return {"mission": mission, "plots": plots, "veg": veg, "headings": headings}


def login(client, user):
    client.force_login(user)


def start(user, month="2026-10-01", district="1901"):
    return cycle.submission_for(
        user=user, district=District.objects.get(pk=district), month=date.fromisoformat(month)
    )


def post_json(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def png_bytes():
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 120, 40)).save(buf, "PNG")
    return buf.getvalue()


@at("2026-10-12 09:00")
def test_district_starts_its_report_and_autosaves_a_section(client, staff, setup):
    login(client, staff)
    page = client.get(reverse("submission-month"))
    assert "เริ่มรายงานเดือนนี้" in text_of(page.content.decode())
    response = client.post(reverse("submission-month"), {"district": "1901", "month": "2569-10"})
    submission = Submission.objects.get(district_id="1901", month=date(2026, 10, 1))
    assert response.url == reverse("submission-edit", args=[submission.pk])
    editor = client.get(response.url).content.decode()
    assert "โคก หนอง นา" in editor and "ผลการดำเนินงาน" in editor  # mission, first heading
    assert "20 ต.ค. 2569" in editor  # the due date
    url = reverse("submission-section", args=[submission.pk])
    heading = setup["headings"][0]
    ok = post_json(
        client,
        url,
        {
            "mission": setup["mission"].pk,
            "heading": heading.pk,
            "text": "ขุดสระแล้ว 3 แปลง",
            "version": 0,
        },
    )
    assert ok.status_code == 200 and ok.json()["version"] == 1
    # A second editor that loaded version 0 is refused, and the first text stays.
    stale = post_json(
        client,
        url,
        {"mission": setup["mission"].pk, "heading": heading.pk, "text": "อื่น", "version": 0},
    )
    assert stale.status_code == 409
    assert "ไม่มี" in stale.json()["error"] or "nothing" in stale.json()["error"]
    assert (
        "ขุดสระแล้ว 3 แปลง"
        in client.get(reverse("submission-edit", args=[submission.pk])).content.decode()
    )


@at("2026-10-12 09:00")
def test_another_districts_report_is_not_found(client, users, setup):
    other = make_user("staff1902", Role.DISTRICT_STAFF, district="1902")
    submission = start(other, district="1902")
    login(client, users["district_staff"])
    assert client.get(reverse("submission-edit", args=[submission.pk])).status_code == 404
    url = reverse("submission-section", args=[submission.pk])
    body = {
        "mission": setup["mission"].pk,
        "heading": setup["headings"][0].pk,
        "text": "x",
        "version": 0,
    }
    assert post_json(client, url, body).status_code == 404


def test_values_are_checked_against_bounds_and_last_month(client, staff, setup):
    login(client, staff)
    with at("2026-10-12 09:00"):
        october = start(staff)
        url = reverse("submission-value", args=[october.pk])
        too_big = post_json(
            client, url, {"indicator": setup["plots"].pk, "value": "600", "version": 0}
        )
        assert too_big.status_code == 400
        assert "500" in too_big.json()["error"]  # the bound is named
        half = post_json(
            client, url, {"indicator": setup["plots"].pk, "value": "2.5", "version": 0}
        )
        assert half.status_code == 400 and "จำนวนเต็ม" in half.json()["error"]
        ok = post_json(client, url, {"indicator": setup["plots"].pk, "value": "10", "version": 0})
        assert ok.status_code == 200
    with at("2026-11-10 09:00"):
        november = start(staff, month="2026-11-01")
        url = reverse("submission-value", args=[november.pk])
        fell = post_json(client, url, {"indicator": setup["plots"].pk, "value": "8", "version": 0})
        assert fell.status_code == 400 and "10" in fell.json()["error"]
        jump = post_json(client, url, {"indicator": setup["plots"].pk, "value": "16", "version": 0})
        assert jump.status_code == 400 and jump.json()["needs_reason"] is True
        assert not IndicatorValue.objects.filter(submission=november).exists()
        confirmed = post_json(
            client,
            url,
            {
                "indicator": setup["plots"].pk,
                "value": "16",
                "version": 0,
                "confirm": True,
                "reason": "งบกลางปีลงเพิ่ม",
            },
        )
        assert confirmed.status_code == 200
        value = IndicatorValue.objects.get(submission=november)
        assert value.value == Decimal("16") and value.reason == "งบกลางปีลงเพิ่ม"
        history = text_of(client.get(reverse("value-history", args=[value.pk])).content.decode())
        assert (
            "16" in history
            and "งบกลางปีลงเพิ่ม" in history
            and "staff1901" in history
            or "16" in history
        )


@at("2026-10-12 09:00")
def test_photos_and_documents_are_checked_before_they_are_stored(client, staff, setup):
    login(client, staff)
    submission = start(staff)
    url = reverse("submission-attach", args=[submission.pk])
    fake = SimpleUploadedFile("รูป.jpg", b"not really a photo", content_type="image/jpeg")
    page = client.post(url, {"kind": "photo", "file": fake}, follow=True).content.decode()
    assert "ไม่ใช่รูปภาพ" in page or "is not a photo" in page
    exe = SimpleUploadedFile(
        "report.pdf", b"MZ\x90\x00 windows program", content_type="application/pdf"
    )
    page = client.post(url, {"kind": "document", "file": exe}, follow=True).content.decode()
    assert "report.pdf" in page and Attachment.objects.count() == 0
    big = SimpleUploadedFile("big.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024 + 1))
    page = client.post(url, {"kind": "document", "file": big}, follow=True).content.decode()
    assert "10 MB" in page and Attachment.objects.count() == 0
    photo = SimpleUploadedFile("pond.png", png_bytes(), content_type="image/png")
    client.post(
        url, {"kind": "photo", "file": photo, "mission": setup["mission"].pk, "caption": "สระน้ำ"}
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    sheet = SimpleUploadedFile("figures.xlsx", buf.getvalue())
    client.post(url, {"kind": "document", "file": sheet})
    stored = list(Attachment.objects.order_by("pk"))
    assert [a.name for a in stored] == ["pond.png", "figures.xlsx"]
    served = client.get(reverse("submission-file", args=[stored[0].pk]))
    assert served.status_code == 200 and b"".join(served.streaming_content)[:4] == b"\x89PNG"
    editor = client.get(reverse("submission-edit", args=[submission.pk])).content.decode()
    assert "สระน้ำ" in editor
    other = make_user("staff1902", Role.DISTRICT_STAFF, district="1902")
    client.logout()
    login(client, other)
    assert client.get(reverse("submission-file", args=[stored[0].pk])).status_code == 404


def test_send_late_needs_a_reason_then_the_province_returns_and_approves(client, users, setup):
    staff, officer = users["district_staff"], users["provincial_officer"]
    with at("2026-10-12 09:00"):
        submission = start(staff)
    with at("2026-10-22 09:00"):  # due on Tue 20 October
        login(client, staff)
        url = reverse("submission-submit", args=[submission.pk])
        page = client.post(url, {"late_reason": ""}, follow=True).content.decode()
        assert "20 ต.ค. 2569" in page and Submission.objects.get().status == "draft"
        client.post(url, {"late_reason": "ไฟฟ้าดับทั้งอำเภอ"})
        assert Submission.objects.get().status == "submitted"
        client.logout()
        login(client, officer)
        month = client.get(reverse("submission-month"), {"month": "2569-10"}).content.decode()
        assert "ไฟฟ้าดับทั้งอำเภอ" in month and "ส่งล่าช้า" in text_of(month)
        review = reverse("submission-review", args=[submission.pk])
        client.post(review, {"action": "return", f"comment-{setup['mission'].pk}": "ขอภาพประกอบ"})
        assert Submission.objects.get().status == "returned"
        client.logout()
        login(client, staff)
        editor = client.get(reverse("submission-edit", args=[submission.pk])).content.decode()
        assert "ขอภาพประกอบ" in editor and "ส่งอีกครั้ง" in text_of(editor)
        client.post(url, {"late_reason": ""})  # a resubmission is not late again
        assert Submission.objects.get().status == "resubmitted"
        client.logout()
        login(client, officer)
        client.post(review, {"action": "approve"})
        assert Submission.objects.get().status == "approved"
        client.logout()
        login(client, staff)
        editor = client.get(reverse("submission-edit", args=[submission.pk])).content.decode()
        assert "อนุมัติ" in text_of(editor) and 'id="submission-editor"' not in editor


@at("2026-10-12 09:00")
def test_district_staff_cannot_review(client, staff, setup):
    submission = start(staff)
    cycle.submit(user=staff, submission=submission)
    login(client, staff)
    response = client.post(
        reverse("submission-review", args=[submission.pk]), {"action": "approve"}
    )
    assert response.status_code == 403
    assert Submission.objects.get().status == "submitted"


@at("2026-10-25 09:00")
def test_side_by_side_shows_every_district_and_the_province_totals(client, users, setup):
    staff2 = make_user("staff1902", Role.DISTRICT_STAFF, district="1902")
    staff = users["district_staff"]
    for user, district, text, plots, veg in (
        (staff, "1901", "ขุดสระ 3 แปลง", "10", "40"),
        (staff2, "1902", "อบรมครัวเรือน", "4", "61"),
    ):
        s = start(user, district=district)
        cycle.section_save(
            user=user,
            submission=s,
            mission=setup["mission"],
            heading=setup["headings"][0],
            text=text,
            version=0,
        )
        indicators.value_save(
            user=user, submission=s, indicator=setup["plots"], value=plots, version=0
        )
        indicators.value_save(user=user, submission=s, indicator=setup["veg"], value=veg, version=0)
    login(client, users["provincial_officer"])
    html = client.get(
        reverse("review-month"), {"month": "2569-10", "mission": "1"}
    ).content.decode()
    assert "ขุดสระ 3 แปลง" in html and "อบรมครัวเรือน" in html
    total_row = text_of(html.split('data-testid="province-total"')[1].split("</tr>")[0])
    assert "14" in total_row  # latest plots 10 + 4
    assert "50.5" in total_row  # average of 40 and 61


def test_completeness_page_marks_on_time_late_and_missing(client, users, setup):
    staff = users["district_staff"]
    with at("2026-10-12 09:00"):
        cycle.submit(user=staff, submission=start(staff))
    with at("2026-11-25 09:00"):
        cycle.submit(user=staff, submission=start(staff, month="2026-11-01"), late_reason="ป่วย")
        client.force_login(users["provincial_officer"])
        html = client.get(reverse("completeness"), {"year": "2570"}).content.decode()
    row = text_of(html.split('data-district="1901"')[1].split("</tr>")[0])
    assert row.split()[-2:] == ["ส่งตรงเวลา", "ส่งล่าช้า"]
    other = text_of(html.split('data-district="1902"')[1].split("</tr>")[0])
    assert other.count("ไม่ส่ง") == 2
