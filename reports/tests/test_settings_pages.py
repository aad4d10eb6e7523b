"""The province's reporting-cycle settings page, as its users meet it: the calendar table that
shows a holiday moving a due date, holidays, key missions (and copying last year's), headings,
indicators refused with the rule they break, reopenings, and who may change what (district
staff and the Department read; another province is 404)."""

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from conftest import cell, row_html, text_of
from reports import cycle
from reports.models import CalendarRule, Heading, Holiday, Indicator, Mission, Reopening

FY = 2570  # October 2026 to September 2027
OCT = date(2026, 10, 1)
PAGE = reverse("cycle-settings")


def url(name="cycle-settings", province="19", year=FY, **kwargs):
    return f"{reverse(name, kwargs=kwargs or None)}?province={province}&year={year}"


def th(message):
    """A service's message as a Thai user reads it."""
    with translation.override("th"):
        return translation.gettext(message)


@pytest.fixture
def admin(client, users):
    client.force_login(users["provincial_admin"])
    return users["provincial_admin"]


@pytest.fixture
def mission(users):
    return Mission.objects.create(province_id="19", fiscal_year=FY, number=1, name="โคก หนอง นา")


def page(client, **kwargs):
    response = client.get(url(**kwargs))
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- calendar and holidays


def test_a_new_holiday_on_a_due_date_shows_the_moved_due_date(client, admin):
    html = page(client)
    assert cell(html, "data-month", "2026-10", "due-monthly") == "20 ต.ค. 2569"  # a Tuesday
    assert cell(html, "data-month", "2026-10", "due-kkj_follow_up") == "15 ต.ค. 2569"

    response = client.post(
        url("cycle-settings-holiday-add"),
        {"holiday-date": "20/10/2569", "holiday-name": "วันสารทจังหวัด"},
    )
    assert response.status_code == 302

    html = page(client)
    due = cell(html, "data-month", "2026-10", "due-monthly")
    assert due.startswith("21 ต.ค. 2569")
    assert "20 ต.ค. 2569" in due and "วันสารทจังหวัด" in due  # moved from the holiday, named
    # The follow-up (the 15th) is not moved; the lock follows the moved due date.
    assert cell(html, "data-month", "2026-10", "due-kkj_follow_up") == "15 ต.ค. 2569"
    assert cycle.lock_date("19", OCT) == date(2026, 10, 31)
    assert cell(html, "data-month", "2026-10", "lock-monthly") == "31 ต.ค. 2569"
    assert cell(html, "data-holiday", "2026-10-20", "name") == "วันสารทจังหวัด"
    assert cell(html, "data-holiday", "2026-10-20", "kind") == th("This province")


def test_a_weekend_due_date_says_why_it_moved(client, admin):
    html = page(client)
    # 20 June 2027 is a Sunday.
    due = cell(html, "data-month", "2027-06", "due-monthly")
    assert due.startswith("21 มิ.ย. 2570") and th("weekend") in due


def test_the_calendar_form_sets_the_due_day_and_lock(client, admin):
    response = client.post(
        url("cycle-settings-calendar"),
        {
            "monthly-due_day": "25",
            "monthly-lock_after_days": "3",
            "kkj_follow_up-due_day": "15",
            "kkj_follow_up-lock_after_days": "10",
        },
    )
    assert response.status_code == 302
    rule = CalendarRule.objects.get(province_id="19", fiscal_year=FY, report_type="monthly")
    assert (rule.due_day, rule.lock_after_days) == (25, 3)
    html = page(client)
    assert cell(html, "data-month", "2026-10", "due-monthly").startswith("26 ต.ค. 2569")  # Sun
    assert cell(html, "data-month", "2026-10", "lock-monthly") == "29 ต.ค. 2569"
    assert cycle.lock_date("19", OCT) == date(2026, 10, 29)  # the page agrees with the cycle
    assert 'name="monthly-due_day" value="25"' in html

    # A due day past the 28th is refused on the field; nothing changes.
    response = client.post(
        url("cycle-settings-calendar"),
        {
            "monthly-due_day": "31",
            "monthly-lock_after_days": "3",
            "kkj_follow_up-due_day": "15",
            "kkj_follow_up-lock_after_days": "10",
        },
    )
    assert response.status_code == 200
    assert "errorlist" in row_html(response.content.decode(), "data-type", "monthly")
    rule.refresh_from_db()
    assert rule.due_day == 25


def test_national_holidays_are_read_only_for_the_province(client, admin, users):
    national = Holiday.objects.create(date=date(2026, 10, 23), name="วันปิยมหาราช")
    html = page(client)
    row = row_html(html, "data-holiday", "2026-10-23")
    assert th("National") in row and "delete" not in row
    assert client.post(url("cycle-settings-holiday-delete", pk=national.pk)).status_code == 403
    assert Holiday.objects.filter(pk=national.pk).exists()
    # A province's own holiday on the same day is refused, naming the national one.
    response = client.post(
        url("cycle-settings-holiday-add"), {"holiday-date": "23/10/2569", "holiday-name": "ซ้ำ"}
    )
    assert response.status_code == 200
    assert "วันปิยมหาราช" in text_of(response.content.decode())
    assert Holiday.objects.count() == 1

    # The system admin adds and removes national holidays.
    client.force_login(users["system_admin"])
    response = client.post(
        url("cycle-settings-holiday-add"),
        {"holiday-date": "05/12/2569", "holiday-name": "วันพ่อแห่งชาติ", "holiday-national": "on"},
    )
    assert response.status_code == 302
    assert Holiday.objects.get(date=date(2026, 12, 5)).province_id is None
    response = client.post(url("cycle-settings-holiday-delete", pk=national.pk))
    assert response.status_code == 302
    assert not Holiday.objects.filter(pk=national.pk).exists()


