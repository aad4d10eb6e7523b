"""Supervision visits as each role sees them: the province plans (create, edit, findings),
district staff read the visits to their own district, other provinces see nothing; the month's
plan page and the printable one-page plan."""

import re
from datetime import date, time

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext

from accounts.choices import Role
from conftest import be, cell, make_user, text_of
from visits import services
from visits.models import Status, Visit

pytestmark = pytest.mark.django_db

MONTH = date(2026, 11, 1)
QUERY = "province=19&month=11&year=2569"


def login(client, user):
    client.force_login(user)
    return client


def plan(user, district, day, start, end=None, **fields):
    visit = Visit(
        district_id=district,
        date=day,
        start_time=start,
        end_time=end,
        team=fields.pop("team", "นายสมชาย ใจดี\nนางสาวมาลี ศรีสุข"),
        topics=fields.pop("topics", "กองทุนพัฒนาบทบาทสตรี"),
        **fields,
    )
    return services.visit_save(user=user, visit=visit)


@pytest.fixture
def visits(officer):
    """In November 2569: 1902 on the 20th, 1901 on the 5th (two, morning and afternoon);
    1901 in December; one in Bangkok (by the system admin)."""
    root = make_user("root2", Role.SYSTEM_ADMIN)
    return {
        "late": plan(officer, "1902", date(2026, 11, 20), time(9, 0), time(12, 0)),
        "afternoon": plan(officer, "1901", date(2026, 11, 5), time(13, 30), topics="ศจพ."),
        "morning": plan(officer, "1901", date(2026, 11, 5), time(9, 0), time(11, 30)),
        "december": plan(officer, "1901", date(2026, 12, 3), time(9, 0)),
        "bangkok": plan(root, "1001", date(2026, 11, 10), time(10, 0)),
    }


