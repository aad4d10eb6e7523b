"""Keeping the summaries fresh: a change queues its district's refresh once, after commit
(many changes, one run); imports, moves and calendar changes; the refresh never blocks data
entry nor shows half-written figures; one refresh of a province at a time; the nightly beat
entry; the management command; a real Celery worker."""

import threading
import time
from datetime import date
from decimal import Decimal

import pytest
from celery.schedules import crontab
from django.conf import settings
from django.core.cache import cache
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from cdd.celery import app
from dashboards import refresh, selectors, signals, tasks
from dashboards.models import AreaMonth, RefreshRun
from dashboards.tests.conftest import NOV
from households.models import DevelopmentPlan, Household
from households.services import place_in_village, plan_save
from households.tests.conftest import make_household
from imports.engine import run_import
from reports import cycle
from villages.models import District, Village


@pytest.fixture
def refreshed(province):
    refresh.refresh_all(provinces=["19"])
    return province


def plan_card(user, code="1902", month=NOV, level="district"):
    data = selectors.dashboard(user=user, level=level, code=code, month=month)
    return next(c for c in data["cards"] if c["key"] == "plan_pct")


@pytest.fixture
def queued(monkeypatch):
    """The refreshes queued (district, countdown) instead of run."""
    calls = []

    def record(args, countdown=None, **kwargs):
        calls.append((args[0], countdown))

    monkeypatch.setattr(tasks.refresh_district_task, "apply_async", record)
    return calls


