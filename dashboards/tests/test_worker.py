"""Refreshes for real: committed changes outside any transaction (as a script or the shell
makes them) refresh in-process without a broker (``make run``); with a broker, a real Celery
worker process picks the queued refresh up from Redis and writes the summaries the
dashboard then reads."""

import pytest

from dashboards import refresh, selectors
from dashboards.models import AreaMonth, RefreshRun
from households.tests.conftest import make_household
from reports.tests.archive_support import (  # the archive tests' worker and broker
    broker_on,
    flush_redis,
    start_worker,
    stop_worker,
    wait_for,
)
from villages.models import Village
from villages.services import load_geography


def _total(district: str) -> int | None:
    row = (
        AreaMonth.objects.filter(level="district", code=district)
        .order_by("-month")
        .values_list("hh_total", flat=True)
        .first()
    )
    return row


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_a_committed_change_refreshes_in_process(users):
    village = Village.objects.create(code="19010101", subdistrict_id="190101", name="หนองโน")
    make_household(village, "19010101001")  # autocommit: no transaction around it
    assert _total("1901") == 1
    assert AreaMonth.objects.filter(level="province", code="19").exists()
    officer = users["provincial_officer"]
    level, code = selectors.default_area(officer)
    data = selectors.dashboard(
        user=officer, level=level, code=code, month=AreaMonth.objects.latest("month").month
    )
    plan = next(c for c in data["cards"] if c["key"] == "plan_pct")
    assert plan["detail"]["total"] == 1 and data["refreshed_at"] is not None


@pytest.fixture
def worker(transactional_db, tmp_path):
    """A real worker (prefork, one child) on the test broker, against the test database."""
    proc = start_worker(tmp_path / "media")
    yield proc
    stop_worker(proc)


@pytest.mark.celery_worker
def test_a_worker_refreshes_the_district_an_edit_queued(worker, settings):
    """The test settings run tasks in-process; the worker runs with a broker. The edit is
    made with the broker on, so its refresh goes through Redis to the worker, 1 s later."""
    load_geography(province_code="19")
    flush_redis()
    settings.DASHBOARD_REFRESH_DELAY = 1
    with broker_on():
        village = Village.objects.create(code="19010101", subdistrict_id="190101", name="หนองโน")
        make_household(village, "19010101001")
        make_household(village, "19010101002", source="new")

        def refreshed():  # the district's rows, then the country's, rolled up last
            done = RefreshRun.objects.filter(finished_at__isnull=False, error="").exists()
            return _total("1901") == 2 and done

        try:
            wait_for(refreshed, timeout=90, message="the worker never refreshed district 1901")
        except BaseException:
            print(stop_worker(worker))  # the worker's log, shown with the failure
            raise
    assert worker.poll() is None  # still running
    national = AreaMonth.objects.filter(level="national").order_by("-month").first()
    assert national.hh_total == 2


@pytest.mark.django_db(transaction=True)
def test_the_full_refresh_in_two_threads_writes_what_one_thread_writes(no_auto_refresh, province):
    refresh.refresh_all(provinces=["19", "10"], threads=1)
    fields = ["level", "code", "month", *refresh.FIGURES]
    one = sorted(AreaMonth.objects.values_list(*fields))
    AreaMonth.objects.all().delete()
    result = refresh.refresh_all(provinces=["19", "10"], threads=2)
    assert sorted(AreaMonth.objects.values_list(*fields)) == one
    assert set(result["provinces"]) == {"19", "10"} and len(one) > 5000
