"""Funds over the API: scoped resources, writes through the services, and the `wdf` and `kkj`
report sections with the CONTRACT.md keys."""

from datetime import date
from decimal import Decimal as D

import pytest
from rest_framework.authtoken.models import Token

from funds.models import BudgetLine, Disbursement, KkjFund, WdfPayment
from funds.services import kkj_fund_save, place_fund

from .conftest import make_loan, pay


def api(user):
    token, _ = Token.objects.get_or_create(user=user)
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


@pytest.fixture
def ledger(users):
    officer = users["provincial_officer"]
    home = make_loan(officer, "H-1", "12000", "2024-01-10", 3, "2024-07-10", interval=6)
    pay(officer, home, "2024-07-10", "4000")
    neighbour = make_loan(officer, "N-1", "1000000", "2024-01-01", 1, "2024-09-01", district="1902")
    pay(officer, neighbour, "2024-11-01", "50000")
    return {"home": home, "neighbour": neighbour}


@pytest.mark.parametrize(
    "role,expected",
    [
        ("district_staff", ["H-1"]),
        ("provincial_officer", ["H-1", "N-1"]),
        ("department_viewer", ["H-1", "N-1"]),
    ],
)
def test_loan_list_is_scoped(client, users, ledger, role, expected):
    data = client.get("/api/v1/wdf_loans/", **api(users[role])).json()
    assert sorted(x["contract_no"] for x in data["results"]) == expected
    assert data["count"] == len(expected)


def test_outside_area_is_404_and_filters_by_area(client, users, ledger):
    staff = api(users["district_staff"])
    assert client.get(f"/api/v1/wdf_loans/{ledger['neighbour'].pk}/", **staff).status_code == 404
    officer = api(users["provincial_officer"])
    data = client.get("/api/v1/wdf_loans/?district=1902", **officer).json()
    assert [x["contract_no"] for x in data["results"]] == ["N-1"]
    payments = client.get("/api/v1/wdf_payments/", **staff).json()
    assert [p["contract_no"] for p in payments["results"]] == ["H-1"]


def test_create_loan_and_payment_through_the_api(client, users, ledger):
    staff = api(users["district_staff"])
    body = {
        "contract_no": "H-2",
        "district_code": "1901",
        "borrower_name": "นางมาลี ดีงาม",
        "borrower_kind": "person",
        "principal": "30000.00",
        "contract_date": "2025-01-15",
        "instalments": 3,
        "first_due_date": "2026-01-15",
        "interval_months": 12,
    }
    created = client.post("/api/v1/wdf_loans/", body, content_type="application/json", **staff)
    assert created.status_code == 201, created.json()
    bad = dict(body, contract_no="H-3", first_due_date="2024-01-15")
    refused = client.post("/api/v1/wdf_loans/", bad, content_type="application/json", **staff)
    assert refused.status_code == 400
    assert "ก่อนวันที่ทำสัญญา" in str(refused.json())
    outside = dict(body, contract_no="H-4", district_code="1902")
    refused = client.post("/api/v1/wdf_loans/", outside, content_type="application/json", **staff)
    assert refused.status_code == 400 and "นอกพื้นที่" in str(refused.json())
    payment = {"contract_no": "H-2", "paid_on": "2026-01-15", "amount": "10000"}
    made = client.post("/api/v1/wdf_payments/", payment, content_type="application/json", **staff)
    assert made.status_code == 201, made.json()
    too_much = dict(payment, amount="20000.01")
    refused = client.post(
        "/api/v1/wdf_payments/", too_much, content_type="application/json", **staff
    )
    assert refused.status_code == 400 and "มากกว่ายอดคงเหลือ" in str(refused.json())
    assert WdfPayment.objects.filter(loan__contract_no="H-2").count() == 1
    viewer = api(users["department_viewer"])
    denied = client.post(
        "/api/v1/wdf_payments/", payment, content_type="application/json", **viewer
    )
    assert denied.status_code in (403, 404)


