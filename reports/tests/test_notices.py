"""Reminders before the due date and the late list after it, with a frozen clock: in the app
and by email, moved with the due date, sent once however often the task runs; the notice page
and the daily beat entry."""

import smtplib
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from celery.schedules import crontab
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import RequestFactory
from django.utils.translation import gettext

from accounts.choices import Role
from conftest import make_user, text_of
from reports import notices
from reports.models import Holiday, Notice, Submission
from reports.tasks import send_cycle_notices

BKK = ZoneInfo("Asia/Bangkok")
OCTOBER = date(2026, 10, 1)  # due Tuesday 20 October 2026
SARABURI = [
    "เมืองสระบุรี",
    "แก่งคอย",
    "หนองแค",
    "วิหารแดง",
    "หนองแซง",
    "บ้านหมอ",
    "ดอนพุด",
    "หนองโดน",
    "พระพุทธบาท",
    "เสาไห้",
    "มวกเหล็ก",
    "วังม่วง",
    "เฉลิมพระเกียรติ",
]


def at(text: str):
    """Freeze the clock at a Bangkok wall-clock time."""
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


def run_on(day: str) -> dict:
    """What the 07:30 beat run does on that day."""
    with at(f"{day}T07:30"):
        return send_cycle_notices.delay().get()


def submitted(district: str, month=OCTOBER, when="2026-10-15T10:00"):
    return Submission.objects.create(
        district_id=district,
        province_id=district[:2],
        month=month,
        status="submitted",
        first_submitted_at=datetime.fromisoformat(when).replace(tzinfo=BKK),
    )


def reminder_title(days: int, month="ตุลาคม 2569") -> str:
    msgid = {
        3: "The monthly report for %(month)s is due in 3 days",
        1: "The monthly report for %(month)s is due tomorrow",
    }[days]
    return gettext(msgid) % {"month": month}


def reminder_body(district: str, month="ตุลาคม 2569", due="20 ตุลาคม 2569") -> str:
    return gettext(
        "%(district)s has not sent its monthly report for %(month)s yet. It is due on %(date)s."
    ) % {"district": district, "month": month, "date": due}


@pytest.fixture
def staff(users):
    users["district_staff"].email = "staff1901@example.go.th"
    users["district_staff"].save()
    return users["district_staff"]


@pytest.fixture
def neighbour(users):
    """District staff of แก่งคอย, with no email address."""
    return make_user("staff1902", Role.DISTRICT_STAFF, district="1902")


@pytest.fixture
def officer(users):
    users["provincial_officer"].email = "officer19@example.go.th"
    users["provincial_officer"].save()
    return users["provincial_officer"]


def titles(user):
    return list(Notice.objects.filter(user=user).order_by("pk").values_list("title", flat=True))


# ---------------------------------------------------------------- reminders


def test_reminders_three_days_and_one_day_before_the_due_date(staff, neighbour):
    assert run_on("2026-10-16") == {"notices": 0, "emails": 0}  # 4 days before
    assert run_on("2026-10-17") == {"notices": 2, "emails": 1}
    assert titles(staff) == [reminder_title(3)]
    assert titles(neighbour) == [reminder_title(3)]
    assert Notice.objects.get(user=neighbour).body == reminder_body("แก่งคอย")

    assert run_on("2026-10-18") == {"notices": 0, "emails": 0}  # 2 days before: nothing
    assert run_on("2026-10-19") == {"notices": 2, "emails": 1}
    assert titles(staff) == [reminder_title(3), reminder_title(1)]
    assert run_on("2026-10-20") == {"notices": 0, "emails": 0}  # the due date itself

    # Only the user with an address is emailed; the mail is the notice, in Thai, with a link.
    assert [m.to for m in mail.outbox] == [[staff.email], [staff.email]]
    first = mail.outbox[0]
    assert first.subject == reminder_title(3)
    assert reminder_body("เมืองสระบุรี") in first.body
    assert "20 ตุลาคม 2569" in first.body
    assert "http://localhost:8000/reports/" in first.body


