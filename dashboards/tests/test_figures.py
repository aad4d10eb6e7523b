"""The cards against the monthly report built from the same records (the two must never
disagree), against figures worked out by hand (conftest.py), and sums that add up from the
villages to the country; colours, trends, weakest areas and the child tables."""

import json
from datetime import date
from decimal import Decimal

import pytest

from cdd.thai import fiscal_year, json_number
from dashboards import refresh, selectors
from dashboards.models import AreaMonth
from dashboards.tests.conftest import NOV, OCT
from funds.selectors import kkj_totals
from households.selectors import household_progress
from otop.selectors import otop_figures
from reports.builder import BUILDER, build_report, render
from villages.sv_selectors import sv_totals

MAR = date(2026, 3, 1)
D = Decimal


@pytest.fixture
def refreshed(province):
    refresh.refresh_all(provinces=["19", "10"])
    return province


def cards(user, level, code, month, **kwargs):
    data = selectors.dashboard(user=user, level=level, code=code, month=month, **kwargs)
    return {c["key"]: c for c in data["cards"]}, data


def value(card):
    return json_number(card["value"])


def _same_as_report_row(c: dict, hh: dict, wdf: dict, kkj: dict, otop: dict):
    """A dashboard's cards equal the report's figures of the same area (JSON numbers)."""
    assert value(c["plan_pct"]) == (hh["pct_with_plan"] if hh["total"] else None)
    failing = {d: v for d, v in hh["dimensions"].items() if v["failing"]}
    for d, v in hh["dimensions"].items():
        assert (
            json_number(c["helped_pct"]["detail"]["dimensions"][d]["pct_helped"])
            == (v["pct_helped"])
        )
    assert value(c["helped_pct"]) == (
        min(v["pct_helped"] for v in failing.values()) if failing else None
    )
    assert value(c["wdf"]) == (wdf["reduction_pct"] if wdf["contracts"] else None)
    for key in ("overdue_ratio_pct", "receivables", "overdue_now", "overdue_baseline", "managed"):
        assert json_number(c["wdf"]["detail"][key]) == wdf[key], key
    assert value(c["kkj"]) == (kkj["at_risk_amount"] if kkj["funds"] else None)
    assert c["kkj"]["detail"]["levels"] == kkj["levels"]
    assert json_number(c["kkj"]["detail"]["capital"]) == kkj["capital"]
    assert value(c["fabric_pct"]) == otop["fabric_pct"]
    assert json_number(c["fabric_pct"]["detail"]["fabric_target"]) == otop["fabric_target"]
    assert value(c["online_growth_pct"]) == otop["online_growth_pct"]


@pytest.mark.parametrize("month", [NOV, OCT, MAR])
def test_province_and_district_cards_equal_the_report(refreshed, officer, month):
    report = json.loads(render(build_report("19", month), "json"))
    c, _data = cards(officer, "province", "19", month)
    _same_as_report_row(
        c, report["households"]["total"], report["wdf"], report["kkj"], report["otop"]
    )
    subs = report["submissions"]
    assert {k: c["submissions"]["detail"].get(k) for k in ("on_time", "late", "missing")} == {
        k: subs[k] for k in ("on_time", "late", "missing")
    }
    sv = report["sustainable_villages"]
    groups = c["sv_met_pct"]["detail"]["groups"]
    assert {g: json_number(v["pct"]) for g, v in groups.items()} == {
        g: v["pct"] for g, v in sv["groups"].items()
    }
    assert c["sv_met_pct"]["detail"]["assessed"] == sv["assessed"]
    for district in ("1901", "1902", "1903"):
        row = {
            name: next(r for r in report[name]["rows"] if r["district_code"] == district)
            for name in ("households", "wdf", "kkj", "otop", "submissions")
        }
        d, _data = cards(officer, "district", district, month)
        _same_as_report_row(d, row["households"], row["wdf"], row["kkj"], row["otop"])
        status = row["submissions"]["status"]
        assert d["submissions"]["detail"][status] == 1, district
        totals = sv_totals(
            user=BUILDER,
            fiscal_year=fiscal_year(month),
            month=month,
            level="district",
            code=district,
        )
        assert d["sv_met_pct"]["detail"]["assessed"] == totals["assessed"]
        assert d["sv_met_pct"]["detail"]["villages"] == totals["villages"]


