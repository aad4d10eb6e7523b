"""Every role tries every geography and user-management endpoint inside and outside its area.

Expected: inside the area 200; outside 404 (the record does not exist for them); inside but
not allowed for the role (read-only Department, user management by non-admins) 403.
"""

import io
from datetime import date

import openpyxl
import pytest
from rest_framework.authtoken.models import Token

from accounts.choices import Role
from conftest import PASSWORD, make_user
from funds.models import BudgetLine, KkjFund
from funds.services import kkj_fund_save
from funds.tests.conftest import make_loan, pay
from households.models import Assistance
from households.tests.conftest import make_household
from otop.models import Sale
from otop.tests.conftest import make_producer, make_product, sell

ROLES = [
    "district_staff",
    "provincial_officer",
    "provincial_admin",
    "department_viewer",
    "system_admin",
]

# (name, method, url, expected status per role in ROLES order)
UI = [
    ("village home district", "get", "/areas/villages/19010101/", [200, 200, 200, 200, 200]),
    ("village neighbour district", "get", "/areas/villages/19020101/", [404, 200, 200, 200, 200]),
    ("village other province", "get", "/areas/villages/10010101/", [404, 404, 404, 200, 200]),
    ("edit village home", "get", "/areas/villages/19010101/edit/", [200, 200, 200, 403, 200]),
    ("edit village neighbour", "get", "/areas/villages/19020101/edit/", [404, 200, 200, 403, 200]),
    ("edit village other", "get", "/areas/villages/10010101/edit/", [404, 404, 404, 403, 200]),
    ("delete village other", "post", "/areas/villages/10010101/delete/", [404, 404, 404, 403, 302]),
    ("district home", "get", "/areas/districts/1901/", [200, 200, 200, 200, 200]),
    ("district neighbour", "get", "/areas/districts/1902/", [404, 200, 200, 200, 200]),
    ("district other", "get", "/areas/districts/1001/", [404, 404, 404, 200, 200]),
    ("user list", "get", "/users/", [403, 403, 200, 403, 200]),
    ("add user", "get", "/users/new/", [403, 403, 200, 403, 200]),
    ("edit user in province", "get", "/users/{inside}/", [403, 403, 200, 403, 200]),
    ("edit user other province", "get", "/users/{outside}/", [403, 403, 404, 403, 200]),
    (
        "history village other",
        "get",
        "/history/villages/village/{village_other}/",
        [404, 404, 404, 200, 200],
    ),
    ("household home", "get", "/households/19010101001/", [200, 200, 200, 200, 200]),
    ("household neighbour", "get", "/households/19020101001/", [404, 200, 200, 200, 200]),
    ("household other", "get", "/households/10010101001/", [404, 404, 404, 200, 200]),
    ("edit household neighbour", "get", "/households/19020101001/edit/", [404, 200, 200, 403, 200]),
    ("plan household other", "get", "/households/10010101001/plan/", [404, 404, 404, 403, 200]),
    (
        "help household other",
        "get",
        "/households/10010101001/assistance/new/",
        [404, 404, 404, 403, 200],
    ),
    (
        "reveal ID neighbour",
        "post",
        "/households/19020101001/national-id/",
        [404, 200, 200, 403, 200],
    ),
    (
        "progress other province",
        "get",
        "/households/progress/?level=province&code=10",
        [404, 404, 404, 200, 200],
    ),
    (
        "progress neighbour district",
        "get",
        "/households/progress/?level=district&code=1902",
        [404, 200, 200, 200, 200],
    ),
    ("import page", "get", "/imports/", [200, 200, 200, 403, 200]),
    ("wdf figures", "get", "/funds/wdf/", [200, 200, 200, 200, 200]),
    ("wdf loan home", "get", "/funds/wdf/loans/{loan_home}/", [200, 200, 200, 200, 200]),
    ("wdf loan neighbour", "get", "/funds/wdf/loans/{loan_neighbour}/", [404, 200, 200, 200, 200]),
    ("wdf loan other", "get", "/funds/wdf/loans/{loan_other}/", [404, 404, 404, 200, 200]),
    (
        "edit wdf loan neighbour",
        "get",
        "/funds/wdf/loans/{loan_neighbour}/edit/",
        [404, 200, 200, 403, 200],
    ),
    (
        "restructure wdf loan other",
        "get",
        "/funds/wdf/loans/{loan_other}/restructure/",
        [404, 404, 404, 403, 200],
    ),
    ("payment batch", "get", "/funds/wdf/payments/batch/", [200, 200, 200, 403, 200]),
    ("kkj fund neighbour", "get", "/funds/kkj/{kkj_neighbour}/", [404, 200, 200, 200, 200]),
    ("kkj fund other", "get", "/funds/kkj/{kkj_other}/", [404, 404, 404, 200, 200]),
    ("edit kkj fund other", "get", "/funds/kkj/{kkj_other}/edit/", [404, 404, 404, 403, 200]),
    ("budget line home", "get", "/funds/budget/{budget_home}/", [200, 200, 200, 200, 200]),
    ("budget line other", "get", "/funds/budget/{budget_other}/", [404, 404, 404, 200, 200]),
    (
        "edit budget line home",
        "get",
        "/funds/budget/{budget_home}/edit/",
        [403, 200, 200, 403, 200],
    ),
    (
        "history wdf loan other",
        "get",
        "/history/funds/wdfloan/{loan_other}/",
        [404, 404, 404, 200, 200],
    ),
    ("otop producer home", "get", "/otop/producers/{producer_home}/", [200, 200, 200, 200, 200]),
    (
        "otop producer neighbour",
        "get",
        "/otop/producers/{producer_neighbour}/",
        [404, 200, 200, 200, 200],
    ),
    ("otop producer other", "get", "/otop/producers/{producer_other}/", [404, 404, 404, 200, 200]),
    (
        "edit otop producer home",
        "get",
        "/otop/producers/{producer_home}/edit/",
        [200, 200, 200, 403, 200],
    ),
    (
        "edit otop producer other",
        "get",
        "/otop/producers/{producer_other}/edit/",
        [404, 404, 404, 403, 200],
    ),
    (
        "edit otop product neighbour",
        "get",
        "/otop/products/{product_neighbour}/edit/",
        [404, 200, 200, 403, 200],
    ),
    ("otop sales entry", "get", "/otop/sales/", [200, 200, 200, 403, 200]),
    ("otop targets other province", "get", "/otop/?province=10", [404, 404, 404, 200, 200]),
    ("dashboard own area", "get", "/dashboards/", [200, 200, 200, 200, 200]),
    (
        "dashboard home district",
        "get",
        "/dashboards/?level=district&code=1901&month=2026-10",
        [200, 200, 200, 200, 200],
    ),
    (
        "dashboard home village",
        "get",
        "/dashboards/?level=village&code=19010101",
        [200, 200, 200, 200, 200],
    ),
    (
        "dashboard neighbour district",
        "get",
        "/dashboards/?level=district&code=1902",
        [404, 200, 200, 200, 200],
    ),
    (
        "dashboard home province",
        "get",
        "/dashboards/?level=province&code=19",
        [404, 200, 200, 200, 200],
    ),
    (
        "dashboard other province",
        "get",
        "/dashboards/?level=province&code=10",
        [404, 404, 404, 200, 200],
    ),
    ("dashboard country", "get", "/dashboards/?level=national", [404, 404, 404, 200, 200]),
    ("dashboard ranking", "get", "/dashboards/national/", [404, 404, 404, 200, 200]),
    (
        "dashboard chart xlsx home district",
        "get",
        "/dashboards/export.xlsx?level=district&code=1901&kpi=plan_pct",
        [200, 200, 200, 200, 200],
    ),
    (
        "dashboard chart xlsx neighbour district",
        "get",
        "/dashboards/export.xlsx?level=district&code=1902&kpi=plan_pct",
        [404, 200, 200, 200, 200],
    ),
    (
        "dashboard table xlsx home province",
        "get",
        "/dashboards/export.xlsx?level=province&code=19",
        [404, 200, 200, 200, 200],
    ),
    (
        "dashboard table xlsx other province",
        "get",
        "/dashboards/export.xlsx?level=province&code=10",
        [404, 404, 404, 200, 200],
    ),
    (
        "dashboard ranking xlsx",
        "get",
        "/dashboards/national/export.xlsx",
        [404, 404, 404, 200, 200],
    ),
]
API = [
    ("api village home", "get", "/api/v1/villages/19010101/", [200, 200, 200, 200, 200]),
    ("api village neighbour", "get", "/api/v1/villages/19020101/", [404, 200, 200, 200, 200]),
    ("api village other", "get", "/api/v1/villages/10010101/", [404, 404, 404, 200, 200]),
    ("api patch village home", "patch", "/api/v1/villages/19010101/", [200, 200, 200, 403, 200]),
    (
        "api patch village neighbour",
        "patch",
        "/api/v1/villages/19020101/",
        [404, 200, 200, 403, 200],
    ),
    ("api patch village other", "patch", "/api/v1/villages/10010101/", [404, 404, 404, 403, 200]),
    ("api province home", "get", "/api/v1/provinces/19/", [200, 200, 200, 200, 200]),
    ("api province other", "get", "/api/v1/provinces/10/", [404, 404, 404, 200, 200]),
    ("api district neighbour", "get", "/api/v1/districts/1902/", [404, 200, 200, 200, 200]),
    ("api district other", "get", "/api/v1/districts/1001/", [404, 404, 404, 200, 200]),
    ("api subdistrict neighbour", "get", "/api/v1/subdistricts/190201/", [404, 200, 200, 200, 200]),
    ("api subdistrict other", "get", "/api/v1/subdistricts/100101/", [404, 404, 404, 200, 200]),
    ("api household home", "get", "/api/v1/households/19010101001/", [200, 200, 200, 200, 200]),
    (
        "api household neighbour",
        "get",
        "/api/v1/households/19020101001/",
        [404, 200, 200, 200, 200],
    ),
    ("api household other", "get", "/api/v1/households/10010101001/", [404, 404, 404, 200, 200]),
    (
        "api patch household neighbour",
        "patch",
        "/api/v1/households/19020101001/",
        [404, 200, 200, 403, 200],
    ),
    (
        "api reveal ID home",
        "post",
        "/api/v1/households/19010101001/national-id/",
        [200, 200, 200, 403, 200],
    ),
    (
        "api reveal ID other",
        "post",
        "/api/v1/households/10010101001/national-id/",
        [404, 404, 404, 403, 200],
    ),
    (
        "api assistance other",
        "get",
        "/api/v1/assistance/{assistance_other}/",
        [404, 404, 404, 200, 200],
    ),
    (
        "api section province",
        "get",
        "/api/v1/sections/households/?province=19&month=2026-11",
        [200, 200, 200, 200, 200],
    ),
    (
        "api section other province",
        "get",
        "/api/v1/sections/households/?province=10&month=2026-11",
        [404, 404, 404, 200, 200],
    ),
    (
        "api section neighbour district",
        "get",
        "/api/v1/sections/households/?province=19&month=2026-11&district=1902",
        [404, 200, 200, 200, 200],
    ),
    ("api wdf loan home", "get", "/api/v1/wdf_loans/{loan_home}/", [200, 200, 200, 200, 200]),
    (
        "api wdf loan neighbour",
        "get",
        "/api/v1/wdf_loans/{loan_neighbour}/",
        [404, 200, 200, 200, 200],
    ),
    ("api wdf loan other", "get", "/api/v1/wdf_loans/{loan_other}/", [404, 404, 404, 200, 200]),
    (
        "api patch wdf loan neighbour",
        "patch",
        "/api/v1/wdf_loans/{loan_neighbour}/",
        [404, 200, 200, 403, 200],
    ),
    (
        "api wdf payment other",
        "get",
        "/api/v1/wdf_payments/{payment_other}/",
        [404, 404, 404, 200, 200],
    ),
    ("api kkj fund other", "get", "/api/v1/kkj_funds/10010101/", [404, 404, 404, 200, 200]),
    (
        "api patch kkj fund neighbour",
        "patch",
        "/api/v1/kkj_funds/19020101/",
        [404, 200, 200, 403, 200],
    ),
    ("api budget home", "get", "/api/v1/wdf_budget/{budget_home}/", [200, 200, 200, 200, 200]),
    (
        "api patch budget home",
        "patch",
        "/api/v1/wdf_budget/{budget_home}/",
        [404, 200, 200, 403, 200],
    ),
    ("api budget other", "get", "/api/v1/wdf_budget/{budget_other}/", [404, 404, 404, 200, 200]),
    (
        "api wdf figures other province",
        "get",
        "/api/v1/wdf_loans/figures/?level=province&code=10",
        [404, 404, 404, 200, 200],
    ),
    (
        "api section wdf other province",
        "get",
        "/api/v1/sections/wdf/?province=10&month=2026-11",
        [404, 404, 404, 200, 200],
    ),
    (
        "api section kkj neighbour district",
        "get",
        "/api/v1/sections/kkj/?province=19&month=2026-11&district=1902",
        [404, 200, 200, 200, 200],
    ),
    ("api otop producer home", "get", "/api/v1/otop_producers/OT-home/", [200, 200, 200, 200, 200]),
    (
        "api otop producer neighbour",
        "get",
        "/api/v1/otop_producers/OT-neighbour/",
        [404, 200, 200, 200, 200],
    ),
    (
        "api otop producer other",
        "get",
        "/api/v1/otop_producers/OT-other/",
        [404, 404, 404, 200, 200],
    ),
    (
        "api patch otop producer neighbour",
        "patch",
        "/api/v1/otop_producers/OT-neighbour/",
        [404, 200, 200, 403, 200],
    ),
    ("api otop product other", "get", "/api/v1/otop_products/P-other/", [404, 404, 404, 200, 200]),
    (
        "api otop sale neighbour",
        "get",
        "/api/v1/otop_sales/{sale_neighbour}/",
        [404, 200, 200, 200, 200],
    ),
    (
        "api patch otop sale home",
        "patch",
        "/api/v1/otop_sales/{sale_home}/",
        [200, 200, 200, 403, 200],
    ),
    (
        "api patch otop sale other",
        "patch",
        "/api/v1/otop_sales/{sale_other}/",
        [404, 404, 404, 403, 200],
    ),
    (
        "api otop figures other province",
        "get",
        "/api/v1/otop_producers/figures/?province=10&month=2025-10",
        [404, 404, 404, 200, 200],
    ),
    (
        "api section otop neighbour district",
        "get",
        "/api/v1/sections/otop/?province=19&month=2025-10&district=1902",
        [404, 200, 200, 200, 200],
    ),
    # Dashboards: an area's figures are sums over all of it, so only users who see every
    # part of it may open it (district staff: their district and below).
    ("api dashboard own area", "get", "/api/v1/dashboard/", [200, 200, 200, 200, 200]),
    (
        "api dashboard home district",
        "get",
        "/api/v1/dashboard/?level=district&code=1901&month=2026-11",
        [200, 200, 200, 200, 200],
    ),
    (
        "api dashboard home village",
        "get",
        "/api/v1/dashboard/?level=village&code=19010101&month=2569-11",
        [200, 200, 200, 200, 200],
    ),
    (
        "api dashboard neighbour district",
        "get",
        "/api/v1/dashboard/?level=district&code=1902&month=2026-11",
        [404, 200, 200, 200, 200],
    ),
    (
        "api dashboard neighbour subdistrict",
        "get",
        "/api/v1/dashboard/?level=subdistrict&code=190201",
        [404, 200, 200, 200, 200],
    ),
    (
        "api dashboard home province",
        "get",
        "/api/v1/dashboard/?level=province&code=19",
        [404, 200, 200, 200, 200],
    ),
    (
        "api dashboard other province",
        "get",
        "/api/v1/dashboard/?level=province&code=10",
        [404, 404, 404, 200, 200],
    ),
    (
        "api dashboard other village",
        "get",
        "/api/v1/dashboard/?level=village&code=10010101",
        [404, 404, 404, 200, 200],
    ),
    (
        "api dashboard whole country",
        "get",
        "/api/v1/dashboard/?level=national",
        [404, 404, 404, 200, 200],
    ),
    ("api dashboard ranking", "get", "/api/v1/dashboard/ranking/", [404, 404, 404, 200, 200]),
]

