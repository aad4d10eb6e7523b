"""Sustainable Village assessments over the API: scoped like everything else (404 outside
the area) and written through ``assessment_save``, naming indicators by their codes."""

import pytest
from django.utils import timezone
from rest_framework.authtoken.models import Token

from cdd.thai import fiscal_year
from conftest import add_months
from villages.models import SvAssessment, SvIndicator, SvIndicatorSet
from villages.sv_services import assessment_save, designate

TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
FY = fiscal_year(TODAY)
URL = "/api/v1/sv-assessments/"


def api(user):
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post(client, body, user):
    return client.post(URL, body, content_type="application/json", **api(user))


@pytest.fixture
def indicators(users):
    """This fiscal year's set: B1-B3 basic, D1.1-D1.2 in dimension 1."""
    sv_set = SvIndicatorSet.objects.create(
        fiscal_year=FY, name=f"ตัวชี้วัดหมู่บ้านยั่งยืน {FY}", loaded_at=timezone.now()
    )
    rows = [("basic", None, n, f"B{n}") for n in range(1, 4)]
    rows += [("dimension", 1, n, f"D1.{n}") for n in range(1, 3)]
    for kind, dimension, number, code in rows:
        SvIndicator.objects.create(
            set=sv_set, kind=kind, dimension=dimension, number=number, code=code, name=code
        )
    return {i.code: i.pk for i in SvIndicator.objects.all()}


@pytest.fixture
def designated(users, villages, indicators):
    """The home and the neighbour-district village, each assessed this month."""
    admin = users["system_admin"]
    out = {}
    for key in ("home", "neighbour"):
        sv = designate(user=admin, village=villages[key], fiscal_year=FY, households=10, people=30)
        out[key] = assessment_save(
            user=admin, designation=sv, month=THIS_MONTH, indicator_ids=[indicators["B1"]]
        )
    return out


def test_assessments_are_scoped_to_the_users_area(client, users, staff, designated):
    mine = client.get(URL, **api(staff)).json()
    assert [a["village_code"] for a in mine["results"]] == ["19010101"]
    assert mine["results"][0]["indicators_met"] == ["B1"]
    assert mine["results"][0]["month"] == f"{THIS_MONTH:%Y-%m}"
    assert mine["results"][0]["fiscal_year"] == FY
    theirs = designated["neighbour"].pk
    assert client.get(f"{URL}{theirs}/", **api(staff)).status_code == 404
    officer = client.get(f"{URL}?district=1902", **api(users["provincial_officer"])).json()
    assert [a["id"] for a in officer["results"]] == [theirs]
    everyone = client.get(URL, **api(users["department_viewer"])).json()
    assert everyone["count"] == 2
    be_month = f"{THIS_MONTH.year + 543}-{THIS_MONTH.month:02d}"
    assert client.get(f"{URL}?month={be_month}", **api(staff)).json()["count"] == 1
    last_month = f"{add_months(THIS_MONTH, -1):%Y-%m}"
    assert client.get(f"{URL}?month={last_month}", **api(staff)).json()["count"] == 0
    assert client.get(f"{URL}?fiscal_year={FY - 1}", **api(staff)).json()["count"] == 0


def test_posting_records_then_replaces_the_months_indicators(client, staff, designated):
    body = {"village_code": "19010101", "month": f"{THIS_MONTH:%Y-%m}"}
    replaced = post(client, {**body, "indicators_met": ["D1.2", "B2", "B3"]}, staff)
    assert replaced.status_code == 200, replaced.json()
    assert replaced.json()["indicators_met"] == ["B2", "B3", "D1.2"]  # the set's order
    assessment = SvAssessment.objects.get(pk=designated["home"].pk)
    assert set(assessment.indicators_met.values_list("code", flat=True)) == {"B2", "B3", "D1.2"}
    assert assessment.assessed_by == staff
    if THIS_MONTH.month != 10:  # last month is in the same fiscal year
        earlier = {**body, "month": f"{add_months(THIS_MONTH, -1):%Y-%m}", "indicators_met": []}
        made = post(client, earlier, staff)
        assert made.status_code == 201 and made.json()["indicators_met"] == []


def test_posting_outside_the_area_or_the_set_is_refused(client, users, staff, designated):
    month = f"{THIS_MONTH:%Y-%m}"
    outside = {"village_code": "19020101", "month": month, "indicators_met": ["B1"]}
    assert post(client, outside, staff).status_code == 404
    unknown = {"village_code": "19010101", "month": month, "indicators_met": ["B1", "X9"]}
    refused = post(client, unknown, staff)
    assert refused.status_code == 400 and "X9" in " ".join(refused.json()["indicators_met"])
    earlier_year = f"{THIS_MONTH.year - 2}-{THIS_MONTH.month:02d}"
    not_designated = {"village_code": "19010101", "month": earlier_year, "indicators_met": []}
    refused = post(client, not_designated, staff)
    assert refused.status_code == 400 and "village_code" in refused.json()
    bad_month = post(client, {**unknown, "month": "13/2569"}, staff)
    assert bad_month.status_code == 400 and "month" in bad_month.json()
    assert post(client, unknown, users["department_viewer"]).status_code == 403
    home = SvAssessment.objects.get(pk=designated["home"].pk)
    assert list(home.indicators_met.values_list("code", flat=True)) == ["B1"]  # unchanged