def test_a_district_that_has_already_submitted_gets_no_reminder(staff, neighbour):
    submitted("1901")
    Submission.objects.create(district_id="1902", province_id="19", month=OCTOBER)  # a draft
    run_on("2026-10-17")
    assert titles(staff) == []
    assert titles(neighbour) == [reminder_title(3)]  # a draft is not sent
    assert mail.outbox == []


def test_inactive_users_and_province_staff_get_no_reminder(staff, officer):
    staff.is_active = False
    staff.save()
    run_on("2026-10-17")
    assert Notice.objects.count() == 0


def test_a_due_date_moved_by_a_weekend_and_a_holiday_moves_the_reminders(staff):
    # June 2026: the 20th is a Saturday (due Monday 22); a holiday on the 22nd makes it Tuesday 23.
    Holiday.objects.create(date=date(2026, 6, 22), name="วันหยุดชดเชย")
    sent = {day: run_on(f"2026-06-{day}")["notices"] for day in range(17, 25)}
    # Reminders on the 20th and 22nd; the late list (officer and admin) on the 24th.
    assert sent == {17: 0, 18: 0, 19: 0, 20: 1, 21: 0, 22: 1, 23: 0, 24: 2}
    assert titles(staff) == [reminder_title(3, "มิถุนายน 2569"), reminder_title(1, "มิถุนายน 2569")]
    assert reminder_body("เมืองสระบุรี", "มิถุนายน 2569", "23 มิถุนายน 2569") in mail.outbox[0].body


def test_a_province_holiday_moves_only_that_provinces_reminders(staff):
    bangkok = make_user("staff1001", Role.DISTRICT_STAFF, district="1001")
    Holiday.objects.create(province_id="10", date=date(2026, 10, 20), name="วันหยุดกรุงเทพฯ")
    run_on("2026-10-17")
    assert titles(staff) == [reminder_title(3)]
    assert titles(bangkok) == []  # due Wednesday 21 in Bangkok
    run_on("2026-10-18")
    assert titles(bangkok) == [reminder_title(3)]


# ---------------------------------------------------------------- late list


def test_the_late_list_on_the_day_after_the_due_date_lists_exactly_the_missing_districts(
    users, staff, officer
):
    bangkok_officer = make_user("officer10", Role.PROVINCIAL_OFFICER, province="10")
    submitted("1901")
    submitted("1903", when="2026-10-20T16:30")  # on the due date: on time
    Submission.objects.create(district_id="1904", province_id="19", month=OCTOBER)  # a draft

    assert run_on("2026-10-20")["notices"] == 0  # not on the due date itself
    run_on("2026-10-21")

    missing = [n for n in SARABURI if n not in ("เมืองสระบุรี", "หนองแค")]
    title = gettext("Districts that have not sent the %(month)s monthly report: %(count)s") % {
        "month": "ตุลาคม 2569",
        "count": 11,
    }
    for user in (officer, users["provincial_admin"]):
        notice = Notice.objects.get(user=user)
        assert notice.title == title
        intro, *lines = notice.body.splitlines()
        assert intro == gettext(
            "The monthly report for %(month)s was due on %(date)s. "
            "These districts have sent nothing yet:"
        ) % {"month": "ตุลาคม 2569", "date": "20 ตุลาคม 2569"}
        assert lines == [f"- {name}" for name in missing]
        assert notice.url == "/reports/completeness/?province=19"
    assert titles(staff) == []  # district staff get no late list
    bangkok = Notice.objects.get(user=bangkok_officer)
    assert "วิหารแดง" not in bangkok.body and "พระนคร" in bangkok.body

    [email] = mail.outbox  # only officer19 has an address
    assert email.to == [officer.email] and email.subject == title
    assert "- วิหารแดง" in email.body and "- หนองแค" not in email.body
    assert "http://localhost:8000/reports/completeness/?province=19" in email.body

    assert run_on("2026-10-22")["notices"] == 0


def test_a_province_where_every_district_has_sent_gets_no_late_list(officer):
    for code in range(1901, 1914):
        submitted(str(code))
    run_on("2026-10-21")
    assert titles(officer) == []


def test_the_late_list_follows_a_moved_due_date(officer):
    run_on("2026-06-22")  # due Monday 22 June (the 20th is a Saturday)
    assert titles(officer) == []
    run_on("2026-06-23")
    [notice] = Notice.objects.filter(user=officer)
    assert "22 มิถุนายน 2569" in notice.body and f"- {SARABURI[0]}" in notice.body


