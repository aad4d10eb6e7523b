"""The monthly report archive: versions that are never overwritten, who may rebuild and see
what, the progress the page polls, downloads, the diff of two versions, retries and limits,
and beat's schedule over a year of a frozen clock."""

import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, OperationalError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from cdd.celery import app
from cdd.thai import thai_month
from conftest import make_user, text_of
from households.tests.conftest import make_household
from reports import archive
from reports.models import BuildTrigger, MonthlyReport, Notice, ReportSettings
from reports.tasks import build_monthly_report, dispatch_monthly_reports
from reports.tests.archive_support import archive_media  # noqa: F401 - a fixture
from villages.models import Province

BKK = ZoneInfo("Asia/Bangkok")
pytestmark = pytest.mark.usefixtures("archive_media")


def th(msgid: str) -> str:
    with translation.override("th"):
        return gettext(msgid)


def last_month() -> date:
    return archive.previous_month(timezone.localdate())


def media() -> Path:
    return Path(settings.MEDIA_ROOT)


def sha(field) -> str:
    with field.open("rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def files_in(media, report) -> set[str]:
    folder = media / "reports" / report.province_id / f"{report.month:%Y-%m}"
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


@pytest.fixture
def build_now(django_capture_on_commit_callbacks):
    """Ask for a version and run its (eager) build as the request's commit would."""

    def run(province="19", month=None, *, user=None, trigger=BuildTrigger.USER):
        with django_capture_on_commit_callbacks(execute=True):
            report = archive.request_build(
                province, month or last_month(), user=user, trigger=trigger
            )
        report.refresh_from_db()
        return report

    return run


def rebuild(client, month, province="19", capture=None):
    data = {"province": province, "month": f"{month:%Y-%m}"}
    if capture is None:
        return client.post(reverse("report-rebuild"), data)
    with capture(execute=True):
        return client.post(reverse("report-rebuild"), data)


# ---------------------------------------------------------------- versions


def test_a_rebuild_makes_version_2_and_leaves_version_1_byte_identical(
    client, officer, villages, django_capture_on_commit_callbacks
):
    client.force_login(officer)
    month = last_month()
    response = rebuild(client, month, capture=django_capture_on_commit_callbacks)
    assert response.status_code == 302
    v1 = MonthlyReport.objects.get(province_id="19", month=month)
    assert (v1.version, v1.status, v1.trigger, v1.requested_by) == (1, "done", "user", officer)
    before = {fmt: v1.file_of(fmt).open("rb").read() for fmt in ("pdf", "xlsx", "json")}
    for fmt in ("pdf", "xlsx", "json"):
        assert hashlib.sha256(before[fmt]).hexdigest() == v1.checksum_of(fmt)
    assert v1.file_of("json").name == f"reports/19/{month:%Y-%m}/v1.json"

    make_household(villages["home"], "19010101009")
    rebuild(client, month, capture=django_capture_on_commit_callbacks)
    v1.refresh_from_db()
    v2 = MonthlyReport.objects.get(province_id="19", month=month, version=2)
    assert v2.status == "done" and v2.data_checksum != v1.data_checksum
    assert {fmt: v1.file_of(fmt).open("rb").read() for fmt in before} == before
    assert files_in(media(), v1) == {
        f"v{n}.{fmt}" for n in (1, 2) for fmt in ("pdf", "xlsx", "json")
    }
    assert json.loads(v2.json.open("rb").read())["households"]["total"]["total"] == 1


def test_building_twice_changes_nothing(officer, geography, build_now):
    report = build_now(user=officer)
    files = {fmt: report.file_of(fmt).open("rb").read() for fmt in report.formats}
    assert archive.build(report.pk).status == "done"
    assert build_monthly_report.delay(report.pk).get() == "done"
    report.refresh_from_db()
    assert report.attempts == 1
    assert {fmt: report.file_of(fmt).open("rb").read() for fmt in report.formats} == files


def test_a_half_file_left_by_a_killed_attempt_is_replaced(officer, geography):
    report = archive.request_build("19", last_month(), user=officer, trigger=BuildTrigger.USER)
    folder = media() / "reports" / "19" / f"{report.month:%Y-%m}"
    folder.mkdir(parents=True)
    (folder / "v1.xlsx").write_bytes(b"PK\x03\x04 half")  # what kill -9 left behind
    MonthlyReport.objects.filter(pk=report.pk).update(status="building", attempts=1)
    archive.build(report.pk)
    report.refresh_from_db()
    assert (report.status, report.attempts) == ("done", 2)
    assert sorted(p.name for p in folder.iterdir()) == ["v1.json", "v1.pdf", "v1.xlsx"]
    assert sha(report.xlsx) == report.xlsx_sha256 and report.xlsx.size > 1000


def test_versions_are_numbered_per_province_and_month(officer, users, geography):
    month = last_month()
    admin = users["system_admin"]
    first = archive.request_build("19", month, user=officer, trigger=BuildTrigger.USER)
    second = archive.request_build("19", month, user=officer, trigger=BuildTrigger.USER)
    other_month = archive.request_build(
        "19", archive.previous_month(month), user=officer, trigger=BuildTrigger.USER
    )
    other_province = archive.request_build("10", month, user=admin, trigger=BuildTrigger.USER)
    assert [first.version, second.version, other_month.version, other_province.version] == [
        1,
        2,
        1,
        1,
    ]


def test_a_month_has_one_scheduled_version_at_most(geography):
    month = last_month()
    one = archive.request_build("19", month, trigger=BuildTrigger.SCHEDULE)
    assert archive.request_build("19", month, trigger=BuildTrigger.SCHEDULE) == one
    with pytest.raises(IntegrityError), transaction.atomic():
        MonthlyReport.objects.create(province_id="19", month=month, version=2, trigger="schedule")
    assert MonthlyReport.objects.count() == 1


def test_a_month_not_yet_begun_cannot_be_built(officer, geography):
    next_month = archive.first_of(timezone.localdate() + timedelta(days=32))
    with pytest.raises(Exception, match="เฉพาะเดือนที่เริ่มต้นแล้ว"):
        archive.request_build("19", next_month, user=officer, trigger=BuildTrigger.USER)


def test_the_requesting_user_gets_a_notice_when_the_build_is_done(officer, geography, build_now):
    report = build_now(user=officer)
    notice = Notice.objects.get(user=officer)
    assert notice.key == f"report-built:{report.pk}"
    assert thai_month(report.month.year, report.month.month) in notice.title
    assert f"#report-{report.pk}" in notice.url


# ---------------------------------------------------------------- who may do what


def test_district_staff_cannot_rebuild_and_another_province_is_404(
    client, users, geography, django_capture_on_commit_callbacks
):
    month = last_month()
    client.force_login(users["district_staff"])
    assert client.get(reverse("report-archive")).status_code == 200
    assert rebuild(client, month).status_code == 403
    client.force_login(users["department_viewer"])
    assert rebuild(client, month).status_code == 403
    client.force_login(users["provincial_officer"])
    assert client.get(reverse("report-archive"), {"province": "10"}).status_code == 404
    assert rebuild(client, month, province="10").status_code == 404
    with pytest.raises(PermissionDenied):
        archive.request_build("19", month, user=users["district_staff"], trigger="user")
    assert not MonthlyReport.objects.exists()


ROLES = [
    "district_staff",
    "provincial_officer",
    "provincial_admin",
    "department_viewer",
    "system_admin",
]
# (name, method, url, data, expected status per role in ROLES order)
MATRIX = [
    ("archive home", "get", "/reports/monthly/?province=19", None, [200, 200, 200, 200, 200]),
    ("archive other", "get", "/reports/monthly/?province=10", None, [404, 404, 404, 200, 200]),
    ("status home", "get", "/reports/monthly/{home}/status/", None, [200, 200, 200, 200, 200]),
    ("status other", "get", "/reports/monthly/{other}/status/", None, [404, 404, 404, 200, 200]),
    ("download home", "get", "/reports/monthly/{home}/json/", None, [200, 200, 200, 200, 200]),
    ("download other", "get", "/reports/monthly/{other}/pdf/", None, [404, 404, 404, 200, 200]),
    (
        "diff other",
        "get",
        "/reports/monthly/compare/?a={other}&b={other}",
        None,
        [404, 404, 404, 200, 200],
    ),
    ("rebuild home", "post", "/reports/monthly/build/", "19", [403, 302, 302, 403, 302]),
    ("rebuild other", "post", "/reports/monthly/build/", "10", [404, 404, 404, 403, 302]),
    ("settings home", "post", "/reports/monthly/settings/", "19", [403, 403, 302, 403, 302]),
    ("settings other", "post", "/reports/monthly/settings/", "10", [404, 404, 404, 403, 302]),
]


def test_every_role_on_every_archive_endpoint(client, users, build_now):
    ids = {
        "home": build_now("19", trigger=BuildTrigger.SCHEDULE).pk,
        "other": build_now("10", trigger=BuildTrigger.SCHEDULE).pk,
    }
    month = f"{last_month():%Y-%m}"
    failures = []
    for role, user in ((r, users[r]) for r in ROLES):
        client.force_login(user)
        for name, method, url, province, expected in MATRIX:
            url = url.format(**ids)
            if method == "get":
                status = client.get(url).status_code
            else:
                data = {"province": province, "month": month, "build_hour": "8"}
                status = client.post(url, data).status_code
            want = expected[ROLES.index(role)]
            if status != want:
                failures.append(f"{role} {name}: {status}, expected {want}")
    assert failures == []


def test_another_provinces_files_and_status_are_404(client, users, geography, build_now):
    report = build_now("10", user=users["system_admin"])
    outsider = users["provincial_officer"]
    client.force_login(outsider)
    for url in (
        reverse("report-status", args=[report.pk]),
        reverse("report-download", args=[report.pk, "json"]),
        reverse("report-diff") + f"?a={report.pk}&b={report.pk}",
    ):
        assert client.get(url).status_code == 404, url


def test_downloads_come_through_the_scoped_view(client, users, geography, build_now):
    report = build_now(user=users["provincial_officer"])
    client.force_login(users["district_staff"])  # the province's own district staff may read
    page = client.get(reverse("report-archive")).content.decode()
    assert settings.MEDIA_URL not in page
    url = reverse("report-download", args=[report.pk, "json"])
    assert url in page
    response = client.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    assert hashlib.sha256(body).hexdigest() == report.json_sha256
    assert "attachment" in response["Content-Disposition"]
    assert f"report-19-{report.month:%Y-%m}-v1.json" in response["Content-Disposition"]
    assert client.get(reverse("report-download", args=[report.pk, "exe"])).status_code == 404


def test_the_archive_lists_months_and_versions(client, users, geography, build_now):
    officer = make_user("somchai", "provincial_officer", province="19", first_name="สมชาย")
    scheduled = build_now(trigger=BuildTrigger.SCHEDULE)
    by_user = build_now(user=officer)
    client.force_login(users["provincial_officer"])
    html = client.get(reverse("report-archive")).content.decode()
    text = text_of(html)
    assert th("On schedule") in text and "สมชาย" in text
    for report in (scheduled, by_user):
        assert f'id="report-{report.pk}"' in html
        assert report.data_checksum[:12] in html and report.pdf_sha256[:12] in html
    assert f'data-testid="rebuild-{scheduled.month:%Y-%m}"' in html
    assert 'name="a"' in html  # two versions built: the compare form
    client.force_login(users["district_staff"])
    html = client.get(reverse("report-archive")).content.decode()
    assert 'data-testid="rebuild-' not in html and 'data-testid="build-form"' not in html


# ---------------------------------------------------------------- progress


def test_the_status_endpoint_follows_the_build(
    client, officer, geography, django_capture_on_commit_callbacks, settings
):
    client.force_login(officer)
    report = archive.request_build("19", last_month(), user=officer, trigger=BuildTrigger.USER)
    url = reverse("report-status", args=[report.pk])
    state = client.get(url).json()
    assert (state["status"], state["finished"], state["downloads"]) == ("queued", False, [])
    assert state["status_label"] == th("Queued")

    MonthlyReport.objects.filter(pk=report.pk).update(status="building", started_at=timezone.now())
    assert client.get(url).json()["status"] == "building"
    MonthlyReport.objects.filter(pk=report.pk).update(
        started_at=timezone.now() - timedelta(hours=2)
    )
    stalled = client.get(url).json()
    assert stalled["status"] == "failed" and stalled["error"]

    archive.build(report.pk)
    state = client.get(url).json()
    assert state["status"] == "done" and state["finished"]
    assert [d["format"] for d in state["downloads"]] == ["pdf", "xlsx", "json"]
    assert state["downloads"][2]["url"] == reverse("report-download", args=[report.pk, "json"])

    settings.REPORT_ARCHIVE_RENDER = "reports.tests.test_archive.broken_render"
    failed = archive.request_build("19", last_month(), user=officer, trigger=BuildTrigger.USER)
    with pytest.raises(ValueError):
        build_monthly_report.delay(failed.pk)
    state = client.get(reverse("report-status", args=[failed.pk])).json()
    assert state["status"] == "failed" and "broken" in state["error"]
    assert state["downloads"] == [] and not failed.formats


def broken_render(report, fmt, *, warnings=None):
    raise ValueError("broken template")


# ---------------------------------------------------------------- retries and limits

_calls: list = []


def flaky_render(report, fmt, *, warnings=None):
    """Loses the database once, then renders."""
    from reports.tests.archive_support import render

    _calls.append(fmt)
    if len(_calls) == 1:
        raise OperationalError("server closed the connection unexpectedly")
    return render(report, fmt, warnings=warnings)


def test_a_transient_error_is_retried(officer, geography, settings, monkeypatch):
    settings.REPORT_ARCHIVE_RENDER = "reports.tests.test_archive.flaky_render"
    _calls.clear()
    report = archive.request_build("19", last_month(), user=officer, trigger=BuildTrigger.USER)
    build_monthly_report.delay(report.pk)  # eager: the retry runs at once
    report.refresh_from_db()
    assert (report.status, report.attempts, report.error) == ("done", 2, "")


def hungry_render(report, fmt, *, warnings=None):
    return bytes(bytearray(400 * 1024 * 1024))


def test_a_render_over_its_memory_limit_fails_the_version(officer, geography, settings):
    settings.REPORT_ARCHIVE_RENDER = "reports.tests.test_archive.hungry_render"
    settings.REPORT_RENDER_MAX_MEMORY_MB = 100
    report = archive.request_build("19", last_month(), user=officer, trigger=BuildTrigger.USER)
    with pytest.raises(MemoryError):
        build_monthly_report.delay(report.pk)
    report.refresh_from_db()
    assert (report.status, report.error) == ("failed", "memory limit exceeded")
    big = bytearray(200 * 1024 * 1024)  # the limit is lifted afterwards
    assert len(big) == 200 * 1024 * 1024


def test_the_build_task_has_time_limits_and_late_acks():
    task = app.tasks["reports.tasks.build_monthly_report"]
    assert task.acks_late and task.reject_on_worker_lost
    assert 0 < task.soft_time_limit < task.time_limit
    assert task.max_retries == settings.REPORT_BUILD_MAX_RETRIES
    assert settings.CELERY_WORKER_MAX_TASKS_PER_CHILD == 20
    assert settings.CELERY_WORKER_MAX_MEMORY_PER_CHILD == 600 * 1024


def test_a_version_given_up_on_fails(officer, geography):
    report = archive.request_build("19", last_month(), user=officer, trigger=BuildTrigger.USER)
    MonthlyReport.objects.filter(pk=report.pk).update(attempts=archive.MAX_ATTEMPTS)
    archive.build(report.pk)
    report.refresh_from_db()
    assert report.status == "failed" and str(archive.MAX_ATTEMPTS) in report.error


# ---------------------------------------------------------------- the diff


def test_the_diff_shows_what_changed_since_the_printed_version(
    client, officer, villages, build_now
):
    make_household(villages["home"], "19010101001")
    v1 = build_now(user=officer)
    make_household(villages["home"], "19010101002", source="new")
    v2 = build_now(user=officer)
    changes = {c.key: c for c in archive.diff_versions(v1, v2)}
    total = changes["households.total.total"]
    assert (total.before, total.after, total.delta, total.key_figure) == (1, 2, 1, True)
    assert total.label == th("Households in the survey")
    assert changes["households.rows[1901].new"].label.startswith("เมือง")
    assert "households.rows[1902].total" not in changes  # unchanged figures are left out

    client.force_login(officer)
    response = client.get(reverse("report-diff"), {"a": v1.pk, "b": v2.pk})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-key="households.total.total"' in html
    row = html.split('data-key="households.total.total"')[1].split("</tr>")[0]
    assert th("Households in the survey") in row and ">1<" in row and ">2<" in row and "+1" in row

    same = client.get(reverse("report-diff"), {"a": v2.pk, "b": v2.pk}).content.decode()
    assert 'data-testid="same-data"' in same


def test_flatten_keeps_numbers_by_row_identity():
    flat = archive.flatten(
        {
            "fiscal_year": 2569,
            "wdf": {"overdue_now": 1.5, "budget": [{"line": "total", "pct": None}]},
            "households": {"rows": [{"district_code": "1901", "total": 2, "ok": True}]},
            "indicators": [{"number": 4, "name": "x", "total": 7.0}],
            "missions": [{"number": 1}],
        }
    )
    assert flat == {
        "wdf.overdue_now": 1.5,
        "wdf.budget[total].pct": None,
        "households.rows[1901].total": 2,
        "indicators[4].number": 4,
        "indicators[4].total": 7.0,
    }


# ---------------------------------------------------------------- settings


def test_the_province_admin_sets_the_build_hour(client, users, geography):
    url = reverse("report-archive-settings")
    client.force_login(users["provincial_officer"])
    assert client.post(url, {"province": "19", "build_hour": "9"}).status_code == 403
    client.force_login(users["provincial_admin"])
    page = client.get(reverse("report-archive")).content.decode()
    assert 'data-testid="settings-form"' in page
    client.post(url, {"province": "19", "build_hour": "9", "thai_numerals": "on"})
    saved = ReportSettings.objects.get(province_id="19")
    assert (saved.build_hour, saved.thai_numerals) == (9, True)
    client.post(url, {"province": "19", "build_hour": "24"})
    assert ReportSettings.objects.get(province_id="19").build_hour == 9
    assert client.post(url, {"province": "10", "build_hour": "9"}).status_code == 404


# ---------------------------------------------------------------- beat


def test_beat_runs_the_dispatcher_every_hour_of_the_20th():
    entry = settings.CELERY_BEAT_SCHEDULE["reports-monthly-archive"]
    assert entry["task"] == "reports.tasks.dispatch_monthly_reports"
    schedule = entry["schedule"]
    assert schedule.day_of_month == {20} and schedule.minute == {0}
    assert schedule.hour == set(range(24))
    assert settings.CELERY_TIMEZONE == "Asia/Bangkok"


def test_a_year_of_beat_builds_each_month_once_at_the_provinces_hour(geography):
    """Every hour of 2025 on a frozen clock, beat's own question (is the entry due?) and,
    when it is, the dispatcher, twice. Province 19 builds at 09:00, province 10 at the
    default 07:00."""
    ReportSettings.objects.create(province=Province.objects.get(code="19"), build_hour=9)
    schedule = app.conf.beat_schedule["reports-monthly-archive"]["schedule"]
    start = datetime(2025, 1, 1, 0, 0, 30, tzinfo=BKK)
    runs = []
    with time_machine.travel(start, tick=False) as clock:
        last_run_at = app.now()
        for hour in range(1, 365 * 24 + 1):
            clock.move_to(start + timedelta(hours=hour))
            due, _next = schedule.is_due(last_run_at)
            if not due:
                continue
            last_run_at = app.now()
            runs.append(timezone.localtime())
            dispatch_monthly_reports.delay()
            assert dispatch_monthly_reports.delay().get() == []  # again in the same hour

    assert len(runs) == 12 * 24 and {r.day for r in runs} == {20}
    scheduled = MonthlyReport.objects.filter(trigger=BuildTrigger.SCHEDULE)
    assert scheduled.count() == 24
    for code, hour in (("19", 9), ("10", 7)):
        rows = list(scheduled.filter(province_id=code).order_by("month"))
        assert [r.month for r in rows] == [date(2024, 12, 1)] + [
            date(2025, m, 1) for m in range(1, 12)
        ]
        for r in rows:
            asked = timezone.localtime(r.requested_at)
            assert (asked.day, asked.hour, r.version) == (20, hour, 1)
            assert archive.previous_month(asked.date()) == r.month


def test_the_dispatcher_catches_up_a_missed_hour(geography):
    at_ten = datetime(2025, 3, 20, 10, 0, tzinfo=BKK)
    assert [r.province_id for r in archive.dispatch_scheduled(at_ten)] == ["10", "19"]
    assert archive.dispatch_scheduled(at_ten + timedelta(hours=1)) == []
    early = datetime(2025, 4, 20, 6, 0, tzinfo=BKK)
    assert archive.dispatch_scheduled(early) == []


def render_with_options(report, fmt, *, warnings=None, thai_numerals=False, office_name=None):
    from reports.tests.archive_support import render

    if fmt == "pdf":
        return f"{thai_numerals} {office_name}".encode()
    return render(report, fmt, warnings=warnings)


def test_the_provinces_numerals_and_office_name_reach_a_render_that_takes_them(
    officer, geography, build_now, settings
):
    settings.REPORT_ARCHIVE_RENDER = "reports.tests.test_archive.render_with_options"
    ReportSettings.objects.create(
        province=Province.objects.get(code="19"), thai_numerals=True, office_name="สนง.พช.สระบุรี"
    )
    report = build_now(user=officer)
    assert report.pdf.open("rb").read().decode() == "True สนง.พช.สระบุรี"
