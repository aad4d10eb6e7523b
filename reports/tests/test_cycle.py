"""The monthly reporting cycle with a frozen clock: due dates, weekends and holidays, lock
dates and reopening, the submission states, concurrent edits, timeliness and the
submissions section."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from reports import cycle
from reports.models import CalendarRule, Holiday, Mission, Narrative, ReportType, Submission
from villages.models import District

BKK = ZoneInfo("Asia/Bangkok")


def at(text: str):
    """Freeze the clock at a Bangkok wall-clock time."""
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


@pytest.fixture
def staff(users):
    return users["district_staff"]


@pytest.fixture
def officer(users):
    return users["provincial_officer"]


@pytest.fixture
def mission(users):
    return Mission.objects.create(province_id="19", fiscal_year=2570, number=1, name="โคก หนอง นา")


def start(user, month="2026-10-01", district="1901"):
    return cycle.submission_for(
        user=user, district=District.objects.get(pk=district), month=date.fromisoformat(month)
    )


def write(user, submission, mission, text, version=0, heading=1):
    headings = cycle.headings_for("19", 2570)
    return cycle.section_save(
        user=user,
        submission=submission,
        mission=mission,
        heading=headings[heading - 1],
        text=text,
        version=version,
    )


def test_due_dates_move_off_weekends_and_holidays(geography):
    assert cycle.due_date("19", date(2026, 10, 1)) == date(2026, 10, 20)  # a Tuesday
    assert cycle.due_date("19", date(2026, 6, 1)) == date(2026, 6, 22)  # Sat 20 -> Mon 22
    Holiday.objects.create(date=date(2026, 6, 22), name="วันหยุดชดเชย")  # national
    assert cycle.due_date("19", date(2026, 6, 1)) == date(2026, 6, 23)
    Holiday.objects.create(province_id="10", date=date(2026, 10, 20), name="วันหยุดกรุงเทพฯ")
    assert cycle.due_date("19", date(2026, 10, 1)) == date(2026, 10, 20)  # not this province's
    assert cycle.due_date("10", date(2026, 10, 1)) == date(2026, 10, 21)
    # The กข.คจ. follow-up is due on the 15th; a province may set its own day and lock.
    assert cycle.due_date("19", date(2026, 10, 1), ReportType.KKJ_FOLLOW_UP) == date(2026, 10, 15)
    CalendarRule.objects.create(
        province_id="19", fiscal_year=2570, report_type="monthly", due_day=25, lock_after_days=3
    )
    assert cycle.due_date("19", date(2026, 10, 1)) == date(2026, 10, 26)  # Sun 25 -> Mon 26
    assert cycle.lock_date("19", date(2026, 10, 1)) == date(2026, 10, 29)
    assert cycle.due_date("19", date(2026, 9, 1)) == date(2026, 9, 21)  # FY 2569: default


def test_headings_start_with_the_eight_standard_ones(geography):
    headings = cycle.headings_for("19", 2570)
    assert [h.number for h in headings] == list(range(1, 9))
    assert cycle.headings_for("19", 2570)[0].pk == headings[0].pk  # made once


def test_a_future_month_cannot_be_started(staff):
    with at("2026-10-31 23:00"), pytest.raises(ValidationError) as exc:
        start(staff, "2026-11-01")
    assert "ยังไม่เริ่ม" in " ".join(exc.value.messages) or exc.value.messages


def test_on_time_late_and_the_reason_for_lateness(staff, mission, users):
    with at("2026-10-20 16:30"):
        on_time = start(staff)
        write(staff, on_time, mission, "ผลการดำเนินงาน: แปลงโคก หนอง นา 12 แปลง")
        cycle.submit(user=staff, submission=on_time)
    other = users["provincial_officer"]
    with at("2026-10-21 09:00"):
        late = start(other, district="1902")
        with pytest.raises(ValidationError) as exc:
            cycle.submit(user=other, submission=late)
        assert "20 ต.ค. 2569" in str(exc.value)  # names the due date
        assert not Submission.objects.get(pk=late.pk).first_submitted_at  # nothing sent
        cycle.submit(user=other, submission=late, late_reason="ระบบอินเทอร์เน็ตขัดข้อง")
        section = cycle.submissions_section(user=other, province="19", as_of=date(2026, 10, 31))
    rows = {r["district_code"]: r for r in section["rows"]}
    assert rows["1901"]["status"] == "on_time"
    assert rows["1901"]["submitted_at"].startswith("2026-10-20T16:30:00")
    assert rows["1902"]["status"] == "late"
    assert rows["1902"]["late_reason"] == "ระบบอินเทอร์เน็ตขัดข้อง"
    assert {r["status"] for c, r in rows.items() if c not in ("1901", "1902")} == {"missing"}
    assert section["due_on"] == "2026-10-20" and section["on_time"] == 1 and section["late"] == 1


def test_returned_and_resubmitted_keeps_the_first_submission_time(staff, officer, mission):
    with at("2026-10-19 10:00"):
        s = start(staff)
        write(staff, s, mission, "ร่างแรก")
        cycle.submit(user=staff, submission=s)
    with at("2026-10-22 10:00"):
        with pytest.raises(PermissionDenied):  # districts cannot review
            cycle.approve(user=staff, submission=s)
        with pytest.raises(ValidationError):  # a return needs a comment
            cycle.return_submission(user=officer, submission=s, comment=" ")
        cycle.return_submission(user=officer, submission=s, comment="เพิ่มจำนวนครัวเรือน")
        s.refresh_from_db()
        assert s.status == "returned" and s.comments.get().text == "เพิ่มจำนวนครัวเรือน"
        write(staff, s, mission, "ร่างแรก + 35 ครัวเรือน", version=1)
        cycle.submit(user=staff, submission=s)  # past the due date: no reason asked again
        s.refresh_from_db()
        assert s.status == "resubmitted"
        cycle.approve(user=officer, submission=s)
        s.refresh_from_db()
        state = cycle.edit_state(staff, s)
        assert s.status == "approved" and not state.allowed and "อนุมัติ" in state.reason
        with pytest.raises(ValidationError):
            write(staff, s, mission, "แก้หลังอนุมัติ", version=2)
    assert cycle.timeliness(s, date(2026, 10, 20)) == "on_time"  # by the first submission


def test_locked_period_says_why_and_opens_again_when_reopened(staff, officer, mission):
    with at("2026-10-05 09:00"):
        s = start(staff)
    with at("2026-10-31 09:00"):  # locked after 30 Oct (due 20 Oct + 10 days)
        state = cycle.edit_state(staff, s)
        assert not state.allowed and "30 ต.ค. 2569" in state.reason
        with pytest.raises(ValidationError):
            write(staff, s, mission, "ส่งช้า")
        with pytest.raises(PermissionDenied):
            cycle.reopen(
                user=staff, district=s.district, month=s.month, until=date(2026, 11, 3), reason="x"
            )
        cycle.reopen(
            user=officer,
            district=s.district,
            month=s.month,
            until=date(2026, 11, 3),
            reason="ผู้รับผิดชอบลาป่วย",
        )
        assert cycle.edit_state(staff, s).allowed
        write(staff, s, mission, "ส่งหลังเปิดให้แก้ไข")
    with at("2026-11-04 09:00"):  # the reopening has ended
        assert not cycle.edit_state(staff, s).allowed


def test_a_second_editor_with_an_old_version_is_refused_and_nothing_is_lost(
    staff, officer, mission
):
    with at("2026-10-10 09:00"):
        s = start(staff)
        first = write(staff, s, mission, "ข้อความของอำเภอ", version=0)
        assert first.version == 1
        with pytest.raises(ValidationError) as exc:
            write(officer, s, mission, "ข้อความของจังหวัด", version=0)  # loaded before
        assert "ข้อความ" not in str(exc.value) or "reload" not in str(exc.value)
        assert Narrative.objects.get(pk=first.pk).text == "ข้อความของอำเภอ"
        again = write(officer, s, mission, "ข้อความของจังหวัด", version=1)
        assert again.version == 2 and again.text == "ข้อความของจังหวัด"


def test_districts_only_reach_their_own_submissions(staff, users, mission):
    with at("2026-10-10 09:00"):
        neighbour = start(users["provincial_officer"], district="1902")
        with pytest.raises(PermissionDenied):
            start(staff, district="1902")
        assert not cycle.edit_state(staff, neighbour).allowed
        with pytest.raises(ValidationError):
            write(staff, neighbour, mission, "แอบแก้")
    assert list(Submission.objects.visible_to(staff)) == []


def test_submissions_section_over_the_api(client, staff, users, mission):
    with at("2026-10-20 08:00"):
        s = start(staff)
        cycle.submit(user=staff, submission=s)
    client.force_login(users["provincial_officer"])
    data = client.get("/api/v1/sections/submissions/?province=19&month=2569-10").json()
    rows = {r["district_code"]: r for r in data["rows"]}
    assert rows["1901"]["status"] == "on_time" and rows["1902"]["status"] == "missing"
    assert list(rows) == sorted(rows)  # official code order
    one = client.get("/api/v1/sections/submissions/?province=19&month=2026-10&district=1902")
    assert [r["district_code"] for r in one.json()["rows"]] == ["1902"]
    client.force_login(staff)
    assert client.get("/api/v1/sections/submissions/?province=10&month=2026-10").status_code == 404


def test_completeness_table_by_submission_time(staff, officer, users, mission):
    assert cycle.fiscal_months(2570)[0] == date(2026, 10, 1)
    assert cycle.fiscal_months(2570)[-1] == date(2027, 9, 1)
    with at("2026-10-20 17:00"):
        cycle.submit(user=staff, submission=start(staff))
    with at("2026-10-23 09:00"):
        late = start(officer, district="1902")
        cycle.submit(user=officer, submission=late, late_reason="ไฟฟ้าดับ")
        cycle.return_submission(user=officer, submission=late, comment="แก้ตัวเลข")
    with at("2026-11-22 09:00"):
        table = cycle.completeness(user=officer, fy=2570, level="province", code="19")
    rows = {r["code"]: r["cells"] for r in table["rows"]}
    assert rows["1901"][:3] == ["on_time", "missing", ""]  # November was due on Fri 20 Nov
    assert rows["1902"][0] == "returned"
    assert rows["1903"][:2] == ["missing", "missing"]
    assert table["totals"]["on_time"] == 1 and table["totals"]["returned"] == 1
    with at("2026-11-22 09:00"):
        mine = cycle.completeness(user=staff, fy=2570)
    assert [r["code"] for r in mine["rows"]] == ["1901"]  # a district sees its own row