def test_subdistrict_and_village_cards_equal_the_selectors(refreshed, officer):
    """Below the district the report has no rows: the cards equal the selectors it calls,
    asked for the smaller area."""
    as_of = date(2026, 11, 30)
    for level, code, child in (
        ("district", "1901", "subdistrict"),
        ("subdistrict", "190101", "village"),
    ):
        progress = household_progress(user=BUILDER, as_of=as_of, level=level, code=code)
        for row in progress["rows"]:
            c, _data = cards(officer, child, row["code"], NOV)
            expected = row["pct_with_plan"] if row["total"] else None
            assert c["plan_pct"]["value"] == expected, row["code"]
            for d, v in row["dimensions"].items():
                assert c["helped_pct"]["detail"]["dimensions"][d] == v
            kkj = kkj_totals(user=BUILDER, level=child, code=row["code"])["total"]
            assert c["kkj"]["detail"]["at_risk_amount"] == kkj["at_risk_amount"]
            assert c["kkj"]["detail"]["levels"] == kkj["levels"]
            sv = sv_totals(user=BUILDER, fiscal_year=2570, month=NOV, level=child, code=row["code"])
            assert {g: v["pct"] for g, v in c["sv_met_pct"]["detail"]["groups"].items()} == {
                str(g): v["pct"] for g, v in sv["groups"].items()
            }
            if child == "subdistrict":
                otop = otop_figures(user=BUILDER, month=NOV, level=child, code=row["code"])
                assert c["fabric_pct"]["value"] == otop["total"]["fabric_pct"]
                assert c["online_growth_pct"]["value"] == otop["total"]["online_growth_pct"]


def test_hand_checked_province_in_november(refreshed, officer):
    c, data = cards(officer, "province", "19", NOV, today=date(2026, 11, 25))
    # 3 of the 5 households have a plan made by 30 November (A, C, D).
    assert (c["plan_pct"]["value"], c["plan_pct"]["status"]) == (D("60.00"), "red")
    helped = c["helped_pct"]["detail"]["dimensions"]
    # income: A and C helped of A, C, D, E; education: D of D; health (B), living (A): none.
    assert (helped["income"]["failing"], helped["income"]["helped"]) == (4, 2)
    assert helped["income"]["pct_helped"] == D("50.00")
    assert helped["education"]["pct_helped"] == D("100.00")
    assert c["helped_pct"]["value"] == D("0.00") and c["helped_pct"]["status"] == "red"
    # WDF: 1901 owes 11 parts of 1,000 by 30 Nov less 3,000 paid: 8,000 overdue of 9,000,
    # baseline 9,000 on 1 Oct; 1902: 5,000 overdue of 5,000, baseline 5,000.
    wdf = c["wdf"]["detail"]
    assert (wdf["receivables"], wdf["overdue_now"], wdf["overdue_baseline"]) == (
        D("14000.00"),
        D("13000.00"),
        D("14000.00"),
    )
    assert c["wdf"]["value"] == D("7.14") and wdf["overdue_ratio_pct"] == D("92.86")
    assert c["wdf"]["status"] == "red"
    # กข.คจ.: 3,000 + 10,000 at risk of 230,000 capital (5.65 %: more than 5 %).
    assert c["kkj"]["value"] == D("13000.00") and c["kkj"]["status"] == "red"
    assert c["kkj"]["detail"]["levels"] == {"1": 1, "2": 1, "3": 1}
    # Thai fabric: 4,000 + 1,500 of (10,000 + 1,000) x 1.10 = 45.45 %, 2 months of 12 due.
    assert c["fabric_pct"]["value"] == D("45.45") and c["fabric_pct"]["target"] == D("16.67")
    assert c["fabric_pct"]["status"] == "green"
    # Online: 1,500 + 2,000 against 1,000 + 2,500 a year earlier.
    assert c["online_growth_pct"]["value"] == D("0.00")
    assert c["online_growth_pct"]["status"] == "green"
    # Sustainable Villages: (10 + 5) of 12 indicators x 2 villages assessed.
    assert c["sv_met_pct"]["value"] == D("62.50") and c["sv_met_pct"]["status"] == "amber"
    # Submissions: 1901 on time, 1902 late, 11 districts missing, after the 20th.
    sub = c["submissions"]["detail"]
    assert (sub["on_time"], sub["late"], sub["missing"]) == (1, 1, 11)
    assert sub["due_on"] == date(2026, 11, 20) and c["submissions"]["status"] == "red"
    assert data["refreshed_at"] is not None and data["fiscal_year"] == 2570
    assert data["months"] == [OCT, NOV]


