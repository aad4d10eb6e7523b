"""OTOP figures with hand-computed numbers: fiscal-year edges, the Thai-fabric target
(1,000,000 last year -> target 1,100,000 -> 275,000 so far is 25.00%), online growth against
the same months last year, producers without sales, and the district rows by area."""

from datetime import date
from decimal import Decimal as D

import pytest

from otop.selectors import otop_figures, otop_section, producer_monthly
from otop.services import factor_save

from .conftest import make_producer, make_product, sell

NOV_2025 = date(2025, 11, 1)


@pytest.fixture
def sales(users):
    """Two producers with sales in FY 2568 and FY 2569, one active producer that never sold,
    one that stopped producing, and a Bangkok producer (another province)."""
    officer, admin = users["provincial_officer"], users["system_admin"]
    weavers = make_producer(officer, "OT-1", "190101", name="กลุ่มทอผ้า", thai_fabric_group=True)
    silk = make_product(officer, weavers, "T-1", category="textile", thai_fabric=True)
    kitchen = make_producer(officer, "OT-2", "190201", name="แม่บ้านแก่งคอย")
    chili = make_product(officer, kitchen, "F-2", category="food")
    cloth = make_product(officer, kitchen, "X-2", category="textile")  # not Thai fabric
    make_producer(officer, "OT-3", "190105", name="ยังไม่ขาย")
    make_producer(officer, "OT-4", "190105", name="เลิกผลิต", active=False)
    bangkok = make_producer(admin, "OT-BKK", "100101", thai_fabric_group=True)
    # FY 2568 (2024-10 .. 2025-09)
    sell(officer, weavers, "2025-03", "offline", "600000")  # no product: a weaving group's
    sell(officer, weavers, "2025-09", "online", "400000", product=silk)  # last month of FY 2568
    sell(officer, kitchen, "2024-10", "online", "80000", product=cloth)
    sell(officer, kitchen, "2024-11", "online", "20000")
    sell(officer, kitchen, "2024-12", "online", "50000")
    # FY 2569 (2025-10 .. 2026-09)
    sell(officer, weavers, "2025-10", "offline", "200000", product=silk)  # first month of 2569
    sell(officer, weavers, "2025-11", "online", "75000")
    sell(officer, kitchen, "2025-10", "offline", "50000", product=chili)
    sell(officer, kitchen, "2025-11", "online", "45000")
    sell(officer, kitchen, "2025-12", "online", "99999")  # after November: not counted
    sell(admin, bangkok, "2025-10", "offline", "1000")
    return {"weavers": weavers, "kitchen": kitchen}


def test_province_figures_for_november(users, sales):
    fig = otop_figures(
        user=users["provincial_officer"], month=NOV_2025, level="province", code="19"
    )
    assert fig["fiscal_year"] == 2569
    assert fig["sales_fy"] == D("370000.00")  # 200,000 + 75,000 + 50,000 + 45,000
    assert fig["sales_fy_by_channel"] == {"offline": D("250000"), "online": D("120000")}
    assert fig["sales_fy_by_category"] == {
        "food": D("50000"),
        "beverage": 0,
        "textile": D("200000"),
        "household": 0,
        "herbal": 0,
        "none": D("120000"),
    }
    # Thai fabric: the weaving group's rows without a product count, the factory cloth does not.
    assert fig["fabric_sales_prev_fy"] == D("1000000.00")
    assert fig["fabric_factor"] == D("1.10")
    assert fig["fabric_target"] == D("1100000.00")
    assert fig["fabric_sales_fy"] == D("275000.00")
    assert fig["fabric_pct"] == D("25.00")
    # Online: October-November 2025 against October-November 2024.
    assert fig["online_sales_fy"] == D("120000.00")
    assert fig["online_sales_prev_same_period"] == D("100000.00")
    assert fig["online_growth_pct"] == D("20.00")
    assert fig["total"]["sales_fy"] == fig["sales_fy"]
    rows = {r["code"]: r for r in fig["rows"]}
    assert [r["code"] for r in fig["rows"]] == [f"19{n:02d}" for n in range(1, 14)]
    assert rows["1901"]["name"] == "เมืองสระบุรี"
    assert (rows["1901"]["sales_fy"], rows["1901"]["fabric_pct"]) == (D("275000"), D("25.00"))
    assert rows["1901"]["online_growth_pct"] is None  # nothing online a year earlier
    assert rows["1902"]["fabric_target"] == 0 and rows["1902"]["fabric_pct"] is None
    assert rows["1902"]["online_growth_pct"] == D("-55.00")  # 45,000 against 100,000
    assert rows["1903"]["sales_fy"] == 0
    assert [(p["code"], p["amount"], p["district_code"]) for p in fig["top_producers"]] == [
        ("OT-1", D("275000.00"), "1901"),
        ("OT-2", D("95000.00"), "1902"),
    ]
    # OT-3 never sold; OT-4 stopped producing and is not chased.
    assert [p["code"] for p in fig["producers_without_sales"]] == ["OT-3"]
    assert fig["producers_without_sales_count"] == 1


