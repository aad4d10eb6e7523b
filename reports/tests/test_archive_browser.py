"""End-to-end in Chromium, with a real Celery worker on Redis: a provincial officer opens the
report archive, clicks Rebuild, watches the new version go from queued to building to
ready, downloads its JSON (the bytes the archive's checksum names) and opens what changed
since version 1. Screenshots at desktop and phone widths go to /tmp/shots-archive/."""

import hashlib
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import PASSWORD
from households.tests.conftest import make_household
from reports import archive
from reports.models import BuildTrigger, MonthlyReport
from reports.tests.archive_support import (
    archive_media,  # noqa: F401 - the fixture, for getfixturevalue
    broker_on,
    flush_redis,
    start_worker,
    stop_worker,
)
from tests.browser import chromium, fits, login, shot, sized_page

pytestmark = [pytest.mark.browser, pytest.mark.celery_worker]

SHOTS = Path("/tmp/shots-archive")


@pytest.fixture
def site(request, transactional_db, live_server, users, villages):
    media = request.getfixturevalue("archive_media")
    make_household(villages["home"], "19010101001")
    month = archive.previous_month(timezone.localdate())
    # Version 1, built in-process before the worker starts: the report that was printed.
    v1 = archive.request_build("19", month, trigger=BuildTrigger.SCHEDULE)
    v1.refresh_from_db()
    assert v1.status == "done"
    make_household(villages["home"], "19010101002", source="new")
    flush_redis()
    worker = start_worker(
        media,
        REPORT_ARCHIVE_RENDER="reports.tests.archive_support.slow_render",
        ARCHIVE_RENDER_SECONDS="4",
    )
    with broker_on():
        yield {"url": live_server.url, "month": month, "v1": v1}
    log = stop_worker(worker)
    assert "Traceback" not in log, log


def test_officer_rebuilds_watches_progress_and_downloads(site):
    base, month = site["url"], site["month"]
    param = f"{month:%Y-%m}"
    with chromium() as browser:
        page = sized_page(browser, 1280, 900)
        login(page, base, "officer19", PASSWORD)
        page.goto(f"{base}/reports/monthly/")
        assert page.locator(f"#month-{param} tbody tr").count() == 1
        shot(page, "archive-desktop", SHOTS)

        page.click(f"[data-testid=rebuild-{param}]")
        page.wait_for_load_state()
        v2 = MonthlyReport.objects.get(province_id="19", month=month, version=2)
        row = page.locator(f"#report-{v2.pk}")
        assert row.is_visible()
        # The worker picks it up and renders for a few seconds: the page shows it building.
        row.locator(".rstate.building").wait_for(timeout=30000)
        assert row.locator("progress").count() == 1
        shot(page, "archive-building-desktop", SHOTS)

        link = row.locator("a[data-format=json]")
        link.wait_for(timeout=60000)
        assert row.locator(".rstate.done").is_visible()
        assert row.locator("progress").count() == 0
        shot(page, "archive-done-desktop", SHOTS)
        v2.refresh_from_db()
        assert v2.status == "done" and v2.requested_by.username == "officer19"
        assert v2.data_checksum[:12] in row.inner_text()

        with page.expect_download() as download:
            link.click()
        body = Path(download.value.path()).read_bytes()
        assert hashlib.sha256(body).hexdigest() == v2.json_sha256
        assert download.value.suggested_filename == f"report-19-{param}-v2.json"

        page.reload()
        page.locator(f"[data-testid=compare-{param}] button").click()
        page.wait_for_load_state()
        changed = page.locator('[data-key="households.total.total"]')
        assert changed.is_visible()
        assert "+1" in changed.inner_text()
        shot(page, "diff-desktop", SHOTS)
        diff_url = page.url

        phone = sized_page(browser, 390, 844, "phone")
        login(phone, base, "officer19", PASSWORD)
        phone.goto(f"{base}/reports/monthly/")
        shot(phone, "archive-phone", SHOTS)
        assert fits(phone, 390)
        phone.goto(diff_url)
        shot(phone, "diff-phone", SHOTS)
        assert fits(phone, 390)

        admin = sized_page(browser, 1280, 900)
        login(admin, base, "admin19", PASSWORD)
        admin.goto(f"{base}/reports/monthly/")
        admin.select_option("#f-hour", "9")
        admin.check("input[name=thai_numerals]")
        admin.locator("[data-testid=settings-form] button").click()
        admin.wait_for_load_state()
        assert admin.locator("#f-hour").input_value() == "9"
        shot(admin, "archive-admin-desktop", SHOTS)