def test_hand_checked_districts_and_colours(refreshed, officer):
    home, _d = cards(officer, "district", "1901", NOV, today=date(2026, 11, 25))
    # 9,000 -> 8,000 overdue: 11.11 % less (target met), but 88.89 % of receivables.
    assert home["wdf"]["value"] == D("11.11") and home["wdf"]["status"] == "amber"
    assert home["kkj"]["value"] == D("3000.00") and home["kkj"]["status"] == "amber"  # 2 %
    assert home["sv_met_pct"]["value"] == D("83.33") and home["sv_met_pct"]["status"] == "green"
    assert home["submissions"]["status"] == "green"
    assert home["online_growth_pct"]["value"] == D("50.00")
    neighbour, _d = cards(officer, "district", "1902", NOV, today=date(2026, 11, 25))
    assert neighbour["submissions"]["status"] == "amber"  # late, none missing
    assert neighbour["online_growth_pct"]["status"] == "red"  # 2,000 against 2,500: -20 %
    assert neighbour["fabric_pct"]["value"] is None  # no Thai fabric last year: no target
    assert neighbour["fabric_pct"]["status"] == "none"
    village, _d = cards(officer, "village", "19010501", NOV)
    assert village["kkj"]["value"] == D("0.00") and village["kkj"]["status"] == "green"


def test_before_the_due_date_submissions_have_no_colour(refreshed, officer):
    c, _d = cards(officer, "province", "19", NOV, today=date(2026, 11, 20))
    assert c["submissions"]["status"] == "none"
    assert c["submissions"]["detail"]["missing"] == 11
    c, _d = cards(officer, "province", "19", NOV, today=date(2026, 11, 21))
    assert c["submissions"]["status"] == "red"


def test_trend_over_the_fiscal_year(refreshed, officer):
    c, data = cards(officer, "province", "19", NOV)
    assert c["plan_pct"]["trend"] == [
        {"month": OCT, "label": "ต.ค. 69", "value": D("40.00")},
        {"month": NOV, "label": "พ.ย. 69", "value": D("60.00")},
    ]
    march, data = cards(officer, "province", "19", MAR)
    assert data["months"][0] == date(2025, 10, 1) and data["months"][-1] == MAR
    assert [t["label"] for t in march["plan_pct"]["trend"]][:2] == ["ต.ค. 68", "พ.ย. 68"]
    # Plans: C on 1 Dec 2025, nothing before.
    assert [t["value"] for t in march["plan_pct"]["trend"]] == [
        D("0.00"),
        D("0.00"),
        D("20.00"),
        D("20.00"),
        D("20.00"),
        D("20.00"),
    ]
    assert march["online_growth_pct"]["trend"][-1]["value"] is None  # no sales the year before