PATCH_BODIES = {
    "households": {"members": 5},
    "wdf_loans": {"borrower_name": "นางใหม่ ใจดี"},
    "kkj_funds": {"governance_level": 2},
    "wdf_budget": {"allocated": "1000.00"},
    "otop_producers": {"name": "กลุ่มใหม่"},
    "otop_sales": {"amount": "10.00"},
}


@pytest.fixture
def world(users, villages):
    inside = make_user("staff1902", Role.DISTRICT_STAFF, district="1902")
    outside = make_user("staff1001", Role.DISTRICT_STAFF, district="1001")
    homes = {
        key: make_household(villages[key], villages[key].code + "001")
        for key in ("home", "neighbour", "other")
    }
    assistance = Assistance.objects.create(
        household=homes["other"],
        date="2026-11-01",
        dimension="income",
        phase="short",
        agency="พช.",
        description="ถุงยังชีพ",
    )
    funds = _funds(users["system_admin"], villages)
    return {
        **funds,
        **_otop(users["system_admin"]),
        "inside": inside.pk,
        "outside": outside.pk,
        "village_other": villages["other"].pk,
        "household_other": homes["other"].house_code,
        "assistance_other": assistance.pk,
    }


def _funds(admin, villages):
    """A WDF contract with a payment in each district, a กข.คจ. fund per village, and a
    budget line in each province."""
    out = {}
    for key, district in (("home", "1901"), ("neighbour", "1902"), ("other", "1001")):
        loan = make_loan(
            admin, f"{key}-1", "10000", "2025-01-01", 2, "2025-07-01", district=district
        )
        out[f"loan_{key}"] = loan.pk
        out[f"payment_{key}"] = pay(admin, loan, "2025-07-01", "100").pk
        fund = KkjFund(capital=100000, governance_level=2, assessed_on=date(2025, 9, 1))
        out[f"kkj_{key}"] = kkj_fund_save(user=admin, fund=fund, village=villages[key]).pk
    for key, province in (("home", "19"), ("other", "10")):
        line = BudgetLine.objects.create(
            province_id=province, fiscal_year=2569, kind="revolving", allocated=1000
        )
        out[f"budget_{key}"] = line.pk
    return out


