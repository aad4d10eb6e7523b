"""Households and assistance over the API, and the households report section."""

import pytest
from rest_framework.authtoken.models import Token

from households.models import Assistance, NationalIdReveal

from .conftest import valid_national_id


def api(client, user):
    token = Token.objects.create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


@pytest.mark.parametrize(
    "role,expected",
    [
        ("district_staff", ["19010101001", "19010101002"]),
        ("provincial_officer", ["19010101001", "19010101002", "19020101001"]),
        ("department_viewer", ["10010101001", "19010101001", "19010101002", "19020101001"]),
    ],
)
def test_household_list_is_scoped(client, users, households, role, expected):
    data = client.get("/api/v1/households/", **api(client, users[role])).json()
    assert sorted(h["house_code"] for h in data["results"]) == expected


@pytest.mark.parametrize(
    "role,neighbour,other",
    [
        ("district_staff", 404, 404),
        ("provincial_officer", 200, 404),
        ("department_viewer", 200, 200),
    ],
)
def test_household_detail_outside_area_is_404(client, users, households, role, neighbour, other):
    auth = api(client, users[role])
    assert client.get("/api/v1/households/19020101001/", **auth).status_code == neighbour
    assert client.get("/api/v1/households/10010101001/", **auth).status_code == other


def test_national_id_is_masked_and_reveal_is_logged(client, users, households):
    h = households["home1"]
    h.national_id = valid_national_id("110170020345")
    h.save()
    auth = api(client, users["district_staff"])
    body = client.get("/api/v1/households/19010101001/", **auth).json()
    assert "national_id" not in body and body["national_id_masked"].startswith("x-xxxx-xxxxx-")
    revealed = client.post("/api/v1/households/19010101001/national-id/", **auth).json()
    assert revealed["national_id"] == h.national_id
    assert NationalIdReveal.objects.filter(household=h, source="api").count() == 1
    dept = api(client, users["department_viewer"])
    assert client.post("/api/v1/households/19010101001/national-id/", **dept).status_code == 403


def test_create_household_and_assistance_through_the_api(client, users, villages):
    auth = api(client, users["district_staff"])
    payload = {
        "house_code": "19010101077",
        "village_code": "19010101",
        "head_name": "นางมาลี",
        "members": 3,
        "income_per_person": "15000.00",
        "survey_year": 2568,
        "source": "new",
        "failed_dimensions": ["income"],
    }
    created = client.post("/api/v1/households/", payload, content_type="application/json", **auth)
    assert created.status_code == 201, created.content
    bad = client.post(
        "/api/v1/households/",
        {**payload, "house_code": "19020101077", "village_code": "19020101"},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400
    record = {
        "house_code": "19010101077",
        "date": "2026-11-01",
        "dimension": "income",
        "phase": "short",
        "agency": "พช.",
        "description": "ถุงยังชีพ",
    }
    assert (
        client.post(
            "/api/v1/assistance/", record, content_type="application/json", **auth
        ).status_code
        == 201
    )
    assert Assistance.objects.get().household.helped_income_on.isoformat() == "2026-11-01"
    dept = api(client, users["department_viewer"])
    assert (
        client.post(
            "/api/v1/assistance/", record, content_type="application/json", **dept
        ).status_code
        == 403
    )


def test_households_section_over_the_api(client, users, households):
    auth = api(client, users["provincial_officer"])
    data = client.get("/api/v1/sections/households/?province=19&month=2569-11", **auth).json()
    assert [r["district_code"] for r in data["rows"]][:2] == ["1901", "1902"]
    first = data["rows"][0]
    assert (first["tpmap"], first["new"], first["total"], first["with_plan"]) == (1, 1, 2, 0)
    assert first["pct_with_plan"] == 0.0 and data["total"]["total"] == 3
    one = client.get(
        "/api/v1/sections/households/?province=19&month=2026-11&district=1902", **auth
    ).json()
    assert one["rows"] == [{**one["rows"][0], "district_code": "1902", "total": 1}]
    assert (
        client.get("/api/v1/sections/households/?province=10&month=2026-11", **auth).status_code
        == 404
    )
    assert (
        client.get("/api/v1/sections/households/?province=19&month=13-2026", **auth).status_code
        == 400
    )
    staff = api(client, users["district_staff"])
    assert (
        client.get(
            "/api/v1/sections/households/?province=19&month=2026-11&district=1902", **staff
        ).status_code
        == 404
    )


def test_progress_for_any_area_over_the_api(client, users, households):
    auth = api(client, users["provincial_officer"])
    data = client.get(
        "/api/v1/households/progress/?level=district&code=1901&as_of=2569-11-30", **auth
    ).json()
    assert data["level"] == "subdistrict"
    assert data["total"]["total"] == 2 and data["total"]["dimensions"]["income"]["failing"] == 1
    assert data["rows"][0]["code"] == "190101" and data["rows"][0]["total"] == 2
    village = client.get("/api/v1/households/progress/?level=village&code=19010101", **auth).json()
    assert village["total"]["total"] == 2
    assert (
        client.get("/api/v1/households/progress/?level=district&code=1001", **auth).status_code
        == 404
    )
    staff = api(client, users["district_staff"])
    assert (
        client.get("/api/v1/households/progress/?level=district&code=1902", **staff).status_code
        == 404
    )
    assert client.get("/api/v1/households/progress/", **staff).status_code == 400
