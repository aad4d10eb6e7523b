"""A small province with something for every card, entered through the apps' services, on
a fixed day (25 November 2026, fiscal year 2570; the window of summaries is October 2025 to
November 2026), and the summaries refreshed from it."""

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection

from funds.models import KkjFund
from funds.services import kkj_fund_save
from funds.tests.conftest import make_loan, pay
from households.models import DevelopmentPlan
from households.services import assistance_add, plan_save
from households.tests.conftest import make_household
from imports.engine import run_import
from otop.tests.conftest import make_producer, make_product, sell
from reports import cycle
from villages.models import District, SvIndicator, Village
from villages.sv_services import assessment_save, designate

BKK = ZoneInfo("Asia/Bangkok")
TODAY = date(2026, 11, 25)
NOV, OCT = date(2026, 11, 1), date(2026, 10, 1)
SV_HEADER = ["fiscal_year", "code", "kind", "dimension", "number", "name"]


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


@pytest.fixture(autouse=True)
def _one_thread(settings):
    """The full refresh in the test's own thread: other threads' connections would not see
    the test's uncommitted data (test_worker.py runs it with two threads, committed)."""
    settings.DASHBOARD_REFRESH_THREADS = 1


@pytest.fixture
def no_auto_refresh(monkeypatch):
    """Changes queue no refresh (with real commits, every save would run one in-process)."""
    from dashboards import tasks

    monkeypatch.setattr(tasks, "_queue", lambda *args: False)


@pytest.fixture
def frozen():
    """Today is 25 November 2026, 10:00 in Bangkok."""
    with at("2026-11-25 10:00"):
        yield TODAY


def sv_indicator_rows(fy):
    """7 basic indicators, 3 in dimension 1 and 2 in dimension 2."""
    rows = [[fy, f"B{n}", "basic", "", n, f"พื้นฐาน {n}"] for n in range(1, 8)]
    rows += [[fy, f"D1.{n}", "dimension", 1, n, f"มิติ 1 ข้อ {n}"] for n in range(1, 4)]
    rows += [[fy, f"D2.{n}", "dimension", 2, n, f"มิติ 2 ข้อ {n}"] for n in range(1, 3)]
    lines = [",".join(SV_HEADER), *[",".join(str(c) for c in row) for row in rows]]
    return ("\n".join(lines) + "\n").encode()


def sv_ids(*codes, fy=2570):
    return list(
        SvIndicator.objects.filter(set__fiscal_year=fy, code__in=codes).values_list("pk", flat=True)
    )


