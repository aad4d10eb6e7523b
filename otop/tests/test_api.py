"""OTOP over the API: scoped resources (outside the area is 404), writes through the services
(a re-posted month replaces its amount), the figures action and the `otop` report section
with the CONTRACT.md keys."""

from decimal import Decimal as D

import pytest
from rest_framework.authtoken.models import Token

from audit.models import AuditEntry
from otop.models import Producer, Sale, StarRating

from .conftest import make_producer, make_product, sell


def api(user):
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


def post(client, url, body, user):
    return client.post(url, body, content_type="application/json", **api(user))


def patch(client, url, body, user):
    return client.patch(url, body, content_type="application/json", **api(user))


@pytest.fixture
def otop(users):
    officer, admin = users["provincial_officer"], users["system_admin"]
    weavers = make_producer(officer, "OT-1", "190101", name="กลุ่มทอผ้า", thai_fabric_group=True)
    silk = make_product(officer, weavers, "T-1", category="textile", thai_fabric=True, stars=4)
    kitchen = make_producer(officer, "OT-2", "190201", name="แม่บ้านแก่งคอย")
    chili = make_product(officer, kitchen, "F-2", category="food")
    bangkok = make_producer(admin, "OT-BKK", "100101")
    sell(officer, weavers, "2024-10", "online", "1000000", product=silk)
    sell(officer, weavers, "2025-10", "offline", "200000", product=silk)
    sell(officer, weavers, "2025-11", "online", "75000")
    sell(officer, kitchen, "2024-11", "online", "100000")
    sell(officer, kitchen, "2025-11", "online", "45000", product=chili)
    sell(admin, bangkok, "2025-11", "online", "500")
    return {"weavers": weavers, "kitchen": kitchen, "silk": silk, "chili": chili}


@pytest.mark.parametrize(
    "role,expected",
    [
        ("district_staff", ["OT-1"]),
        ("provincial_officer", ["OT-1", "OT-2"]),
        ("department_viewer", ["OT-1", "OT-2", "OT-BKK"]),
    ],
)
def test_lists_are_scoped(client, users, otop, role, expected):
    auth = api(users[role])
    data = client.get("/api/v1/otop_producers/", **auth).json()
    assert sorted(p["code"] for p in data["results"]) == expected
    assert data["count"] == len(expected)
    sales = client.get("/api/v1/otop_sales/", **auth).json()
    assert sorted({s["producer_code"] for s in sales["results"]}) == expected


def test_outside_the_area_is_404_and_lists_filter_by_area(client, users, otop):
    staff = api(users["district_staff"])
    assert client.get("/api/v1/otop_producers/OT-2/", **staff).status_code == 404
    assert client.get("/api/v1/otop_products/F-2/", **staff).status_code == 404
    theirs = Sale.objects.filter(producer__code="OT-2").first()
    assert client.get(f"/api/v1/otop_sales/{theirs.pk}/", **staff).status_code == 404
    mine = client.get("/api/v1/otop_producers/OT-1/", **staff).json()
    assert (mine["district_code"], mine["subdistrict_code"], mine["thai_fabric_group"]) == (
        "1901",
        "190101",
        True,
    )
    officer = api(users["provincial_officer"])
    data = client.get("/api/v1/otop_producers/?district=1902", **officer).json()
    assert [p["code"] for p in data["results"]] == ["OT-2"]
    data = client.get("/api/v1/otop_products/?subdistrict=190101", **officer).json()
    assert [p["code"] for p in data["results"]] == ["T-1"]
    assert data["results"][0]["stars"] == 4


def test_sales_filter_by_month_and_channel(client, users, otop):
    officer = api(users["provincial_officer"])
    data = client.get("/api/v1/otop_sales/?month=2568-11&channel=online", **officer).json()
    rows = sorted((s["producer_code"], s["month"], s["amount"]) for s in data["results"])
    assert rows == [("OT-1", "2025-11", "75000.00"), ("OT-2", "2025-11", "45000.00")]
    data = client.get("/api/v1/otop_sales/?month=2025-10&province=19", **officer).json()
    assert [(s["product_code"], s["channel"]) for s in data["results"]] == [("T-1", "offline")]
    bad = client.get("/api/v1/otop_sales/?month=69-10", **officer)
    assert bad.status_code == 400 and "month" in bad.json()


