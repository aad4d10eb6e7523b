"""The monthly report's JSON for a small generated province, against figures worked out by
hand; the same numbers as the section API; Excel with one sheet per section; a month with
no data still builds."""

import io
import json
from datetime import date, datetime
from zoneinfo import ZoneInfo

import openpyxl
import pytest
import time_machine
from django.core.management import call_command
from django.urls import reverse

from funds.tests.conftest import make_loan, pay
from households.models import DevelopmentPlan
from households.services import plan_save
from households.tests.conftest import make_household
from otop.tests.conftest import make_producer, sell
from reports import cycle, indicators
from reports.builder import build_report, render
from reports.models import Indicator, Mission
from villages.models import District, Village

BKK = ZoneInfo("Asia/Bangkok")


def at(text: str):
    return time_machine.travel(datetime.fromisoformat(text).replace(tzinfo=BKK), tick=False)


@pytest.fixture
def province(users, villages):
    """District 1901: two households (one with a plan made 5 Oct 2569), a WDF loan of 12,000
    in 12 monthly parts from 10 Jan 2026 with 3,000 paid on 15 Oct, 5,000 baht of OTOP sales
    in October, and its October report sent on 12 Oct with a narrative and an indicator.
    District 1902: one household, nothing else. The other 11 districts: nothing."""
    officer, staff = users["provincial_officer"], users["district_staff"]
    home1 = make_household(villages["home"], "19010101001", dims=("income", "living"))
    make_household(villages["home"], "19010101002", source="new", dims=("health",))
    make_household(villages["neighbour"], "19020101001")
    plan_save(user=staff, household=home1, plan=DevelopmentPlan(made_on=date(2026, 10, 5)))
    loan = make_loan(officer, "WDF-1", "12000", "2025-12-15", 12, "2026-01-10", interval=1)
    pay(officer, loan, "2026-10-15", "3000")
    producer = make_producer(officer, "OT-1")
    sell(officer, producer, "2026-10", "offline", "5000")
    mission = Mission.objects.create(
        province_id="19", fiscal_year=2570, number=1, name="โคก หนอง นา"
    )
    plots = Indicator.objects.create(
        province_id="19",
        fiscal_year=2570,
        number=1,
        name="แปลงที่ขุดเสร็จ",
        unit="แปลง",
        mission=mission,
    )
    with at("2026-10-12 10:00"):
        s = cycle.submission_for(
            user=staff, district=District.objects.get(pk="1901"), month=date(2026, 10, 1)
        )
        heading = cycle.headings_for("19", 2570)[0]
        cycle.section_save(
            user=staff,
            submission=s,
            mission=mission,
            heading=heading,
            text="ขุดสระแล้ว 7 แปลง",
            version=0,
        )
        indicators.value_save(user=staff, submission=s, indicator=plots, value="7", version=0)
        cycle.submit(user=staff, submission=s)


@at("2026-11-05 09:00")
def test_json_matches_the_hand_computed_figures(province):
    data = json.loads(render(build_report("19", date(2026, 10, 1)), "json"))
    assert (data["province"], data["month"], data["fiscal_year"]) == ("19", "2026-10", 2570)
    rows = {r["district_code"]: r for r in data["households"]["rows"]}
    assert (rows["1901"]["total"], rows["1901"]["with_plan"], rows["1901"]["pct_with_plan"]) == (
        2,
        1,
        50.0,
    )
    assert rows["1902"]["total"] == 1 and rows["1902"]["pct_with_plan"] == 0.0
    assert data["households"]["total"]["pct_with_plan"] == 33.33  # 1 of 3
    wdf = data["wdf"]
    # Parts of 1,000 due 10 Jan .. 10 Oct: 10,000 due by 31 Oct, 9,000 by 1 Oct; 3,000 paid.
    assert wdf["receivables"] == 9000.0
    assert wdf["overdue_baseline"] == 9000.0
    assert wdf["overdue_now"] == 7000.0
    assert wdf["managed"] == 2000.0
    assert wdf["reduction_pct"] == 22.22
    assert wdf["overdue_ratio_pct"] == 77.78
    assert data["otop"]["sales_fy"] == 5000.0
    subs = {r["district_code"]: r for r in data["submissions"]["rows"]}
    assert subs["1901"]["status"] == "on_time"
    assert subs["1901"]["submitted_at"].startswith("2026-10-12T10:00")
    assert subs["1902"]["status"] == "missing" and len(subs) == 13
    assert data["indicators"][0]["total"] == 7.0
    narratives = data["missions"][0]["districts"][0]["narratives"]
    assert narratives == [{"heading": "ผลการดำเนินงาน", "text": "ขุดสระแล้ว 7 แปลง"}]


@at("2026-11-05 09:00")
def test_report_sections_equal_the_section_api(client, users, province):
    data = json.loads(render(build_report("19", date(2026, 10, 1)), "json"))
    client.force_login(users["provincial_officer"])
    for name in ("households", "wdf", "kkj", "otop", "submissions"):
        api = client.get(
            reverse("api:section", args=[name]), {"province": "19", "month": "2569-10"}
        ).json()
        assert api == data[name], name


@at("2026-11-05 09:00")
def test_checksum_is_stable_and_follows_the_data(users, province):
    first = build_report("19", date(2026, 10, 1))
    again = build_report("19", date(2026, 10, 1))
    assert first.data_checksum == again.data_checksum
    make_household(Village.objects.get(code="19020101"), "19020101002")
    assert build_report("19", date(2026, 10, 1)).data_checksum != first.data_checksum


@at("2026-11-05 09:00")
def test_excel_has_one_sheet_per_section(province):
    book = openpyxl.load_workbook(io.BytesIO(render(build_report("19", date(2026, 10, 1)), "xlsx")))
    assert {"households", "wdf", "kkj", "otop", "submissions", "indicators"} <= set(book.sheetnames)
    wdf = book["wdf"]
    header = [c.value for c in wdf[1]]
    first_row = {h: c.value for h, c in zip(header, wdf[2], strict=True)}
    assert first_row["district_code"] == "1901" and first_row["overdue_now"] == 7000


@at("2026-11-05 09:00")
def test_a_month_with_no_data_still_builds(geography, tmp_path):
    out = tmp_path / "empty.json"
    call_command(
        "build_monthly_report", province="10", month="2569-10", format="json", out=str(out)
    )
    data = json.loads(out.read_text())
    assert data["households"]["total"]["total"] == 0
    assert data["wdf"]["receivables"] == 0 and data["missions"] == []
    assert all(r["status"] == "missing" for r in data["submissions"]["rows"])
    assert build_report("10", date(2026, 10, 1)).is_empty