def test_weakest_areas_and_the_child_table(refreshed, officer):
    c, data = cards(officer, "province", "19", NOV, today=date(2026, 11, 25))
    # 1902: 0 of 1 households with a plan; 1901: 3 of 4; the others have no households.
    assert [(w["code"], w["value"]) for w in c["plan_pct"]["weakest"]] == [
        ("1902", D("0.00")),
        ("1901", D("75.00")),
    ]
    assert [w["code"] for w in c["kkj"]["weakest"]] == ["1902", "1901"]  # 12.5 % then 2 %
    # Submissions: the 11 missing first (red), then the late one; none on time.
    weakest = [w["code"] for w in c["submissions"]["weakest"]]
    assert len(weakest) == 3 and "1901" not in weakest and "1902" not in weakest
    children = data["children"]
    assert children["level"] == "district" and children["columns"] == selectors.KEYS
    assert [r["code"] for r in children["rows"]] == [f"19{n:02d}" for n in range(1, 14)]
    row = next(r for r in children["rows"] if r["code"] == "1901")
    assert row["name"] == "เมืองสระบุรี" and row["values"]["plan_pct"] == D("75.00")
    assert row["status"]["submissions"] == "green"

    _c, district = cards(officer, "district", "1901", NOV)
    assert district["children"]["level"] == "subdistrict"
    assert "wdf" not in district["children"]["columns"]
    assert "submissions" not in district["children"]["columns"]
    assert "fabric_pct" in district["children"]["columns"]
    sub, subdistrict = cards(officer, "subdistrict", "190101", NOV)
    assert sub["wdf"]["applicable"] is False and sub["wdf"]["value"] is None
    assert sub["wdf"]["status"] == "none" and sub["submissions"]["value"] is None
    assert sub["fabric_pct"]["value"] == D("45.45")
    assert subdistrict["children"]["columns"] == ["plan_pct", "helped_pct", "kkj", "sv_met_pct"]
    assert [r["code"] for r in subdistrict["children"]["rows"]] == ["19010101", "19010102"]
    village, data = cards(officer, "village", "19010101", NOV)
    assert data["children"] == {"level": None, "columns": [], "rows": []}
    assert village["fabric_pct"]["applicable"] is False


def test_breadcrumb_shows_only_what_the_user_may_see(refreshed, users):
    for role, first in (
        ("department_viewer", "national"),
        ("provincial_officer", "province"),
        ("district_staff", "district"),
    ):
        data = selectors.dashboard(user=users[role], level="village", code="19010101", month=NOV)
        crumbs = data["breadcrumb"]
        assert crumbs[0]["level"] == first, role
        assert crumbs[-1] == {"level": "village", "code": "19010101", "name": "บ้านหนองโน"}
    crumbs = selectors.dashboard(
        user=users["department_viewer"], level="subdistrict", code="190101", month=NOV
    )["breadcrumb"]
    assert [(c["level"], c["code"]) for c in crumbs] == [
        ("national", None),
        ("province", "19"),
        ("district", "1901"),
        ("subdistrict", "190101"),
    ]


def test_sums_add_up_from_villages_to_the_country(refreshed):
    rows = {(r.level, r.code, r.month): r for r in AreaMonth.objects.all()}
    assert rows, "nothing refreshed"
    checked = 0
    for (level, code, month), row in rows.items():
        if level == "village":
            continue
        children = [
            r
            for (lv, _c, m), r in rows.items()
            if m == month and r.parent_code == code and lv == selectors.CHILD[level]
        ]
        if level == "national":
            children = [r for (lv, _c, m), r in rows.items() if lv == "province" and m == month]
        for field in refresh.SUMMED:
            if not children or getattr(children[0], field) is None:
                continue  # not kept at the children's level
            assert getattr(row, field) == sum(getattr(c, field) for c in children), (
                level,
                code,
                month,
                field,
            )
            checked += 1
    assert checked > 1000
    nov = {(r.level, r.code): r for r in AreaMonth.objects.filter(month=NOV)}
    assert nov[("village", "19010101")].hh_total == 2
    assert nov[("subdistrict", "190101")].hh_total == 3  # 19010101 and 19010102
    assert nov[("district", "1901")].hh_total == 4
    assert nov[("province", "19")].hh_total == 5
    assert nov[("national", "")].hh_total == 6  # Bangkok's household too
    assert nov[("village", "19010101")].wdf_contracts is None  # not kept below the district


