"""The monthly submissions and indicator values over the API, with a frozen clock: scoped
lists (404 outside the area), sections that refuse an old version with 409, values refused
outside their bounds, and the submit / return / approve flow, all with token auth."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.authtoken.models import Token

from reports.models import Indicator, IndicatorValue, Mission, Narrative, Submission

BKK = ZoneInfo("Asia/Bangkok")


def at(text: str):
    """Freeze the clock at a Bangkok wall-clock time."""
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


def api(user):
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **api(user))


@pytest.fixture
def mission(users):
    return Mission.objects.create(province_id="19", fiscal_year=2570, number=1, name="โคก หนอง นา")


@pytest.fixture
def plots(users):
    """Khok Nong Na plots finished in FY 2570: at most 100 per district."""
    return Indicator.objects.create(
        province_id="19",
        fiscal_year=2570,
        number=1,
        name="แปลงโคก หนอง นา ที่แล้วเสร็จ",
        unit="แปลง",
        min_value=0,
        max_value=100,
    )


def start(client, user, district="1901", month="2569-10"):
    """POST /submissions/: the district's draft for the month (October 2026)."""
    return post(client, "/api/v1/submissions/", {"district": district, "month": month}, user)


def test_a_district_lists_only_its_own_submissions_and_gets_404_for_another(
    client, staff, officer, mission, django_assert_max_num_queries
):
    with at("2026-10-10 09:00"):
        mine = start(client, staff).json()["id"]
        theirs = start(client, officer, district="1902").json()["id"]
        data = client.get("/api/v1/submissions/", **api(staff)).json()
        assert set(data) == {"count", "next", "previous", "results"}
        assert [s["district_code"] for s in data["results"]] == ["1901"]
        assert client.get(f"/api/v1/submissions/{theirs}/", **api(staff)).status_code == 404
        section = {"mission": 1, "heading": 1, "text": "แอบแก้", "version": 0}
        url = f"/api/v1/submissions/{theirs}/sections/"
        assert post(client, url, section, staff).status_code == 404
        assert start(client, staff, district="1902").status_code == 404
        assert not Narrative.objects.exists()
        # The province sees both and filters by district and month (C.E. or B.E.).
        by_district = client.get("/api/v1/submissions/?district=1902", **api(officer)).json()
        assert [s["id"] for s in by_district["results"]] == [theirs]
        with django_assert_max_num_queries(9):  # the same for a page of 2 or of 50
            october = client.get("/api/v1/submissions/?month=2569-10", **api(officer)).json()
        assert {s["id"] for s in october["results"]} == {mine, theirs}
        september = client.get("/api/v1/submissions/?month=2026-09", **api(officer)).json()
        assert september["count"] == 0
        bad = client.get("/api/v1/submissions/?month=2026-13", **api(officer))
        assert bad.status_code == 400 and "month" in bad.json()


def test_posting_a_submission_starts_the_draft_once(client, staff, users):
    with at("2026-10-10 09:00"):
        first = start(client, staff)
        assert first.status_code == 201
        body = first.json()
        assert (body["district_code"], body["province_code"], body["month"]) == (
            "1901",
            "19",
            "2026-10",
        )
        assert (body["status"], body["timeliness"], body["due_on"]) == (
            "draft",
            "missing",
            "2026-10-20",
        )
        again = start(client, staff, month="2026-10")
        assert again.status_code == 200 and again.json()["id"] == body["id"]
        assert Submission.objects.count() == 1
        future = start(client, staff, month="2026-11")
        assert future.status_code == 400
        assert start(client, users["department_viewer"]).status_code == 403


def test_saving_a_section_with_an_old_version_is_a_conflict(client, staff, officer, mission):
    staff.first_name, staff.last_name = "มานี", "มีนา"
    staff.save()
    with at("2026-10-10 09:00"):
        pk = start(client, staff).json()["id"]
        url = f"/api/v1/submissions/{pk}/sections/"
        body = {"mission": 1, "heading": 2, "text": "ปัญหา: ฝนทิ้งช่วง", "version": 0}
        saved = post(client, url, body, staff)
        assert saved.status_code == 200
        assert saved.json() == {"mission": 1, "heading": 2, "text": body["text"], "version": 1}
        # The province loaded the section at version 0 too: its save is refused, not lost.
        stale = post(client, url, dict(body, text="ข้อความของจังหวัด"), officer)
        assert stale.status_code == 409
        assert "มานี มีนา" in stale.json()["detail"]  # says who saved in between
        assert Narrative.objects.get().text == "ปัญหา: ฝนทิ้งช่วง"
        merged = post(client, url, dict(body, text="ข้อความรวม", version=1), officer)
        assert merged.status_code == 200 and merged.json()["version"] == 2
        unknown = post(client, url, dict(body, mission=9, version=2), staff)
        assert unknown.status_code == 400 and "mission" in unknown.json()
        detail = client.get(f"/api/v1/submissions/{pk}/", **api(staff)).json()
    assert detail["narratives"] == [{"mission": 1, "heading": 2, "text": "ข้อความรวม", "version": 2}]