def _otop(admin):
    """An OTOP producer with a product and a month's sales in each district."""
    out = {}
    for key, subdistrict in (("home", "190101"), ("neighbour", "190201"), ("other", "100101")):
        producer = make_producer(admin, f"OT-{key}", subdistrict)
        product = make_product(admin, producer, f"P-{key}")
        sell(admin, producer, "2025-10", "online", "1000", product=product)
        out[f"sale_{key}"] = Sale.objects.get(producer=producer).pk
        out[f"producer_{key}"], out[f"product_{key}"] = producer.pk, product.pk
    return out


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("name,method,url,expected", UI, ids=[c[0] for c in UI])
def test_ui_access(client, users, world, role_index, role, name, method, url, expected):
    client.force_login(users[role])
    response = getattr(client, method)(url.format(**world))
    assert response.status_code == expected[role_index], f"{role} {name}"


@pytest.mark.parametrize(
    "role,visible",
    [
        ("district_staff", {"19010101001"}),
        ("provincial_officer", {"19010101001", "19020101001"}),
        ("department_viewer", {"19010101001", "19020101001", "10010101001"}),
    ],
)
def test_household_list_and_export_show_only_the_area(client, users, world, role, visible):
    client.force_login(users[role])
    page = client.get("/households/").content.decode()
    everything = {"19010101001", "19020101001", "10010101001"}
    assert {c for c in everything if c in page} == visible
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/households/export.xlsx").content)).active
    assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == visible