def test_ranking_orders_the_provinces(refreshed, users):
    data = selectors.ranking(user=users["department_viewer"], month=NOV, today=date(2026, 11, 25))
    assert [p["code"] for p in data["provinces"]] == ["10", "19"]
    assert data["ranks"]["plan_pct"] == ["19", "10"]  # 60 % against 0 %
    assert data["ranks"]["kkj"] == ["19", "10"]  # Bangkok has no fund: last
    assert data["ranks"]["wdf"] == ["19", "10"]
    bangkok = data["provinces"][0]
    assert bangkok["values"]["kkj"] is None and bangkok["status"]["kkj"] == "none"
    assert [k["key"] for k in data["kpis"]] == selectors.KEYS
    assert data["refreshed_at"] is not None and data["fiscal_year"] == 2570


def test_a_month_without_summaries_shows_no_values(refreshed, officer):
    c, data = cards(officer, "province", "19", date(2024, 5, 1))
    assert all(card["value"] is None and card["status"] == "none" for card in c.values())
    assert data["refreshed_at"] is None


def test_rag_rules():
    rag = selectors.rag
    kw = {"month": NOV, "today": date(2026, 12, 1)}
    assert [rag("plan_pct", D(v), {}, **kw) for v in ("95", "94.99", "80", "79.99")] == [
        "green",
        "amber",
        "amber",
        "red",
    ]
    assert rag("plan_pct", None, {}, **kw) == "none"
    assert rag("helped_pct", D("60"), {"meets_kpi": False}, **kw) == "amber"
    assert rag("helped_pct", D("80"), {"meets_kpi": True}, **kw) == "green"
    assert rag("helped_pct", D("59.99"), {"meets_kpi": False}, **kw) == "red"
    both = {"meets_reduction_target": True, "within_ceiling": True}
    assert rag("wdf", D("12"), both, **kw) == "green"
    assert rag("wdf", D("12"), {**both, "within_ceiling": False}, **kw) == "amber"
    assert rag("wdf", D("2"), {"meets_reduction_target": False, "within_ceiling": False}, **kw) == (
        "red"
    )
    assert rag("kkj", D("0"), {"capital": D("1000")}, **kw) == "green"
    assert rag("kkj", D("50"), {"capital": D("1000")}, **kw) == "amber"
    assert rag("kkj", D("50.01"), {"capital": D("1000")}, **kw) == "red"
    expected = {"expected_pct": D("50.00")}  # March: 6 of 12 months
    assert selectors.expected_fabric_pct(date(2027, 3, 1)) == D("50.00")
    assert [rag("fabric_pct", D(v), expected, **kw) for v in ("50", "40", "39.99")] == [
        "green",
        "amber",
        "red",
    ]
    assert [rag("online_growth_pct", D(v), {}, **kw) for v in ("0", "-10", "-10.01")] == [
        "green",
        "amber",
        "red",
    ]
    assert [rag("sv_met_pct", D(v), {}, **kw) for v in ("80", "50", "49.99")] == [
        "green",
        "amber",
        "red",
    ]
    due = {"due_on": date(2026, 11, 20), "late": 0, "missing": 0}
    assert rag("submissions", D("100"), due, **kw) == "green"
    assert rag("submissions", D("90"), {**due, "late": 1}, **kw) == "amber"
    assert rag("submissions", D("90"), {**due, "missing": 1}, **kw) == "red"
    assert rag(
        "submissions", D("0"), {**due, "missing": 5}, month=NOV, today=date(2026, 11, 20)
    ) == ("none")