# ---------------------------------------------------------------- once only, few queries


def test_running_twice_on_the_same_day_sends_one_email_and_one_notice(staff):
    assert run_on("2026-10-17") == {"notices": 1, "emails": 1}
    assert run_on("2026-10-17") == {"notices": 0, "emails": 0}
    assert len(mail.outbox) == 1
    assert Notice.objects.filter(user=staff).count() == 1


def test_a_mail_server_that_is_down_does_not_cost_the_notices(staff, settings):
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    assert run_on("2026-10-17") == {"notices": 1, "emails": 0}
    assert titles(staff) == [reminder_title(3)]


class DownBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("connection refused")


def test_a_day_takes_a_handful_of_queries_however_many_districts(
    users, staff, officer, django_assert_max_num_queries
):
    for code in range(1902, 1914):
        make_user(f"staff{code}", Role.DISTRICT_STAFF, district=str(code), email=f"{code}@x.th")
    with at("2026-10-17T07:30"), django_assert_max_num_queries(8):
        assert notices.send_due_notices() == {"notices": 13, "emails": 13}
    with at("2026-10-21T07:30"), django_assert_max_num_queries(9):
        assert notices.send_due_notices() == {"notices": 2, "emails": 1}
    with at("2026-10-18T07:30"), django_assert_max_num_queries(3):
        assert notices.send_due_notices() == {"notices": 0, "emails": 0}


# ---------------------------------------------------------------- the notice page


def test_the_notice_page_shows_the_users_own_notices_and_marks_them_read(client, staff, officer):
    mine = Notice.objects.create(
        user=staff, key="a", title="รายงานครบกำหนดพรุ่งนี้", body="ส่งก่อน 20 ต.ค.", url="/reports/"
    )
    Notice.objects.create(user=staff, key="b", title="ข้อความที่สอง")
    theirs = Notice.objects.create(user=officer, key="a", title="อำเภอที่ยังไม่ส่ง")
    client.force_login(staff)

    page = text_of(client.get("/notices/").content.decode())
    assert "รายงานครบกำหนดพรุ่งนี้" in page and "ส่งก่อน 20 ต.ค." in page
    assert "ข้อความที่สอง" in page and "อำเภอที่ยังไม่ส่ง" not in page
    assert gettext("Mark all as read") in page

    request = RequestFactory().get("/")
    request.user = staff
    assert notices.unread_count(request) == {"unread_notices": 2}

    response = client.get(f"/notices/{mine.pk}/")
    assert response.status_code == 302 and response.url == "/reports/"
    mine.refresh_from_db()
    assert mine.read_at is not None
    assert notices.unread_count(request) == {"unread_notices": 1}
    assert client.get(f"/notices/{theirs.pk}/").status_code == 404

    response = client.post("/notices/read/", follow=True)
    page = text_of(response.content.decode())
    assert gettext("%(count)s notices marked as read.") % {"count": 1} in page
    assert gettext("Mark all as read") not in page
    assert notices.unread_count(request) == {"unread_notices": 0}
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_a_notice_never_redirects_off_the_site(client, staff):
    notice = Notice.objects.create(user=staff, key="x", title="t", url="https://evil.example/")
    client.force_login(staff)
    assert client.get(f"/notices/{notice.pk}/").url == "/notices/"


def test_the_notice_page_needs_a_login(client, db):
    assert client.get("/notices/").status_code == 302
    assert notices.unread_count(RequestFactory().get("/")) == {"unread_notices": 0}


# ---------------------------------------------------------------- the beat schedule


def test_the_daily_beat_entry_runs_a_registered_task():
    import reports.tasks  # noqa: F401  (registers the task, as the worker's autodiscovery does)
    from cdd.celery import app

    entry = app.conf.beat_schedule["reports-cycle-notices"]
    assert entry["task"] == "reports.tasks.send_cycle_notices"
    assert entry["task"] in app.tasks
    assert entry["schedule"] == crontab(hour=7, minute=30)
    assert app.conf.timezone == "Asia/Bangkok" and not app.conf.enable_utc