@pytest.mark.parametrize("role_index,role", list(enumerate(ROLES)))
@pytest.mark.parametrize("name,method,url,expected", API, ids=[c[0] for c in API])
def test_api_access_with_token(client, users, world, role_index, role, name, method, url, expected):
    token = Token.objects.create(user=users[role])
    kwargs = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    url = url.format(**world)
    if method == "patch":
        body = next((b for key, b in PATCH_BODIES.items() if f"/{key}/" in url), {"name": "บ้านใหม่"})
        response = client.patch(url, body, content_type="application/json", **kwargs)
    else:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code == expected[role_index], f"{role} {name}"


@pytest.mark.parametrize(
    "role,expected_codes",
    [
        ("district_staff", ["19010101"]),
        ("provincial_officer", ["19010101", "19020101"]),
        ("department_viewer", ["10010101", "19010101", "19020101"]),
    ],
)
def test_api_village_list_shows_only_the_users_area(client, users, villages, role, expected_codes):
    client.force_login(users[role])
    data = client.get("/api/v1/villages/").json()
    assert data["count"] == len(expected_codes)
    assert sorted(v["code"] for v in data["results"]) == expected_codes


def test_ui_village_list_shows_only_the_users_area(client, users, villages):
    client.force_login(users["district_staff"])
    page = client.get("/areas/villages/").content.decode()
    assert "บ้านหนองโน" in page
    assert "บ้านท่าช้าง" not in page and "ชุมชนบางลำพู" not in page