def test_september_closes_one_fiscal_year_and_october_opens_the_next(users, sales):
    officer = users["provincial_officer"]
    september = otop_figures(user=officer, month=date(2025, 9, 1), level="province", code="19")
    assert september["fiscal_year"] == 2568
    # 600,000 + 400,000 + 80,000 + 20,000 + 50,000
    assert september["sales_fy"] == D("1150000.00")
    assert september["fabric_sales_fy"] == D("1000000.00")
    october = otop_figures(user=officer, month=date(2025, 10, 1), level="province", code="19")
    assert october["fiscal_year"] == 2569
    assert october["sales_fy"] == D("250000.00")  # October 2025 only
    assert october["fabric_sales_prev_fy"] == D("1000000.00")  # September is last year's
    assert october["online_sales_prev_same_period"] == D("80000.00")  # October 2024
    assert october["online_growth_pct"] == D("-100.00")
    assert [p["code"] for p in october["producers_without_sales"]] == ["OT-3"]


def test_a_month_without_sales(users, sales):
    fig = otop_figures(user=users["provincial_officer"], month=date(2024, 9, 1))
    assert fig["fiscal_year"] == 2567
    assert fig["sales_fy"] == 0 and fig["fabric_sales_prev_fy"] == 0
    assert fig["fabric_target"] == 0 and fig["fabric_pct"] is None
    assert fig["online_sales_fy"] == 0 and fig["online_growth_pct"] is None
    assert fig["top_producers"] == []
    without = fig["producers_without_sales"]
    assert [(p["code"], p["district_code"]) for p in without] == [
        ("OT-1", "1901"),
        ("OT-3", "1901"),
        ("OT-2", "1902"),
    ]
    assert without[0]["name"] == "กลุ่มทอผ้า" and without[0]["district"] == "เมืองสระบุรี"


def test_the_factor_of_the_year_sets_the_target(users, sales):
    factor_save(user=users["system_admin"], fiscal_year=2569, factor=D("1.20"))
    fig = otop_figures(user=users["provincial_officer"], month=NOV_2025)
    assert fig["fabric_target"] == D("1200000.00")
    assert fig["fabric_pct"] == D("22.92")  # 275,000 / 1,200,000 = 22.9166...


def test_a_corrected_month_is_counted_once(users, sales):
    officer = users["provincial_officer"]
    sell(officer, sales["kitchen"], "2025-11", "online", "55000")  # was 45,000
    fig = otop_figures(user=officer, month=NOV_2025)
    assert fig["online_sales_fy"] == D("130000.00")
    assert fig["sales_fy"] == D("380000.00")


def test_district_staff_see_only_their_district(users, sales):
    fig = otop_figures(user=users["district_staff"], month=NOV_2025)
    assert [r["code"] for r in fig["rows"]] == ["1901"]
    assert fig["sales_fy"] == D("275000.00")
    assert [p["code"] for p in fig["top_producers"]] == ["OT-1"]
    assert fig["online_sales_prev_same_period"] == 0
    neighbour = otop_figures(
        user=users["district_staff"], month=NOV_2025, level="district", code="1902"
    )
    assert neighbour["rows"] == [] and neighbour["sales_fy"] == 0


def test_department_sees_the_country(users, sales):
    fig = otop_figures(user=users["department_viewer"], month=date(2025, 10, 1))
    assert fig["sales_fy"] == D("251000.00")  # with Bangkok's 1,000
    bangkok = otop_figures(
        user=users["department_viewer"], month=date(2025, 10, 1), level="province", code="10"
    )
    assert bangkok["fabric_sales_fy"] == D("1000.00")


def test_producer_monthly_fills_empty_months(users, sales):
    rows = producer_monthly(sales["kitchen"], months=4, until=date(2025, 12, 1))
    assert rows == [
        {"month": date(2025, 9, 1), "offline": 0, "online": 0},
        {"month": date(2025, 10, 1), "offline": D("50000.00"), "online": 0},
        {"month": date(2025, 11, 1), "offline": 0, "online": D("45000.00")},
        {"month": date(2025, 12, 1), "offline": 0, "online": D("99999.00")},
    ]
    across_new_year = producer_monthly(sales["kitchen"], months=3, until=date(2025, 1, 1))
    assert [r["month"] for r in across_new_year] == [
        date(2024, 11, 1),
        date(2024, 12, 1),
        date(2025, 1, 1),
    ]
    assert [r["online"] for r in across_new_year] == [D("20000"), D("50000"), 0]


def test_report_section_has_the_contract_keys_as_numbers(users, sales):
    data = otop_section(user=users["provincial_officer"], province="19", as_of=date(2025, 11, 30))
    assert {
        k: data[k]
        for k in (
            "sales_fy",
            "fabric_sales_prev_fy",
            "fabric_target",
            "fabric_sales_fy",
            "fabric_pct",
            "online_sales_fy",
            "online_sales_prev_same_period",
            "online_growth_pct",
        )
    } == {
        "sales_fy": 370000.0,
        "fabric_sales_prev_fy": 1000000.0,
        "fabric_target": 1100000.0,
        "fabric_sales_fy": 275000.0,
        "fabric_pct": 25.0,
        "online_sales_fy": 120000.0,
        "online_sales_prev_same_period": 100000.0,
        "online_growth_pct": 20.0,
    }
    assert data["fiscal_year"] == 2569 and data["producers_without_sales"] == 1
    assert data["rows"][1]["district_code"] == "1902"
    assert data["rows"][1]["fabric_pct"] is None
