"""The dashboards over the API: the same figures as the selectors as JSON numbers and ISO
dates, the user's own area by default, 404 outside it, token authentication, the schema."""

from datetime import date

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token

from dashboards import refresh, selectors
from dashboards.api import jsonable
from dashboards.tests.conftest import NOV

URL = "/api/v1/dashboard/"


@pytest.fixture
def refreshed(province):
    refresh.refresh_all(provinces=["19", "10"])
    return province


def test_the_json_is_the_selectors_figures(client, refreshed, officer):
    client.force_login(officer)
    response = client.get(URL, {"level": "province", "code": "19", "month": "2569-11"})
    assert response.status_code == 200
    data = response.json()
    expected = selectors.dashboard(user=officer, level="province", code="19", month=NOV)
    assert data == jsonable(expected)
    assert (data["month"], data["fiscal_year"]) == ("2026-11-01", 2570)
    assert data["months"] == ["2026-10-01", "2026-11-01"]
    assert data["refreshed_at"].startswith("2026-11-25T10:00:00") and data["refreshed_at"].endswith(
        "+07:00"
    )
    cards = {c["key"]: c for c in data["cards"]}
    assert list(cards) == selectors.KEYS
    assert cards["plan_pct"]["value"] == 60.0 and isinstance(cards["plan_pct"]["value"], float)
    assert cards["plan_pct"]["status"] == "red" and cards["plan_pct"]["target"] == 95.0
    assert cards["plan_pct"]["trend"][0] == {
        "month": "2026-10-01",
        "label": "ต.ค. 69",
        "value": 40.0,
    }
    assert cards["kkj"]["detail"]["levels"] == {"1": 1, "2": 1, "3": 1}
    assert cards["submissions"]["detail"]["due_on"] == "2026-11-20"
    assert data["area"] == {"level": "province", "code": "19", "name": "สระบุรี"}
    assert len(data["children"]["rows"]) == 13


def test_without_a_level_the_users_own_area(client, refreshed, users):
    for role, area in (
        ("district_staff", {"level": "district", "code": "1901"}),
        ("provincial_officer", {"level": "province", "code": "19"}),
        ("department_viewer", {"level": "national", "code": None}),
    ):
        client.force_login(users[role])
        data = client.get(URL, {"month": "2026-11"}).json()
        assert {k: data["area"][k] for k in ("level", "code")} == area, role


def test_this_month_when_no_month_is_given(client, refreshed, officer):
    client.force_login(officer)
    data = client.get(URL, {"level": "district", "code": "1901"}).json()
    assert data["month"] == "2026-11-01"  # today is 25 November 2026 (conftest)


@pytest.mark.parametrize(
    "params,status",
    [
        ({"level": "country"}, 400),
        ({"level": "province", "code": "19", "month": "13/2569"}, 400),
        ({"level": "province", "code": "99"}, 404),
        ({"level": "village", "code": "19999999"}, 404),
        ({"level": "province"}, 404),
        ({"level": "province", "code": "10"}, 404),  # outside the officer's province
        ({"level": "national"}, 404),
    ],
)
def test_bad_requests(client, refreshed, officer, params, status):
    client.force_login(officer)
    assert client.get(URL, params).status_code == status


def test_token_authentication_and_anonymous(client, refreshed, users):
    token = Token.objects.create(user=users["district_staff"])
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    ok = client.get(URL, {"level": "village", "code": "19010101", "month": "2026-11"}, **auth)
    assert ok.status_code == 200 and ok.json()["area"]["code"] == "19010101"
    assert client.get(URL, {"level": "province", "code": "19"}, **auth).status_code == 404
    assert client.get(URL).status_code in (401, 403)


def test_ranking(client, refreshed, users):
    client.force_login(users["department_viewer"])
    data = client.get(reverse("api:dashboard-ranking"), {"month": "2026-11"}).json()
    assert data["month"] == "2026-11-01" and data["ranks"]["plan_pct"] == ["19", "10"]
    assert [p["code"] for p in data["provinces"]] == ["10", "19"]
    assert data["provinces"][1]["values"]["plan_pct"] == 60.0
    client.force_login(users["provincial_officer"])
    assert client.get(reverse("api:dashboard-ranking")).status_code == 404


def test_the_schema_lists_the_dashboard(client, users):
    client.force_login(users["department_viewer"])
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert "/api/v1/dashboard/" in schema["paths"]
    assert "/api/v1/dashboard/ranking/" in schema["paths"]
    params = {p["name"] for p in schema["paths"]["/api/v1/dashboard/"]["get"]["parameters"]}
    assert {"level", "code", "month"} <= params


def test_jsonable():
    assert jsonable({"a": [date(2026, 1, 1)], 1: None}) == {"a": ["2026-01-01"], "1": None}