def test_figures_and_follow_up_over_the_api(client, users, ledger):
    officer = api(users["provincial_officer"])
    data = client.get(
        "/api/v1/wdf_loans/figures/?level=province&code=19&as_of=2024-12-01", **officer
    ).json()
    by_code = {r["code"]: r for r in data["rows"]}
    assert by_code["1902"]["overdue_baseline"] == 1000000
    assert by_code["1902"]["overdue_now"] == 950000
    assert by_code["1902"]["reduction_pct"] == 5.0
    assert by_code["1902"]["to_collect_for_target"] == 50000
    assert by_code["1901"]["overdue_now"] == 0
    follow = client.get("/api/v1/wdf_loans/follow-up/?as_of=2025-03-01", **officer).json()
    assert [r["contract_no"] for r in follow["rows"]] == ["N-1", "H-1"]
    staff = api(users["district_staff"])
    outside = client.get("/api/v1/wdf_loans/figures/?level=district&code=1902", **staff)
    assert outside.status_code == 404


def test_wdf_section_has_the_contract_keys(client, users, ledger):
    officer = users["provincial_officer"]
    BudgetLine.objects.create(province_id="19", fiscal_year=2568, kind="revolving", allocated=300)
    line = BudgetLine.objects.get()
    Disbursement.objects.create(line=line, paid_on=date(2024, 11, 1), amount=100, project="x")
    data = client.get(
        "/api/v1/sections/wdf/?province=19&month=2567-12", **api(officer)
    ).json()  # December 2024 (B.E. month), fiscal year 2568
    for key in (
        "receivables",
        "overdue_baseline",
        "overdue_now",
        "managed",
        "reduction_pct",
        "overdue_ratio_pct",
        "budget",
    ):
        assert key in data
    # H-1: 8,000 left, 4,000 of it due 2025-01-10 (not yet); N-1: 950,000 all overdue.
    assert data["receivables"] == 958000
    assert data["overdue_baseline"] == 1000000
    assert data["overdue_now"] == 950000
    assert data["managed"] == 50000
    assert data["reduction_pct"] == 5.0
    assert data["overdue_ratio_pct"] == 99.16  # 950,000 / 958,000
    assert data["budget"][-1] == {
        "line": "total",
        "allocated": 300.0,
        "disbursed": 100.0,
        "pct": 33.33,
    }
    assert [b["line"] for b in data["budget"]] == [
        "administration",
        "revolving",
        "subsidy",
        "total",
    ]
    one = client.get(
        "/api/v1/sections/wdf/?province=19&month=2024-12&district=1901", **api(officer)
    ).json()
    assert one["overdue_now"] == 0 and one["receivables"] == 8000


def test_kkj_section_has_the_contract_keys(client, users, villages):
    officer = users["provincial_officer"]
    for village, level, accelerated, problem, damaged in [
        (villages["home"], 3, False, 0, 0),
        (villages["neighbour"], 1, True, D("45000.50"), D("12000")),
    ]:
        kkj_fund_save(
            user=officer,
            fund=KkjFund(
                capital=D("280000"),
                governance_level=level,
                assessed_on=date(2025, 9, 15),
                accelerated=accelerated,
                problem_amount=problem,
                damaged_amount=damaged,
            ),
            village=village,
        )
    other = KkjFund(capital=1, governance_level=2, assessed_on=date(2025, 1, 1))
    place_fund(other, villages["other"])
    other.save()
    data = client.get("/api/v1/sections/kkj/?province=19&month=2025-10", **api(officer)).json()
    assert {k: data[k] for k in list(data) if k != "rows"} == {
        "funds": 2,
        "capital": 560000.0,
        "levels": {"1": 1, "2": 0, "3": 1},
        "accelerated_funds": 1,
        "problem_amount": 45000.5,
        "damaged_amount": 12000.0,
        "at_risk_amount": 57000.5,
    }
    staff = users["district_staff"]
    mine = client.get(
        "/api/v1/sections/kkj/?province=19&month=2025-10&district=1901", **api(staff)
    ).json()
    assert mine["funds"] == 1 and mine["at_risk_amount"] == 0
    outside = client.get(
        "/api/v1/sections/kkj/?province=19&month=2025-10&district=1902", **api(staff)
    )
    assert outside.status_code == 404
    funds = client.get("/api/v1/kkj_funds/", **api(staff)).json()
    assert [f["village_code"] for f in funds["results"]] == ["19010101"]
