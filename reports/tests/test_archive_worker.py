"""A real Celery worker (prefork, one child) on Redis builds a report; its child is killed
with SIGKILL half-way through writing a file. acks_late and reject_on_worker_lost hand the
message back, and the report ends up built exactly once: one row, done, its files whole
(their SHA-256 equal to the stored checksums) and nothing else in the month's folder."""

import hashlib
import os
import signal
from pathlib import Path

import pytest
from django.utils import timezone

from reports import archive
from reports.models import BuildTrigger, MonthlyReport
from reports.tasks import build_monthly_report
from reports.tests.archive_support import (
    broker_on,
    flush_redis,
    start_worker,
    stop_worker,
    wait_for,
)
from villages.models import Province


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return Path(settings.MEDIA_ROOT)


@pytest.mark.celery_worker
def test_a_worker_killed_mid_build_leaves_one_whole_report(transactional_db, media, tmp_path):
    from villages.services import load_geography

    load_geography(province_code="19")
    flush_redis()
    marker = tmp_path / "half-written.pid"
    worker = start_worker(media, ARCHIVE_HALF_WRITE=str(marker))
    log = ""
    try:
        with broker_on():
            month = archive.previous_month(timezone.localdate())
            report = archive.request_build(
                Province.objects.get(code="19"), month, trigger=BuildTrigger.SCHEDULE
            )
            folder = media / "reports" / "19" / f"{month:%Y-%m}"
            child = int(wait_for(lambda: marker.exists() and marker.read_text(), timeout=120))
            assert (folder / "v1.xlsx").exists()  # half of it, at the moment of the kill
            assert MonthlyReport.objects.get(pk=report.pk).status == "building"
            os.kill(child, signal.SIGKILL)

            def done():
                report.refresh_from_db()
                return report.status == "done"

            wait_for(done, timeout=120, message="the redelivered build never finished")
            # A duplicate delivery afterwards changes nothing.
            assert build_monthly_report.delay(report.pk).get(timeout=60) == "done"
    finally:
        log = stop_worker(worker)

    rows = MonthlyReport.objects.filter(province_id="19", month=month)
    assert rows.count() == 1, log
    report = rows.get()
    assert (report.status, report.version, report.attempts) == ("done", 1, 2), log
    assert sorted(p.name for p in folder.iterdir()) == ["v1.json", "v1.pdf", "v1.xlsx"]
    for fmt in ("pdf", "xlsx", "json"):
        data = (folder / f"v1.{fmt}").read_bytes()
        assert hashlib.sha256(data).hexdigest() == report.checksum_of(fmt), fmt
    assert report.xlsx.name == f"reports/19/{month:%Y-%m}/v1.xlsx"
    assert "WorkerLostError" in log or "SIGKILL" in log, log