def test_values_are_refused_outside_their_bounds_and_a_jump_needs_a_reason(
    client, staff, officer, plots
):
    with at("2026-10-10 09:00"):
        october = start(client, staff).json()["id"]
        body = {"submission": october, "indicator": 1, "value": "150", "version": 0}
        over = post(client, "/api/v1/indicator-values/", body, staff)
        assert over.status_code == 400
        assert "100" in " ".join(over.json()["value"])  # names the bound
        assert not IndicatorValue.objects.exists()
        made = post(client, "/api/v1/indicator-values/", dict(body, value="40"), staff)
        assert made.status_code == 201
        assert (made.json()["value"], made.json()["version"], made.json()["month"]) == (
            "40.00",
            1,
            "2026-10",
        )
        stale = post(client, "/api/v1/indicator-values/", dict(body, value="42"), officer)
        assert stale.status_code == 409
        replaced = post(
            client, "/api/v1/indicator-values/", dict(body, value="42", version=1), staff
        )
        assert replaced.status_code == 200 and replaced.json()["version"] == 2
        neighbour = start(client, officer, district="1902").json()["id"]
        outside = dict(body, submission=neighbour, value="5")
        assert post(client, "/api/v1/indicator-values/", outside, staff).status_code == 404
        unknown = post(client, "/api/v1/indicator-values/", dict(body, indicator=7), staff)
        assert unknown.status_code == 400 and "indicator" in unknown.json()
    with at("2026-11-10 09:00"):
        november = start(client, staff, month="2026-11").json()["id"]
        jump = {"submission": november, "indicator": 1, "value": "90", "version": 0}
        refused = post(client, "/api/v1/indicator-values/", jump, staff)
        assert refused.status_code == 400 and set(refused.json()) == {"reason"}
        reason = "เร่งขุดแปลงก่อนฤดูฝน"
        confirmed = dict(jump, confirm=True, reason=reason)
        made = post(client, "/api/v1/indicator-values/", confirmed, staff)
        assert made.status_code == 201 and made.json()["reason"] == reason
    rows = client.get("/api/v1/indicator-values/?indicator=1", **api(staff)).json()["results"]
    assert [(r["month"], r["value"]) for r in rows] == [("2026-11", "90.00"), ("2026-10", "42.00")]
    one = client.get("/api/v1/indicator-values/?month=2569-11", **api(officer)).json()
    assert one["count"] == 1 and Decimal(one["results"][0]["value"]) == 90
    detail = client.get(f"/api/v1/submissions/{november}/", **api(staff)).json()
    assert detail["values"] == [{"indicator": 1, "value": "90.00", "reason": reason, "version": 1}]


def test_submit_return_and_approve_change_the_status(client, staff, officer, mission):
    with at("2026-10-19 10:00"):
        pk = start(client, staff).json()["id"]
        url = f"/api/v1/submissions/{pk}/"
        sent = post(client, url + "submit/", {}, staff)
        assert sent.status_code == 200
        assert (sent.json()["status"], sent.json()["timeliness"]) == ("submitted", "on_time")
        assert post(client, url + "approve/", {}, staff).status_code == 403  # districts don't
    with at("2026-10-22 10:00"):
        blank = post(client, url + "return/", {"comment": " "}, officer)
        assert blank.status_code == 400 and "comment" in blank.json()
        returned = post(
            client, url + "return/", {"comment": "เพิ่มจำนวนครัวเรือน", "mission": 1}, officer
        )
        assert returned.status_code == 200
        assert returned.json()["status"] == "returned"
        assert [(c["mission"], c["text"]) for c in returned.json()["comments"]] == [
            (1, "เพิ่มจำนวนครัวเรือน")
        ]
        again = post(client, url + "return/", {"comment": "ซ้ำ"}, officer)
        assert again.status_code == 400  # only a submitted report can be returned
        resent = post(client, url + "submit/", {}, staff)  # late now, but not the first time
        assert resent.json()["status"] == "resubmitted"
        approved = post(client, url + "approve/", {}, officer)
        assert approved.status_code == 200 and approved.json()["status"] == "approved"
        section = {"mission": 1, "heading": 1, "text": "แก้หลังอนุมัติ", "version": 0}
        locked = post(client, url + "sections/", section, staff)
        assert locked.status_code == 400  # locked, not a conflict
    body = client.get(url, **api(officer)).json()
    assert body["timeliness"] == "on_time" and body["first_submitted_at"].startswith(
        "2026-10-19T10:00:00"
    )


def test_a_late_submission_needs_a_reason(client, officer):
    with at("2026-10-21 09:00"):
        pk = start(client, officer, district="1902").json()["id"]
        url = f"/api/v1/submissions/{pk}/submit/"
        refused = post(client, url, {}, officer)
        assert refused.status_code == 400 and "late_reason" in refused.json()
        sent = post(client, url, {"late_reason": "ระบบอินเทอร์เน็ตขัดข้อง"}, officer)
    assert sent.json()["timeliness"] == "late"
    assert sent.json()["late_reason"] == "ระบบอินเทอร์เน็ตขัดข้อง"


def test_token_auth_is_required(client, staff):
    assert client.get("/api/v1/submissions/").status_code in (401, 403)
    wrong = client.get("/api/v1/submissions/", HTTP_AUTHORIZATION="Token not-a-key")
    assert wrong.status_code in (401, 403)
    assert client.get("/api/v1/indicator-values/", **api(staff)).status_code == 200


def test_the_schema_documents_the_new_resources(client, officer):
    client.force_login(officer)
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200
    for path in (
        b"/api/v1/submissions/{id}/sections/",
        b"/api/v1/submissions/{id}/return/",
        b"/api/v1/indicator-values/",
        b"/api/v1/sv-assessments/",
    ):
        assert path in schema.content