def test_create_producer_and_product_through_the_api(client, users, otop):
    staff = users["district_staff"]
    body = {"code": "OT-3", "name": "กลุ่มจักสาน", "kind": "group", "subdistrict_code": "190105"}
    created = post(client, "/api/v1/otop_producers/", body, staff)
    assert created.status_code == 201, created.json()
    assert created.json()["district_code"] == "1901"
    outside = post(
        client,
        "/api/v1/otop_producers/",
        {**body, "code": "OT-4", "subdistrict_code": "190201"},
        staff,
    )
    assert outside.status_code == 400 and "subdistrict" in outside.json()
    taken = post(client, "/api/v1/otop_producers/", {**body, "code": "OT-2"}, staff)
    assert taken.status_code == 400 and "OT-2" in str(taken.json()["code"])
    product = {
        "code": "B-3",
        "producer_code": "OT-3",
        "name": "ตะกร้าสาน",
        "category": "household",
        "stars": 3,
        "stars_year": 2567,
    }
    made = post(client, "/api/v1/otop_products/", product, staff)
    assert made.status_code == 201, made.json()
    assert list(StarRating.objects.filter(product__code="B-3").values_list("year", "stars")) == [
        (2567, 3)
    ]
    too_many = post(client, "/api/v1/otop_products/", {**product, "code": "B-4", "stars": 6}, staff)
    assert too_many.status_code == 400 and "stars" in too_many.json()
    theirs = post(
        client, "/api/v1/otop_products/", {**product, "code": "B-5", "producer_code": "OT-2"}, staff
    )
    assert theirs.status_code == 400 and "producer" in theirs.json()
    renamed = patch(client, "/api/v1/otop_producers/OT-3/", {"name": "กลุ่มจักสานบ้านดาวเรือง"}, staff)
    assert renamed.status_code == 200
    assert Producer.objects.get(code="OT-3").name == "กลุ่มจักสานบ้านดาวเรือง"
    neighbour = patch(client, "/api/v1/otop_producers/OT-2/", {"name": "x"}, staff)
    assert neighbour.status_code == 404


def test_posting_a_month_again_replaces_the_amount(client, users, otop):
    staff = users["district_staff"]
    body = {"producer_code": "OT-1", "month": "2569-09", "channel": "online", "amount": "5000"}
    first = post(client, "/api/v1/otop_sales/", body, staff)
    assert first.status_code == 201, first.json()
    assert first.json()["month"] == "2026-09"
    again = post(client, "/api/v1/otop_sales/", {**body, "amount": "4500.25"}, staff)
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    rows = Sale.objects.filter(producer__code="OT-1", month="2026-09-01")
    assert [r.amount for r in rows] == [D("4500.25")]
    entry = AuditEntry.objects.get(
        content_type__model="sale", action="update", object_pk=str(first.json()["id"])
    )
    assert (entry.before["amount"], entry.after["amount"]) == ("5000.00", "4500.25")
    url = f"/api/v1/otop_sales/{first.json()['id']}/"
    changed = patch(client, url, {"amount": "4000"}, staff)
    assert changed.status_code == 200 and changed.json()["amount"] == "4000.00"
    moved = patch(client, url, {"channel": "offline"}, staff)
    assert moved.status_code == 400 and "channel" in moved.json()
    assert client.delete(url, **api(staff)).status_code == 204
    assert not Sale.objects.filter(producer__code="OT-1", month="2026-09-01").exists()


def test_bad_sales_are_refused(client, users, otop):
    staff = users["district_staff"]
    body = {"producer_code": "OT-1", "month": "2026-09", "channel": "online", "amount": "1"}
    future = post(client, "/api/v1/otop_sales/", {**body, "month": "2100-01"}, staff)
    assert future.status_code == 400 and "month" in future.json()
    negative = post(client, "/api/v1/otop_sales/", {**body, "amount": "-1"}, staff)
    assert negative.status_code == 400 and "amount" in negative.json()
    theirs = post(client, "/api/v1/otop_sales/", {**body, "product_code": "F-2"}, staff)
    assert theirs.status_code == 400 and "F-2" in str(theirs.json())
    outside = post(client, "/api/v1/otop_sales/", {**body, "producer_code": "OT-2"}, staff)
    assert outside.status_code == 400 and "OT-2" in str(outside.json())
    viewer = post(client, "/api/v1/otop_sales/", body, users["department_viewer"])
    assert viewer.status_code == 403
    assert not Sale.objects.filter(month="2026-09-01").exists()