def form_data(**overrides):
    data = {
        "date": be(date(2026, 11, 12)),
        "start_time": "09:00",
        "end_time": "12:00",
        "district": "1903",
        "team": "นายสมชาย ใจดี\n\n  นางสาวมาลี ศรีสุข  ",
        "topics": "โคก หนอง นา\nผ้าไทยใส่ให้สนุก",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- scoping


def test_scoping_by_role(users, visits):
    ids = {name: v.pk for name, v in visits.items()}
    seen = {
        role: set(Visit.objects.visible_to(user).values_list("pk", flat=True))
        for role, user in users.items()
    }
    assert seen["district_staff"] == {ids["afternoon"], ids["morning"], ids["december"]}
    assert seen["provincial_officer"] == set(ids.values()) - {ids["bangkok"]}
    assert seen["department_viewer"] == set(ids.values())
    assert not Visit.objects.editable_by(users["district_staff"]).exists()
    assert not Visit.objects.editable_by(users["department_viewer"]).exists()
    assert Visit.objects.editable_by(users["provincial_admin"]).count() == 4


def test_district_staff_read_their_district_only(client, staff, visits):
    c = login(client, staff)
    html = c.get(f"/visits/?{QUERY}").content.decode()
    assert f'data-visit="{visits["morning"].pk}"' in html
    assert f'data-visit="{visits["late"].pk}"' not in html
    assert "/visits/new/" not in html and "/edit/" not in html
    assert c.get(f"/visits/{visits['morning'].pk}/").status_code == 200
    assert c.get(f"/visits/{visits['late'].pk}/").status_code == 404
    assert c.get(f"/visits/{visits['bangkok'].pk}/").status_code == 404
    # Their own district's visit: read-only.
    assert c.get(f"/visits/{visits['morning'].pk}/edit/").status_code == 403
    assert c.post(f"/visits/{visits['morning'].pk}/findings/", {"findings": "x"}).status_code == 403
    assert c.get("/visits/new/").status_code == 403
    assert c.post("/visits/new/", form_data(district="1901")).status_code == 403
    with pytest.raises(PermissionDenied):
        plan(staff, "1901", date(2026, 11, 6), time(9, 0))
    assert Visit.objects.count() == 5


def test_another_province_sees_nothing(client, visits):
    bangkok = make_user("officer10", Role.PROVINCIAL_OFFICER, province="10")
    c = login(client, bangkok)
    for pk in (visits["morning"].pk, visits["late"].pk):
        assert c.get(f"/visits/{pk}/").status_code == 404
        assert c.get(f"/visits/{pk}/edit/").status_code == 404
        assert c.post(f"/visits/{pk}/findings/", {"findings": "x"}).status_code == 404
    assert c.get(f"/visits/print/?{QUERY}").status_code == 404
    assert c.get(f"/visits/?{QUERY}").status_code == 404
    # Planning in province 19 is refused.
    response = c.post("/visits/new/", form_data())
    assert response.status_code == 200 and Visit.objects.count() == 5


def test_department_viewer_reads_all_and_changes_nothing(client, users, visits):
    c = login(client, users["department_viewer"])
    # The whole country: a province is chosen first.
    assert gettext("Choose a province to see its plan.") in c.get("/visits/").content.decode()
    html = c.get(f"/visits/?{QUERY}").content.decode()
    assert f'data-visit="{visits["late"].pk}"' in html
    assert c.get(f"/visits/{visits['bangkok'].pk}/").status_code == 200
    assert c.get(f"/visits/{visits['late'].pk}/edit/").status_code == 403
    assert c.get("/visits/new/").status_code == 403


# ---------------------------------------------------------------- planning and findings


def test_officer_plans_a_visit(client, officer):
    c = login(client, officer)
    page = c.get("/visits/new/").content.decode()
    # Only the districts of the officer's province are offered.
    assert 'value="1901"' in page and 'value="1001"' not in page and 'name="status"' not in page
    response = c.post("/visits/new/", form_data())
    visit = Visit.objects.get()
    assert response.status_code == 302 and response.url == f"/visits/{visit.pk}/"
    assert (visit.province_id, visit.district_id, visit.date) == ("19", "1903", date(2026, 11, 12))
    assert (visit.start_time, visit.end_time) == (time(9, 0), time(12, 0))
    assert visit.team == "นายสมชาย ใจดี\nนางสาวมาลี ศรีสุข"
    assert visit.status == Status.PLANNED and visit.created_by == officer
    detail = text_of(c.get(response.url).content.decode())
    assert "12 พฤศจิกายน 2569" in detail and "09:00–12:00 น." in detail


def test_a_district_of_another_province_is_refused(client, officer):
    response = login(client, officer).post("/visits/new/", form_data(district="1001"))
    assert response.status_code == 200 and not Visit.objects.exists()
    assert 'name="district"' in response.content.decode()


def test_officer_edits_a_visit(client, users, visits):
    c = login(client, users["provincial_admin"])
    visit = visits["late"]
    page = c.get(f"/visits/{visit.pk}/edit/").content.decode()
    assert 'value="20/11/2569"' in page and 'value="09:00"' in page
    data = form_data(date="21/11/2569", start_time="10:00", end_time="", status="cancelled")
    response = c.post(f"/visits/{visit.pk}/edit/", data)
    assert response.status_code == 302
    visit.refresh_from_db()
    assert visit.date == date(2026, 11, 21) and visit.end_time is None
    assert visit.status == Status.CANCELLED and visit.district_id == "1903"
    assert visit.created_by == users["provincial_officer"]


def test_end_time_before_start_time_is_refused(client, officer):
    c = login(client, officer)
    message = gettext("The end time must be after the start time.")
    for end in ("08:30", "09:00"):
        response = c.post("/visits/new/", form_data(start_time="09:00", end_time=end))
        assert response.status_code == 200 and not Visit.objects.exists()
        errors = re.search(
            r'name="end_time".*?<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>',
            response.content.decode(),
            re.S,
        )
        assert errors and message in errors.group(1)
    with pytest.raises(ValidationError) as exc:
        plan(officer, "1901", date(2026, 11, 6), time(9, 0), time(8, 0))
    assert exc.value.message_dict["end_time"] == [message]


def test_findings_mark_the_visit_done(client, officer, visits):
    c = login(client, officer)
    visit = visits["morning"]
    assert c.post(f"/visits/{visit.pk}/findings/", {"findings": "  "}).status_code == 200
    visit.refresh_from_db()
    assert visit.status == Status.PLANNED
    response = c.post(
        f"/visits/{visit.pk}/findings/",
        {"findings": "บัญชีกองทุนเป็นปัจจุบัน", "followed_up": "แนะนำให้ประชุมกรรมการทุกเดือน"},
    )
    assert response.status_code == 302 and response.url == "/visits/?" + QUERY
    visit.refresh_from_db()
    assert visit.status == Status.DONE and visit.findings == "บัญชีกองทุนเป็นปัจจุบัน"
    assert visit.followed_up == "แนะนำให้ประชุมกรรมการทุกเดือน"


# ---------------------------------------------------------------- list and print


def test_list_filters_month_district_and_status(client, officer, visits):
    c = login(client, officer)
    html = c.get(f"/visits/?{QUERY}").content.decode()
    order = [int(pk) for pk in re.findall(r'<tr data-visit="(\d+)"', html)]
    assert order == [visits["morning"].pk, visits["afternoon"].pk, visits["late"].pk]
    assert cell(html, "data-visit", str(visits["morning"].pk), "date") == "5 พ.ย. 2569"
    assert cell(html, "data-visit", str(visits["morning"].pk), "time") == "09:00–11:30 น."
    assert cell(html, "data-visit", str(visits["afternoon"].pk), "time") == "13:30 น."
    html = c.get(f"/visits/?{QUERY}&district=1902").content.decode()
    assert re.findall(r'<tr data-visit="(\d+)"', html) == [str(visits["late"].pk)]
    html = c.get("/visits/?province=19&month=12&year=2569").content.decode()
    assert re.findall(r'<tr data-visit="(\d+)"', html) == [str(visits["december"].pk)]
    services.visit_record_findings(user=officer, visit=visits["late"], findings="เรียบร้อย")
    html = c.get(f"/visits/?{QUERY}&status=done").content.decode()
    assert re.findall(r'<tr data-visit="(\d+)"', html) == [str(visits["late"].pk)]


def test_print_page_lists_the_month_in_date_order(client, staff, officer, visits):
    c = login(client, officer)
    response = c.get(f"/visits/print/?{QUERY}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "@page { size: A4 landscape; margin: 12mm; }" in html
    assert "fonts/sarabun/Sarabun-Regular.ttf" in html
    text = text_of(html)
    assert "แผนการออกตรวจติดตามการปฏิบัติงาน เดือนพฤศจิกายน พ.ศ. 2569" in text
    for heading in ("ลำดับ", "วัน เดือน ปี", "เวลา", "อำเภอ", "คณะผู้ตรวจ", "ประเด็นการตรวจติดตาม"):
        assert f"<th>{heading}</th>" in html
    rows = re.findall(r'<tr data-visit="(\d+)"', html)
    assert rows == [str(v.pk) for v in (visits["morning"], visits["afternoon"], visits["late"])]
    late = str(visits["late"].pk)
    assert cell(html, "data-visit", late, "n") == "3"
    assert cell(html, "data-visit", late, "date") == "20 พ.ย. 2569"
    assert cell(html, "data-visit", late, "time") == "09.00–12.00 น."
    assert cell(html, "data-visit", late, "team") == "นายสมชาย ใจดี นางสาวมาลี ศรีสุข"
    # District staff print their district's visits only.
    html = login(client, staff).get(f"/visits/print/?{QUERY}").content.decode()
    assert len(re.findall(r'<tr data-visit="', html)) == 2


def test_nav_item(client, staff):
    html = login(client, staff).get("/visits/").content.decode()
    assert re.search(r'<a href="/visits/" class="active">', html)
