import pytest
from django.core.management import call_command

from accounts.models import User
from villages.models import District, Province, Subdistrict, Village


@pytest.mark.django_db
def test_load_geography_loads_the_official_counts_and_reruns_safely(capsys):
    call_command("load_geography")
    assert (Province.objects.count(), District.objects.count(), Subdistrict.objects.count()) == (
        77,
        928,
        7436,
    )
    assert District.objects.get(code="1901").name_th == "เมืองสระบุรี"
    assert Subdistrict.objects.get(code="190101").district_id == "1901"
    village = Village.objects.create(code="19010101", subdistrict_id="190101", name="บ้านหนองโน")
    staff = User.objects.create(username="s", role="district_staff", district_id="1901")
    Province.objects.filter(code="19").update(name_en="changed")
    call_command("load_geography")
    out = capsys.readouterr().out
    assert "provinces: created 0, updated 1" in out
    assert "subdistricts: created 0, updated 0" in out
    assert Subdistrict.objects.count() == 7436
    village.refresh_from_db()
    staff.refresh_from_db()
    assert village.subdistrict_id == "190101" and staff.district_id == "1901"


@pytest.mark.django_db
def test_load_one_province():
    call_command("load_geography", "--province", "19")
    assert Province.objects.count() == 1
    assert District.objects.filter(province_id="19").count() == 13


def test_district_staff_adds_a_village_in_own_district_only(client, users):
    client.force_login(users["district_staff"])
    page = client.get("/areas/villages/new/").content.decode()
    assert "190101" in page and "190201" not in page  # only own district's subdistricts offered
    bad = client.post(
        "/areas/villages/new/", {"subdistrict": "190201", "moo": 1, "name": "x", "kind": "village"}
    )
    assert bad.status_code == 200 and not Village.objects.exists()
    ok = client.post(
        "/areas/villages/new/",
        {"subdistrict": "190101", "moo": 3, "name": "บ้านนาดี", "kind": "village"},
    )
    assert ok.status_code == 302 and Village.objects.get().code == "19010103"
    dup = client.post(
        "/areas/villages/new/", {"subdistrict": "190101", "moo": 3, "name": "ซ้ำ", "kind": "village"}
    )
    assert "19010103" in dup.content.decode() and Village.objects.count() == 1


def test_api_creates_village_and_rejects_duplicates_and_foreign_areas(client, users):
    client.force_login(users["district_staff"])
    ok = client.post(
        "/api/v1/villages/", {"code": "19010104", "name": "บ้านใหม่"}, content_type="application/json"
    )
    assert ok.status_code == 201 and ok.json()["subdistrict"] == "190101"
    dup = client.post(
        "/api/v1/villages/", {"code": "19010104", "name": "ซ้ำ"}, content_type="application/json"
    )
    assert dup.status_code == 400
    outside = client.post(
        "/api/v1/villages/", {"code": "19020104", "name": "นอก"}, content_type="application/json"
    )
    assert outside.status_code == 400
    assert Village.objects.count() == 1


def test_api_area_filters_and_pagination(client, users, villages):
    client.force_login(users["system_admin"])
    data = client.get("/api/v1/villages/?district=1902").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert [v["code"] for v in data["results"]] == ["19020101"]
    assert client.get("/api/v1/villages/?province=10").json()["count"] == 1
    assert client.get("/api/v1/subdistricts/?district=1901").json()["count"] == 11
    assert client.get("/api/v1/villages/?village=19010101").json()["count"] == 1


def test_openapi_schema_and_docs_are_served(client, users):
    client.force_login(users["provincial_officer"])
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"/api/v1/villages/" in schema.content
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger" in docs.content.lower()


def test_export_escapes_formula_cells(client, users):
    Village.objects.create(code="19010105", subdistrict_id="190101", name="=cmd|' /C calc'!A0")
    Village.objects.create(code="19010106", subdistrict_id="190101", name="@SUM(1)")
    client.force_login(users["district_staff"])
    text = client.get("/areas/villages/export.csv").content.decode("utf-8-sig")
    assert "'=cmd" in text and "'@SUM" in text
    assert "\n=cmd" not in text


def test_village_with_households_cannot_be_deleted(client, users, villages):
    from households.tests.conftest import make_household

    make_household(villages["home"], "19010101001")
    client.force_login(users["district_staff"])
    response = client.post("/areas/villages/19010101/delete/", follow=True)
    assert "ลบไม่ได้" in response.content.decode()
    assert Village.objects.filter(code="19010101").exists()