def test_figures_action(client, users, otop):
    officer = api(users["provincial_officer"])
    data = client.get("/api/v1/otop_producers/figures/?province=19&month=2568-11", **officer).json()
    assert data["month"] == "2025-11" and data["fiscal_year"] == 2569
    assert data["sales_fy"] == 320000  # 200,000 + 75,000 + 45,000
    assert data["fabric_sales_prev_fy"] == 1000000 and data["fabric_target"] == 1100000
    assert data["fabric_sales_fy"] == 275000 and data["fabric_pct"] == 25.0
    assert data["online_sales_fy"] == 120000 and data["online_sales_prev_same_period"] == 1100000
    assert data["online_growth_pct"] == -89.09  # (120,000 - 1,100,000) / 1,100,000
    assert [p["code"] for p in data["top_producers"]] == ["OT-1", "OT-2"]
    one = client.get(
        "/api/v1/otop_producers/figures/?district=1902&month=2025-11", **officer
    ).json()
    assert [r["code"] for r in one["rows"]] == ["1902"] and one["sales_fy"] == 45000
    staff = api(users["district_staff"])
    outside = client.get("/api/v1/otop_producers/figures/?district=1902&month=2025-11", **staff)
    assert outside.status_code == 404
    other = client.get("/api/v1/otop_producers/figures/?province=10", **officer)
    assert other.status_code == 404
    monthly = client.get("/api/v1/otop_producers/OT-1/monthly/?months=2&until=2025-11", **staff)
    assert monthly.json() == [
        {"month": "2025-10", "offline": 200000.0, "online": 0.0},
        {"month": "2025-11", "offline": 0.0, "online": 75000.0},
    ]
    assert client.get("/api/v1/otop_producers/OT-2/monthly/", **staff).status_code == 404


CONTRACT_KEYS = {
    "sales_fy",
    "fabric_sales_prev_fy",
    "fabric_target",
    "fabric_sales_fy",
    "fabric_pct",
    "online_sales_fy",
    "online_sales_prev_same_period",
    "online_growth_pct",
}


def test_otop_section_has_the_contract_keys(client, users, otop):
    officer = api(users["provincial_officer"])
    data = client.get("/api/v1/sections/otop/?province=19&month=2025-11", **officer).json()
    assert CONTRACT_KEYS <= set(data)
    assert {k: data[k] for k in CONTRACT_KEYS} == {
        "sales_fy": 320000.0,
        "fabric_sales_prev_fy": 1000000.0,
        "fabric_target": 1100000.0,
        "fabric_sales_fy": 275000.0,
        "fabric_pct": 25.0,
        "online_sales_fy": 120000.0,
        "online_sales_prev_same_period": 1100000.0,
        "online_growth_pct": -89.09,
    }
    assert [r["district_code"] for r in data["rows"]][:2] == ["1901", "1902"]
    same = client.get("/api/v1/sections/otop/?province=19&month=2568-11", **officer).json()
    assert same == data  # a B.E. month reads the same month
    one = client.get("/api/v1/sections/otop/?province=19&month=2025-11&district=1902", **officer)
    one = one.json()
    assert one["sales_fy"] == 45000.0 and one["fabric_pct"] is None
    assert one["online_growth_pct"] == -55.0  # 45,000 against 100,000
    assert "rows" not in one
    staff = api(users["district_staff"])
    mine = client.get("/api/v1/sections/otop/?province=19&month=2025-11&district=1901", **staff)
    assert mine.json()["sales_fy"] == 275000.0
    theirs = client.get("/api/v1/sections/otop/?province=19&month=2025-11&district=1902", **staff)
    assert theirs.status_code == 404
    other = client.get("/api/v1/sections/otop/?province=10&month=2025-11", **officer)
    assert other.status_code == 404