def test_an_edit_refreshes_its_district_after_commit(
    refreshed, officer, django_capture_on_commit_callbacks
):
    assert plan_card(officer)["detail"]["total"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        household = make_household(Village.objects.get(code="19020101"), "19020101002")
        plan_save(
            user=officer, household=household, plan=DevelopmentPlan(made_on=date(2026, 11, 20))
        )
    card = plan_card(officer)
    # 1 of 2 households with a plan, read from the refreshed summaries.
    assert (card["detail"]["total"], card["detail"]["with_plan"], card["value"]) == (
        2,
        1,
        Decimal("50.00"),
    )
    assert plan_card(officer, "19", level="province")["detail"]["total"] == 6
    runs = RefreshRun.objects.filter(kind="district")
    assert [(r.code, r.error) for r in runs] == [("1902", "")]  # one run for both saves


def test_many_edits_queue_one_delayed_refresh(
    refreshed, officer, queued, django_capture_on_commit_callbacks
):
    village = Village.objects.get(code="19020101")
    for n in range(2, 5):  # three transactions within the delay
        with django_capture_on_commit_callbacks(execute=True):
            make_household(village, f"1902010100{n}")
    assert queued == [("1902", settings.DASHBOARD_REFRESH_DELAY)]
    tasks.refresh_district_task.run("1902")  # the queued run: clears the mark, refreshes
    assert plan_card(officer)["detail"]["total"] == 4
    with django_capture_on_commit_callbacks(execute=True):
        make_household(village, "19020101009")
    assert queued[-1] == ("1902", settings.DASHBOARD_REFRESH_DELAY)  # a new run after it
    assert len(queued) == 2


def test_nothing_is_queued_for_a_rolled_back_change(
    refreshed, queued, django_capture_on_commit_callbacks
):
    village = Village.objects.get(code="19020101")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            make_household(village, "19020101002")
            raise RuntimeError("the save failed")
    assert callbacks == [] and queued == []
    with django_capture_on_commit_callbacks(execute=True):
        make_household(village, "19020101002")  # the same change, saved this time
    assert queued == [("1902", settings.DASHBOARD_REFRESH_DELAY)]


def test_moving_a_household_refreshes_both_districts(
    refreshed, queued, django_capture_on_commit_callbacks
):
    household = Household.objects.get(house_code="19020101001")
    with django_capture_on_commit_callbacks(execute=True):
        place_in_village(household, Village.objects.get(code="19010101"))
        household.save()
    assert sorted(code for code, _delay in queued) == ["1901", "1902"]


def test_a_draft_report_queues_nothing_and_sending_it_does(
    refreshed, users, queued, django_capture_on_commit_callbacks
):
    admin = users["system_admin"]
    with django_capture_on_commit_callbacks(execute=True):
        draft = cycle.submission_for(
            user=admin, district=District.objects.get(pk="1903"), month=NOV
        )
    assert queued == []
    with django_capture_on_commit_callbacks(execute=True):
        cycle.submit(user=admin, submission=draft, late_reason="ไฟดับ")
    assert queued == [("1903", settings.DASHBOARD_REFRESH_DELAY)]


def test_an_import_refreshes_the_districts_it_wrote_to(
    refreshed, users, officer, django_capture_on_commit_callbacks
):
    header = "house_code,village_code,head_name,members,income_per_person,survey_year,source,"
    header += "failed_dimensions,plan_date"
    rows = [
        "19020101002,19020101,นายหนึ่ง ใจดี,3,20000,2569,tpmap,income,2026-11-10",
        "19020101003,19020101,นางสอง ใจดี,4,25000,2569,new,health,",
    ]
    data = ("\n".join([header, *rows]) + "\n").encode()
    with django_capture_on_commit_callbacks(execute=True):
        result = run_import("households", data, "hh.csv", user=users["system_admin"])
    assert result.ok, result.errors
    card = plan_card(officer)
    assert (card["detail"]["total"], card["detail"]["with_plan"]) == (3, 1)
    assert list(RefreshRun.objects.filter(kind="district").values_list("code", flat=True)) == [
        "1902"
    ]


def test_a_failed_refresh_never_fails_the_edit(
    refreshed, monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise RuntimeError("summary table unreachable")

    monkeypatch.setattr(refresh, "refresh_district", broken)
    with django_capture_on_commit_callbacks(execute=True):
        make_household(Village.objects.get(code="19020101"), "19020101002")
    assert Household.objects.filter(house_code="19020101002").exists()
    assert "summary table unreachable" in caplog.text


def test_year_rules_and_calendars_refresh_whole_provinces(
    refreshed, users, monkeypatch, django_capture_on_commit_callbacks
):
    provinces = []
    monkeypatch.setattr(
        tasks.refresh_province_task,
        "apply_async",
        lambda args, countdown=None, **kw: provinces.append(args[0]),
    )
    from otop.services import factor_save
    from reports.models import Holiday

    with django_capture_on_commit_callbacks(execute=True):
        factor_save(user=users["system_admin"], fiscal_year=2570, factor=Decimal("1.20"))
    assert provinces == ["19"]  # every province with summaries
    cache.clear()
    with django_capture_on_commit_callbacks(execute=True):
        Holiday.objects.create(province_id="19", date=date(2026, 12, 7), name="วันหยุด")
    assert provinces == ["19", "19"]


class HeldRefresh:
    """``refresh_district(code)`` in a thread of its own, held at ``where``: "reading" (its
    reads of the source records half done) or "writing" (its rows deleted and the new ones
    inserted, not yet committed) until ``release``."""

    def __init__(self, monkeypatch, code: str, where: str):
        self.code, self.inside, self.released = code, threading.Event(), threading.Event()
        self.errors = []
        if where == "reading":
            real = refresh._kkj

            def hold(*args):
                self._hold()
                return real(*args)

            monkeypatch.setattr(refresh, "_kkj", hold)
        else:
            real = refresh._insert

            def hold(rows):
                real(rows)
                if rows and rows[0]["district_code"] == code:
                    self._hold()

            monkeypatch.setattr(refresh, "_insert", hold)
        self.thread = threading.Thread(target=self._run)

    def _hold(self):
        self.inside.set()
        self.released.wait(30)

    def _run(self):
        try:
            refresh.refresh_district(self.code)
        except Exception as exc:  # noqa: BLE001 - the test reports it
            self.errors.append(exc)
        finally:
            connection.close()

    def __enter__(self):
        self.thread.start()
        assert self.inside.wait(30), self.errors
        return self

    def release(self):
        self.released.set()

    def __exit__(self, *exc):
        self.release()
        self.thread.join(30)
        assert not self.errors


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("where", ["reading", "writing"])
def test_a_refresh_in_progress_blocks_neither_data_entry_nor_the_dashboard(
    no_auto_refresh, province, officer, monkeypatch, where
):
    """A refresh of district 1902 is held half-way: a household is saved and the dashboard
    read meanwhile. The dashboard shows the figures as they were (never a district without
    rows). On PostgreSQL the save goes through at once, even while the refresh writes; on
    SQLite (one writer at a time, ``make run``) a save waits for the refresh's short write to
    commit, then goes through."""
    refresh.refresh_all(provinces=["19"])
    sqlite_write = where == "writing" and connection.vendor == "sqlite"
    with HeldRefresh(monkeypatch, "1902", where) as held:
        start = time.monotonic()
        card = plan_card(officer)
        if sqlite_write:
            threading.Timer(0.5, held.release).start()
        make_household(Village.objects.get(code="19020101"), "19020101002")  # autocommit
        elapsed = time.monotonic() - start
    assert card["detail"]["total"] == 1  # the rows as they were before this refresh
    assert Household.objects.filter(house_code="19020101002").exists()
    assert elapsed < (5 if sqlite_write else 2), elapsed
    # The held refresh read its records before the save (reading: it had read the
    # households already), so the new household waits for the next run.
    assert plan_card(officer)["detail"]["total"] == 1
    refresh.refresh_district("1902")
    assert plan_card(officer)["detail"]["total"] == 2


def test_one_refresh_of_a_province_at_a_time(refreshed, monkeypatch, caplog):
    with refresh.locked("province:19"):
        with pytest.raises(refresh.Busy):
            refresh.refresh_district("1901", wait=0)
        # In-process (no broker) the task waits for the running one, then gives up.
        monkeypatch.setattr(refresh, "LOCK_WAIT", 0.3)
        assert tasks.refresh_district_task.apply(args=("1901",)).get() == 0
    assert "province:19" in caplog.text or "1901" in caplog.text
    assert tasks.refresh_district_task.apply(args=("1901",)).get() > 0


def test_a_district_with_a_new_month_refreshes_its_whole_province(refreshed):
    AreaMonth.objects.filter(month=NOV, level="district").exclude(code="1901").delete()
    refresh.refresh_district("1901")
    assert AreaMonth.objects.filter(month=NOV, level="district", province_code="19").count() == 13
    assert RefreshRun.objects.order_by("-pk").first().kind == "province"


def test_the_nightly_refresh_is_on_beat_in_bangkok_time(refreshed):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboards-nightly-refresh"]
    assert entry["task"] == "dashboards.tasks.refresh_everything"
    assert entry["task"] in app.tasks
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert (schedule.hour, schedule.minute) == ({1}, {0})
    assert app.conf.timezone == "Asia/Bangkok" and not app.conf.enable_utc
    for name in ("refresh_everything", "refresh_district_task", "refresh_province_task"):
        task = getattr(tasks, name)
        assert task.acks_late and task.reject_on_worker_lost, name
    result = tasks.refresh_everything.apply().get()
    assert result["provinces"] == 2  # the geography loaded: 19 and 10
    assert AreaMonth.objects.filter(level="national").count() == 14  # Oct 2025 .. Nov 2026
    with refresh.locked("full"):
        assert tasks.refresh_everything.apply().get() == {
            "skipped": "another full refresh is running"
        }


def test_old_months_leave_the_summaries(refreshed):
    assert AreaMonth.objects.filter(month=date(2025, 10, 1)).exists()
    refresh.refresh_all(provinces=["19"], today=date(2027, 10, 5))
    assert not AreaMonth.objects.filter(month__lt=date(2026, 10, 1)).exists()
    assert AreaMonth.objects.filter(month=date(2027, 10, 1), level="province").exists()


def test_management_command(province, capsys):
    call_command("refresh_dashboards", district="1901")
    assert "refreshed district 1901" in capsys.readouterr().out
    call_command("refresh_dashboards", province="19")
    assert "refreshed province 19" in capsys.readouterr().out
    call_command("refresh_dashboards")
    assert "refreshed 2 provinces" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("refresh_dashboards", district="9999")
    with refresh.locked("full"), pytest.raises(CommandError, match="another full refresh"):
        call_command("refresh_dashboards")


def test_districts_of_an_import_batch_come_from_its_audit_entries(province, users):
    data = b"house_code,village_code,head_name,members,income_per_person,survey_year,source,"
    data += b"failed_dimensions\n19010501002,19010501,A B,3,1000,2569,tpmap,income\n"
    result = run_import("households", data, "x.csv", user=users["system_admin"])
    assert signals.batch_targets(result.batch.pk) == ({"1901"}, False)


def test_changes_in_many_districts_at_once_refresh_the_province_once(
    refreshed, queued, monkeypatch, django_capture_on_commit_callbacks
):
    provinces = []
    monkeypatch.setattr(
        tasks.refresh_province_task,
        "apply_async",
        lambda args, countdown=None, **kw: provinces.append(args[0]),
    )
    with django_capture_on_commit_callbacks(execute=True):
        for n, subdistrict in enumerate(("190101", "190201", "190301", "190401")):
            village = Village.objects.create(
                code=f"{subdistrict}09", subdistrict_id=subdistrict, name=f"บ้านใหม่ {n}"
            )
            make_household(village, f"{subdistrict}09001")
    assert provinces == ["19"] and queued == []
    with django_capture_on_commit_callbacks(execute=True):
        make_household(Village.objects.get(code="19020101"), "19020101002")
        make_household(Village.objects.get(code="10010101"), "10010101002")
    assert sorted(queued) == [("1001", 60), ("1902", 60)]
