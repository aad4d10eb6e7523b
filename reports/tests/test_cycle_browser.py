"""End-to-end in Chromium: a district fills its monthly report (narrative and a figure), loses
its connection mid-typing and loses nothing, sends it; the province returns it with a comment
on the mission; the district corrects and resends; the province approves. Screenshots of the
pages at desktop and phone widths go to /tmp/shots-cycle/."""

from pathlib import Path

import pytest
from django.utils import timezone

from cdd.thai import fiscal_year
from conftest import PASSWORD
from reports import cycle
from reports.models import CalendarRule, Indicator, Mission, Narrative, Submission
from tests.browser import chromium, fits, logged_in, login, shot

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-cycle")
SAVED = "บันทึกการแก้ไขทั้งหมดแล้ว"


@pytest.fixture
def site(transactional_db, live_server, users):
    fy = fiscal_year(timezone.localdate())
    # Due on the 28th and open for 60 days after, so the test runs on any day of the month.
    CalendarRule.objects.create(
        province_id="19", fiscal_year=fy, report_type="monthly", due_day=28, lock_after_days=60
    )
    mission = Mission.objects.create(
        province_id="19", fiscal_year=fy, number=1, name="ขับเคลื่อนโคก หนอง นา"
    )
    Mission.objects.create(province_id="19", fiscal_year=fy, number=2, name="กองทุนพัฒนาบทบาทสตรี")
    Indicator.objects.create(
        province_id="19",
        fiscal_year=fy,
        number=1,
        name="แปลงที่ขุดเสร็จ",
        unit="แปลง",
        mission=mission,
        min_value=0,
        max_value=500,
        integer_only=True,
    )
    cycle.headings_for("19", fy)
    return {"url": live_server.url, "mission": mission}


def wait_saved(page):
    page.wait_for_function(
        f"document.getElementById('save-status').textContent.includes('{SAVED}')", timeout=15000
    )


def send(page):
    if page.locator("#late-reason").count():
        page.fill("#late-reason", "รอข้อมูลจากตำบล")
    page.click("[data-testid=submit-button]")
    page.wait_for_load_state()


def test_fill_lose_connection_send_return_resend_approve(site):
    base = site["url"]
    first = "ขุดสระและคลองไส้ไก่แล้ว 12 แปลง ครัวเรือนเริ่มปลูกผัก"
    typed_offline = "ราคาน้ำมันสูง ทำให้การขุดล่าช้า"
    with chromium() as browser:
        # A context of our own: it outlives a closed tab, as a real browser's profile does.
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        login(page, base, "staff1901", PASSWORD)
        page.goto(f"{base}/reports/")
        page.click("[data-testid=start-report]")
        page.wait_for_selector("[data-testid=editor][data-ready=true]")
        submission = Submission.objects.get(district_id="1901")
        page.fill("[data-testid=narrative-1-1]", first)
        page.fill("input.value[data-indicator]", "12")
        page.locator("input.value[data-indicator]").blur()
        wait_saved(page)
        assert Narrative.objects.get(heading__number=1).text == first
        shot(page, "editor-desktop", SHOTS)

        # The connection drops while the officer is typing the second heading.
        page.context.set_offline(True)
        page.locator("[data-testid=narrative-1-2]").press_sequentially(typed_offline, delay=5)
        page.wait_for_function(
            "document.getElementById('save-status').classList.contains('offline')", timeout=15000
        )
        assert "ขาดการเชื่อมต่อ" in page.inner_text("[data-testid=save-status]")
        assert not Narrative.objects.filter(heading__number=2, text=typed_offline).exists()
        shot(page, "editor-offline", SHOTS)
        # The tab is closed while still offline; the draft stays on this device.
        page.close()
        context.set_offline(False)
        page = context.new_page()
        page.goto(f"{base}/reports/submissions/{submission.pk}/")
        assert page.input_value("[data-testid=narrative-1-2]") == typed_offline
        wait_saved(page)
        assert Narrative.objects.get(heading__number=2).text == typed_offline

        send(page)
        assert page.inner_text("[data-testid=submission-state]") == "ส่งจังหวัดแล้ว"
        assert page.locator("[data-testid=editor]").count() == 0

        officer = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        login(officer, base, "officer19", PASSWORD)
        officer.goto(f"{base}/reports/review/?province=19&mission=1")
        assert first in officer.inner_text("[data-testid=side-table]")
        shot(officer, "side-by-side", SHOTS)
        officer.goto(f"{base}/reports/submissions/{submission.pk}/review/")
        officer.fill("[data-testid=comment-1]", "ขอภาพถ่ายแปลงที่ขุดเสร็จประกอบ")
        officer.click("[data-testid=return-button]")
        officer.wait_for_load_state()
        assert officer.inner_text("[data-testid=submission-state]") == "ส่งกลับให้แก้ไข"

        page.goto(f"{base}/reports/submissions/{submission.pk}/")
        page.wait_for_selector("[data-testid=editor][data-ready=true]")
        assert "ขอภาพถ่ายแปลงที่ขุดเสร็จประกอบ" in page.inner_text("[data-testid=mission-1]")
        page.fill("[data-testid=narrative-1-1]", first + " (แนบภาพแล้ว)")
        wait_saved(page)
        send(page)
        assert page.inner_text("[data-testid=submission-state]") == "ส่งใหม่แล้ว"

        officer.goto(f"{base}/reports/submissions/{submission.pk}/review/")
        assert "(แนบภาพแล้ว)" in officer.inner_text("[data-testid=mission-1]")
        shot(officer, "review-desktop", SHOTS)
        officer.click("[data-testid=approve-button]")
        officer.wait_for_load_state()
        assert officer.inner_text("[data-testid=submission-state]") == "อนุมัติแล้ว"
        officer.goto(f"{base}/reports/completeness/?province=19")
        shot(officer, "completeness-desktop", SHOTS)

        page.goto(f"{base}/reports/submissions/{submission.pk}/")
        assert "จังหวัดอนุมัติรายงานนี้แล้ว" in page.inner_text("[data-testid=locked-reason]")
    assert Submission.objects.get().status == "approved"

    with logged_in(base, "staff1901", width=390, height=844, kind="phone") as phone:
        phone.goto(f"{base}/reports/submissions/{submission.pk}/")
        shot(phone, "editor-phone", SHOTS)
        assert fits(phone, 390)
        phone.goto(f"{base}/reports/")
        shot(phone, "month-phone", SHOTS)
        assert fits(phone, 390)