def test_a_province_removes_its_own_holiday(client, admin):
    own = Holiday.objects.create(province_id="19", date=date(2026, 11, 2), name="งานกาชาด")
    assert client.post(url("cycle-settings-holiday-delete", pk=own.pk)).status_code == 302
    assert not Holiday.objects.filter(pk=own.pk).exists()
    other = Holiday.objects.create(province_id="10", date=date(2026, 11, 2), name="กรุงเทพฯ")
    assert client.post(url("cycle-settings-holiday-delete", pk=other.pk)).status_code == 404


# ---------------------------------------------------------------- key missions and headings


def test_a_mission_is_added_and_a_duplicate_number_refused(client, admin, mission):
    response = client.post(
        url("cycle-settings-mission-add"), {"mission-number": "2", "mission-name": "ผ้าไทย"}
    )
    assert response.status_code == 302
    html = page(client)
    assert cell(html, "data-mission", "2", "name") == "ผ้าไทย"

    response = client.post(
        url("cycle-settings-mission-add"), {"mission-number": "1", "mission-name": "ซ้ำ"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert th("Key mission number %(n)s is already used this year.") % {"n": 1} in html
    assert Mission.objects.filter(fiscal_year=FY).count() == 2


def test_a_mission_is_deactivated_on_its_edit_page(client, admin, mission):
    edit = reverse("cycle-settings-mission-edit", args=[mission.pk])
    response = client.post(edit, {"mission-number": "1", "mission-name": "โคก หนอง นา (HLM)"})
    assert response.status_code == 302
    mission.refresh_from_db()
    assert (mission.name, mission.active) == ("โคก หนอง นา (HLM)", False)
    assert cell(page(client), "data-mission", "1", "status") == th("Not reported this year")


def test_last_years_missions_are_copied(client, admin):
    for number, name, active in [(1, "โคก หนอง นา", True), (2, "ผ้าไทย", True), (3, "เก่า", False)]:
        Mission.objects.create(
            province_id="19", fiscal_year=FY - 1, number=number, name=name, active=active
        )
    html = page(client)
    assert 'data-testid="missions-copy"' in html
    response = client.post(url("cycle-settings-missions-copy"))
    assert response.status_code == 302
    html = page(client)
    assert cell(html, "data-mission", "1", "name") == "โคก หนอง นา"
    assert cell(html, "data-mission", "2", "name") == "ผ้าไทย"
    assert 'data-mission="3"' not in html  # not reported last year: not copied
    assert 'data-testid="missions-copy"' not in html  # nothing left to copy
    # Copying again says so and makes nothing.
    response = client.post(url("cycle-settings-missions-copy"), follow=True)
    assert (
        th("Every key mission of fiscal year %(year)s is already in this year.") % {"year": FY - 1}
        in response.content.decode()
    )
    assert Mission.objects.filter(fiscal_year=FY).count() == 2


def test_the_eight_headings_are_listed_and_renamed(client, admin):
    html = page(client)
    assert [h.number for h in Heading.objects.filter(province_id="19", fiscal_year=FY)] == list(
        range(1, 9)
    )
    heading = Heading.objects.get(province_id="19", fiscal_year=FY, number=8)
    assert cell(html, "data-heading", "8", "title") == heading.title
    response = client.post(
        reverse("cycle-settings-heading-edit", args=[heading.pk]),
        {"heading-title": "การประชาสัมพันธ์"},
    )
    assert response.status_code == 302
    assert cell(page(client), "data-heading", "8", "title") == "การประชาสัมพันธ์"


# ---------------------------------------------------------------- indicators


def indicator_data(**overrides):
    data = {
        "number": "1",
        "name": "แปลงโคก หนอง นา ที่แล้วเสร็จ",
        "unit": "แปลง",
        "mission": "",
        "aggregation": "latest",
        "min_value": "0",
        "max_value": "500",
        "integer_only": "on",
        "no_decrease": "on",
    }
    data.update(overrides)
    return {f"indicator-{k}": v for k, v in data.items()}


def test_an_indicator_with_min_above_max_is_refused_with_the_message(client, admin, mission):
    response = client.post(
        url("cycle-settings-indicator-add"), indicator_data(min_value="100", max_value="10")
    )
    assert response.status_code == 200
    html = response.content.decode()
    message = th("The highest allowed value must not be below the lowest.")
    assert re.search("[\u0e00-\u0e7f]", message)  # in Thai
    # On the highest-allowed field of the add form, which stays open with what was typed.
    field = html[html.index('class="field f-max_value') :]
    assert message in field[: field.index("</div>\n")]
    assert '<details class="add" open data-testid="indicator-add">' in html
    assert 'value="แปลงโคก หนอง นา ที่แล้วเสร็จ"' in html
    assert not Indicator.objects.exists()


def test_an_indicator_is_added_with_all_its_rules(client, admin, mission):
    response = client.post(url("cycle-settings-indicator-add"), indicator_data(mission=mission.pk))
    assert response.status_code == 302
    indicator = Indicator.objects.get()
    assert (indicator.mission, indicator.aggregation, indicator.integer_only) == (
        mission,
        "latest",
        True,
    )
    html = page(client)
    assert cell(html, "data-indicator", "1", "mission") == "1. โคก หนอง นา"
    rules = cell(html, "data-indicator", "1", "rules")
    assert "500" in rules and th("not below last month") in rules
    assert cell(html, "data-mission", "1", "indicators") == "1"

    # Its edit page changes it; the key mission offered are this province's and year's only.
    Mission.objects.create(province_id="19", fiscal_year=FY - 1, number=9, name="ปีก่อน")
    Mission.objects.create(province_id="10", fiscal_year=FY, number=8, name="กรุงเทพฯ")
    edit = reverse("cycle-settings-indicator-edit", args=[indicator.pk])
    form = client.get(edit).content.decode()
    assert "โคก หนอง นา" in form and "ปีก่อน" not in form and "กรุงเทพฯ" not in form
    other = Mission.objects.get(number=9)
    response = client.post(edit, indicator_data(mission=other.pk, active="on"))
    assert response.status_code == 200  # not a choice
    response = client.post(edit, indicator_data(mission=mission.pk, unit="ไร่", active="on"))
    assert response.status_code == 302
    assert Indicator.objects.get().unit == "ไร่"


# ---------------------------------------------------------------- reopenings


def test_a_reopening_shows_in_the_list(client, admin):
    clock = datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("Asia/Bangkok"))
    with time_machine.travel(clock, tick=False):
        response = client.post(
            url("cycle-settings-reopen"),
            {
                "reopen-district": "1902",
                "reopen-month": "2026-10-01",
                "reopen-until": "30/11/2569",
                "reopen-reason": "ส่งข้อมูลกองทุนไม่ครบ",
            },
        )
        assert response.status_code == 302
        html = page(client)
    row = "1902-2026-10"
    assert cell(html, "data-reopening", row, "month") == "ตุลาคม 2569"
    assert cell(html, "data-reopening", row, "until") == "30 พ.ย. 2569"
    assert cell(html, "data-reopening", row, "reason") == "ส่งข้อมูลกองทุนไม่ครบ"
    assert Reopening.objects.get().reopened_by == admin

    # An end date in the past is refused on its field.
    with time_machine.travel(clock, tick=False):
        response = client.post(
            url("cycle-settings-reopen"),
            {
                "reopen-district": "1901",
                "reopen-month": "2026-10-01",
                "reopen-until": "01/11/2569",
                "reopen-reason": "x",
            },
        )
    assert response.status_code == 200
    assert th("The reopening must end today or later.") in response.content.decode()
    assert Reopening.objects.count() == 1


# ---------------------------------------------------------------- who may do what


@pytest.mark.parametrize("role", ["district_staff", "department_viewer"])
def test_readers_see_no_forms_and_cannot_add_a_mission(client, users, mission, role):
    client.force_login(users[role])
    html = page(client)
    assert cell(html, "data-mission", "1", "name") == "โคก หนอง นา"
    assert 'data-testid="read-only"' in html
    assert 'method="post" action="/reports' not in html
    for form in ("calendar-form", "holiday-form", "mission-form", "indicator-form", "reopen-form"):
        assert f'data-testid="{form}"' not in html
    response = client.post(
        url("cycle-settings-mission-add"), {"mission-number": "2", "mission-name": "ผ้าไทย"}
    )
    assert response.status_code == 403
    assert client.get(reverse("cycle-settings-mission-edit", args=[mission.pk])).status_code == 403
    assert Mission.objects.count() == 1


def test_district_staff_see_their_own_province_by_default(client, users):
    client.force_login(users["district_staff"])
    response = client.get(PAGE)
    assert response.status_code == 200
    assert response.context["scope"].province.code == "19"


def test_another_provinces_settings_are_404(client, admin):
    other = Mission.objects.create(province_id="10", fiscal_year=FY, number=1, name="กรุงเทพฯ")
    assert client.get(url(province="10")).status_code == 404
    response = client.post(
        url("cycle-settings-mission-add", province="10"),
        {"mission-number": "2", "mission-name": "x"},
    )
    assert response.status_code == 404
    assert client.get(reverse("cycle-settings-mission-edit", args=[other.pk])).status_code == 404


def test_the_department_chooses_a_province_first(client, users):
    client.force_login(users["department_viewer"])
    html = client.get(PAGE).content.decode()
    assert 'name="province"' in html and 'data-testid="calendar-table"' not in html