@pytest.fixture
def province(frozen, users, villages):
    """Province 19, entered through the services (figures worked out in the tests):

    Villages: 19010101 and 19010102 (subdistrict 190101) and 19010501 (190105) in district
    1901; 19020101 in 1902; 10010101 in Bangkok.

    Households (failing dimensions; plan; help):
    - 19010101: A (income, living; plan 5 Oct 2026; income helped 10 Oct 2026), B (new,
      health; no plan);
    - 19010102: C (income; plan 1 Dec 2025; income helped 15 Jan 2026);
    - 19010501: D (education, income; plan 2 Nov 2026; education helped 3 Nov 2026);
    - 19020101: E (income; no plan); 10010101: F (Bangkok).

    WDF: in 1901 12,000 in 12 monthly parts from 10 Jan 2026, 3,000 paid on 15 Oct 2026; in
    1902 5,000 due 1 Mar 2026, never paid.

    กข.คจ.: 19010101 capital 100,000, level 2, 3,000 problem money; 19010501 50,000, level 3;
    19020101 80,000, level 1, accelerated, 10,000 damaged.

    OTOP: a weaving group in 190101 sold Thai fabric offline: 10,000 in Oct 2025 and 4,000 in
    Oct 2026, and 1,000 online in Nov 2025 and 1,500 in Nov 2026; a producer in 190201 sold
    2,500 online in Oct 2025 and 2,000 in Oct 2026.

    Sustainable Villages 2570 (7 basic, 3 + 2 dimension indicators): 19010101 (100 households,
    350 people) met 7 basic, D1.1, D1.2, D2.1 in November; 19020101 (80, 300) met 5 basic.

    Submissions: November: 1901 on 12 Nov (on time), 1902 on 23 Nov (late, due 20 Nov);
    October: 1901 on 15 Oct (on time)."""
    admin, staff = users["system_admin"], users["district_staff"]
    v = {
        "19010101": villages["home"],
        "19010102": Village.objects.create(code="19010102", subdistrict_id="190101", name="นาดี"),
        "19010501": Village.objects.create(code="19010501", subdistrict_id="190105", name="โคก"),
        "19020101": villages["neighbour"],
        "10010101": villages["other"],
    }
    a = make_household(v["19010101"], "19010101001", dims=("income", "living"))
    make_household(v["19010101"], "19010101002", source="new", dims=("health",))
    c = make_household(v["19010102"], "19010102001", dims=("income",))
    d = make_household(v["19010501"], "19010501001", dims=("education", "income"))
    make_household(v["19020101"], "19020101001", dims=("income",))
    make_household(v["10010101"], "10010101001", dims=("income",))
    for household, made_on in (
        (a, date(2026, 10, 5)),
        (c, date(2025, 12, 1)),
        (d, date(2026, 11, 2)),
    ):
        plan_save(user=admin, household=household, plan=DevelopmentPlan(made_on=made_on))
    for household, day, dimension in (
        (a, date(2026, 10, 10), "income"),
        (c, date(2026, 1, 15), "income"),
        (d, date(2026, 11, 3), "education"),
    ):
        assistance_add(
            user=admin,
            households=[household],
            date=day,
            dimension=dimension,
            phase="short",
            agency="พช.",
            description="ถุงยังชีพ",
        )
    loan = make_loan(admin, "WDF-1", "12000", "2025-12-15", 12, "2026-01-10", interval=1)
    pay(admin, loan, "2026-10-15", "3000")
    make_loan(admin, "WDF-2", "5000", "2025-06-01", 1, "2026-03-01", district="1902")
    for code, capital, level, problem, damaged, accelerated in (
        ("19010101", 100000, 2, 3000, 0, False),
        ("19010501", 50000, 3, 0, 0, False),
        ("19020101", 80000, 1, 0, 10000, True),
    ):
        fund = KkjFund(
            capital=Decimal(capital),
            governance_level=level,
            assessed_on=date(2026, 9, 1),
            problem_amount=Decimal(problem),
            damaged_amount=Decimal(damaged),
            accelerated=accelerated,
        )
        kkj_fund_save(user=admin, fund=fund, village=v[code])
    weaver = make_producer(admin, "OT-1", "190101", thai_fabric_group=True)
    cloth = make_product(admin, weaver, "P-1", category="textile", thai_fabric=True)
    sell(admin, weaver, "2025-10", "offline", "10000", product=cloth)
    sell(admin, weaver, "2026-10", "offline", "4000", product=cloth)
    sell(admin, weaver, "2025-11", "online", "1000", product=cloth)
    sell(admin, weaver, "2026-11", "online", "1500", product=cloth)
    other = make_producer(admin, "OT-2", "190201")
    sell(admin, other, "2025-10", "online", "2500")
    sell(admin, other, "2026-10", "online", "2000")
    assert run_import("sv_indicators", sv_indicator_rows(2570), "sv.csv", user=admin).ok
    basic = [f"B{n}" for n in range(1, 8)]
    for code, households, people, met in (
        ("19010101", 100, 350, [*basic, "D1.1", "D1.2", "D2.1"]),
        ("19020101", 80, 300, basic[:5]),
    ):
        designation = designate(
            user=admin, village=v[code], fiscal_year=2570, households=households, people=people
        )
        assessment_save(user=admin, designation=designation, month=NOV, indicator_ids=sv_ids(*met))
    for district, month, moment in (
        ("1901", NOV, "2026-11-12 09:00"),
        ("1902", NOV, "2026-11-23 09:00"),
        ("1901", OCT, "2026-10-15 09:00"),
    ):
        with at(moment):
            s = cycle.submission_for(
                user=admin, district=District.objects.get(pk=district), month=month
            )
            late = "น้ำท่วม" if district == "1902" else ""
            cycle.submit(
                user=staff if district == "1901" else admin, submission=s, late_reason=late
            )
    # The test's transaction never commits: forget what these changes queued, so a test's
    # own changes queue afresh (the tests refresh the summaries of this data themselves).
    connection._dashboards_dirty = None
    return v