def test_anonymous_is_sent_to_login_and_api_refuses(client, villages):
    assert client.get("/areas/villages/").status_code == 302
    assert client.get("/api/v1/villages/").status_code in (401, 403)


def test_password_login_then_api_session(client, users):
    response = client.post("/login/", {"username": "officer19", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/api/v1/districts/?province=19").json()["count"] > 0


@pytest.mark.parametrize(
    "role,home,other",
    [
        ("district_staff", 200, 404),  # their own province, showing only their district
        ("provincial_officer", 200, 404),
        ("department_viewer", 200, 200),
    ],
)
def test_province_page_by_role(client, users, role, home, other):
    client.force_login(users[role])
    assert client.get("/areas/provinces/19/").status_code == home
    assert client.get("/areas/provinces/10/").status_code == other


@pytest.mark.parametrize(
    "role,visible",
    [
        ("district_staff", {"OT-home"}),
        ("provincial_officer", {"OT-home", "OT-neighbour"}),
        ("department_viewer", {"OT-home", "OT-neighbour", "OT-other"}),
    ],
)
def test_otop_lists_targets_and_exports_show_only_the_area(client, users, world, role, visible):
    client.force_login(users[role])
    everything = {"OT-home", "OT-neighbour", "OT-other"}
    page = client.get("/otop/producers/").content.decode()
    assert {c for c in everything if c in page} == visible
    for url in ("/otop/producers/export.xlsx", "/otop/sales/export.xlsx?month=10&year=2568"):
        sheet = openpyxl.load_workbook(io.BytesIO(client.get(url).content)).active
        assert {row[0] for row in sheet.iter_rows(min_row=2, values_only=True)} == visible, url
    # The province's target table lists the districts the user may see.
    targets = client.get("/otop/?province=19&month=10&year=2569").content.decode()
    assert ('data-code="1902"' in targets) == ("OT-neighbour" in visible)
