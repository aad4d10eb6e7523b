"""The dashboard pages as a user sees them: cards with the selectors' values and Thai labels,
drill-down links and the breadcrumb, the .xlsx of a chart and of a table read back, the
Department's ranking and landing page, and 404 outside the user's area.

The data is the small province of ``conftest.py`` (today frozen at 25 November 2026, so the
page opens on October 2026, the last full month), refreshed into the summaries."""

import io
import json
import re

import openpyxl
import pytest

from cdd.thai import thai_datetime
from conftest import text_of
from dashboards import refresh, selectors, views
from dashboards.tests.conftest import NOV, OCT
from villages.models import Village

STATUS_TH = {
    "green": "ผ่านเป้าหมาย",
    "amber": "เฝ้าระวัง",
    "red": "ต่ำกว่าเป้าหมาย",
    "none": "ไม่มีข้อมูล",
}


@pytest.fixture
def refreshed(province):
    # A village whose name a spreadsheet would take for a formula: exports must escape it.
    Village.objects.create(code="19010103", subdistrict_id="190101", name="=HYPERLINK(1)")
    refresh.refresh_all(provinces=["19", "10"])
    return province


def page(client, user, url="/dashboards/"):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def card_html(html, key):
    match = re.search(rf'<section class="kpi[^"]*" data-kpi="{key}".*?</section>', html, re.S)
    assert match, f"no card {key}"
    return match.group(0)


def card_value(html, key):
    section = card_html(html, key)
    return re.search(r'data-testid="value">([^<]*)<', section).group(1)


def links(html, testid):
    """(href, text) of the links in the element with ``data-testid``."""
    block = re.search(rf'data-testid="{testid}".*?</(?:nav|table)>', html, re.S).group(0)
    return [
        (href.replace("&amp;", "&"), text_of(text).strip())
        for href, text in re.findall(r'<a href="([^"]+)"[^>]*>(.*?)</a>', block, re.S)
    ]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_province_dashboard_opens_on_the_users_province_and_last_full_month(
    client, refreshed, officer
):
    html = page(client, officer)
    text = text_of(html)
    assert "แดชบอร์ด: จังหวัดสระบุรี" in text
    assert '<option value="2026-10" selected>ตุลาคม 2569</option>' in html
    assert "ตัวเลขเดือนตุลาคม 2569 (ปีงบประมาณ 2570)" in text
    refreshed_at = selectors.dashboard(user=officer, level="province", code="19", month=OCT)[
        "refreshed_at"
    ]
    assert f"ข้อมูล ณ {thai_datetime(refreshed_at)}" in text
    assert "ข้อมูล ณ 25 พ.ย. 2569 10:00 น." in text
    # Hand-checked (conftest): 2 of the province's 5 target households had a plan by the end
    # of October; 3,000 problem + 10,000 damaged กข.คจ. money.
    assert card_value(html, "plan_pct") == "40.00%"
    assert card_value(html, "kkj") == "13,000.00 บาท"


def test_every_card_shows_the_selectors_value_colour_word_and_thai_title(
    client, refreshed, officer
):
    html = page(client, officer, "/dashboards/?level=province&code=19&month=2026-11")
    data = selectors.dashboard(user=officer, level="province", code="19", month=NOV)
    assert [c["key"] for c in data["cards"]] == [k["key"] for k in selectors.KPIS]
    for card in data["cards"]:
        section = card_html(html, card["key"])
        assert card_value(html, card["key"]) == views.figure(card["value"], card["unit"])
        assert f'class="kpi {card["status"]}' in section
        word = "ยังไม่ถึงกำหนด" if card["status"] == "none" and card["value"] else None
        assert (word or STATUS_TH[card["status"]]) in text_of(section), card["key"]
        assert card["title"] in section
        # Titles and targets are in Thai: no plain-English title reaches the page.
        assert re.search(r"[ก-๙]", card["title"]), card["title"]
        assert "เป้าหมาย:" in text_of(section)
        # The chart has a table behind it with every month of the fiscal year so far.
        assert section.count("<tr data-month=") == len(data["months"]) == 2
        assert "ตุลาคม 2569" in section and "พฤศจิกายน 2569" in section


def test_weakest_child_areas_link_to_their_dashboards(client, refreshed, officer):
    html = page(client, officer, "/dashboards/?level=province&code=19&month=2026-11")
    data = selectors.dashboard(user=officer, level="province", code="19", month=NOV)
    plan = next(c for c in data["cards"] if c["key"] == "plan_pct")
    assert plan["weakest"]
    block = re.search(r'data-testid="weakest">(.*?)</ol>', card_html(html, "plan_pct"), re.S)
    shown = re.findall(r'href="([^"]+)" data-code="(\d+)"', block.group(1))
    assert [code for _href, code in shown] == [w["code"] for w in plan["weakest"]]
    for href, code in shown:
        assert href.replace("&amp;", "&") == (
            f"/dashboards/?level=district&code={code}&month=2026-11"
        )


def test_drill_down_from_province_to_village_and_the_breadcrumb_back(client, refreshed, officer):
    client.force_login(officer)
    province_html = page(client, officer, "/dashboards/?level=province&code=19&month=2026-11")
    table = links(province_html, "children-table")
    assert len(table) == 13  # every district of Saraburi
    href = dict((t, h) for h, t in table)["เมืองสระบุรี"]
    assert href == "/dashboards/?level=district&code=1901&month=2026-11"

    district_html = page(client, officer, href)
    assert "แดชบอร์ด: อำเภอเมืองสระบุรี" in text_of(district_html)
    # Provincial officers do not see the whole country: the breadcrumb starts at the province.
    assert links(district_html, "breadcrumb") == [
        ("/dashboards/?level=province&code=19&month=2026-11", "สระบุรี")
    ]
    assert "รายตำบล" in text_of(district_html)
    sub = dict((t, h) for h, t in links(district_html, "children-table"))
    # 4 households in the district, 3 with a plan by the end of November.
    assert card_value(district_html, "plan_pct") == "75.00%"

    subdistrict_html = page(client, officer, sub["ปากเพรียว"])
    assert "รายหมู่บ้าน" in text_of(subdistrict_html)
    villages = links(subdistrict_html, "children-table")
    assert [h for h, _t in villages][:2] == [
        "/dashboards/?level=village&code=19010101&month=2026-11",
        "/dashboards/?level=village&code=19010102&month=2026-11",
    ]
    # WDF and monthly reports are kept per district: their cards say so, last.
    assert "ไม่มีข้อมูลในระดับนี้" in text_of(card_html(subdistrict_html, "wdf"))
    keys = re.findall(r'<section class="kpi[^"]*" data-kpi="(\w+)"', subdistrict_html)
    assert keys[-2:] == ["wdf", "submissions"]

    village_html = page(client, officer, villages[0][0])
    assert "แดชบอร์ด: บ้านหนองโน" in text_of(village_html)
    assert card_value(village_html, "plan_pct") == "50.00%"  # A has a plan, B has not
    assert 'data-testid="children-table"' not in village_html
    assert links(village_html, "breadcrumb") == [
        ("/dashboards/?level=province&code=19&month=2026-11", "สระบุรี"),
        ("/dashboards/?level=district&code=1901&month=2026-11", "เมืองสระบุรี"),
        ("/dashboards/?level=subdistrict&code=190101&month=2026-11", "ปากเพรียว"),
    ]


def test_chart_numbers_download_as_xlsx(client, refreshed, officer):
    client.force_login(officer)
    response = client.get(
        "/dashboards/export.xlsx?level=province&code=19&month=2026-11&kpi=plan_pct"
    )
    assert "dashboard-province-19-2026-11-plan_pct.xlsx" in response["Content-Disposition"]
    rows = workbook(response)
    title = str(selectors.KPIS[0]["title"])
    assert rows[0][:4] == [
        "เดือน (ปปปป-ดด ค.ศ.) (month)",
        "เดือน (month_th)",
        f"{title} (%) (value)",
        "เป้าหมาย (target)",
    ]
    assert [r[:4] for r in rows[1:]] == [
        ["2026-10", "ตุลาคม 2569", 40, 95],
        ["2026-11", "พฤศจิกายน 2569", 60, 95],
    ]
    # The colour of the month shown, in words.
    assert rows[2][4] == "ต่ำกว่าเป้าหมาย"


def test_table_numbers_download_as_xlsx_with_formulas_escaped(client, refreshed, officer):
    client.force_login(officer)
    rows = workbook(
        client.get("/dashboards/export.xlsx?level=subdistrict&code=190101&month=2026-11")
    )
    data = selectors.dashboard(user=officer, level="subdistrict", code="190101", month=NOV)
    assert rows[0][:2] == ["รหัส (code)", "หมู่บ้าน (name)"]
    assert [r[0] for r in rows[1:]] == [r["code"] for r in data["children"]["rows"]]
    by_code = {r[0]: r for r in rows[1:]}
    assert by_code["19010103"][1] == "'=HYPERLINK(1)"
    plan_col = rows[0].index("มีแผน (%) (plan_pct)")
    assert by_code["19010101"][plan_col] == 50
    assert by_code["19010102"][plan_col] == 100


def test_staff_see_their_district_and_nothing_above_or_beside_it(client, refreshed, staff):
    html = page(client, staff)
    assert "แดชบอร์ด: อำเภอเมืองสระบุรี" in text_of(html)
    assert links(html, "breadcrumb") == []  # nothing above the district is theirs
    for url in (
        "/dashboards/?level=district&code=1902",
        "/dashboards/?level=province&code=19",
        "/dashboards/?level=national",
        "/dashboards/?level=subdistrict&code=190201",
        "/dashboards/export.xlsx?level=district&code=1902&kpi=plan_pct",
        "/dashboards/export.xlsx?level=province&code=19",
        "/dashboards/national/",
        "/dashboards/national/export.xlsx",
        "/dashboards/?level=nowhere&code=19",
        "/dashboards/?level=district&code=9999",
    ):
        assert client.get(url).status_code == 404, url


def test_provincial_officer_cannot_open_another_province_or_the_ranking(client, refreshed, officer):
    client.force_login(officer)
    for url in (
        "/dashboards/?level=province&code=10",
        "/dashboards/?level=national",
        "/dashboards/national/",
    ):
        assert client.get(url).status_code == 404, url
    html = page(client, officer)
    assert "อันดับจังหวัด" not in text_of(html)  # no link to the ranking they cannot open


def test_department_viewer_lands_on_the_ranking_of_provinces(client, refreshed, users):
    dept = users["department_viewer"]
    client.force_login(dept)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/dashboards/national/"
    html = page(client, dept, "/dashboards/national/?month=2026-11&kpi=kkj")
    text = text_of(html)
    assert "อันดับจังหวัด" in text and "ตัวเลขเดือนพฤศจิกายน 2569" in text
    ranking = selectors.ranking(user=dept, month=NOV)
    rows = re.findall(r'<tr data-code="(\d+)">', html)
    assert rows == ranking["ranks"]["kkj"]
    assert "/dashboards/?level=province&code=19&month=2026-11" in html.replace("&amp;", "&")
    sheet = workbook(client.get("/dashboards/national/export.xlsx?month=2026-11&kpi=kkj"))
    assert [r[1] for r in sheet[1:]] == ranking["ranks"]["kkj"]
    assert sheet[1][0] == 1
    # Other users keep their home page.
    client.force_login(users["provincial_officer"])
    assert client.get("/").status_code == 200


def test_department_viewer_sees_the_whole_country_in_the_breadcrumb(client, refreshed, users):
    html = page(client, users["department_viewer"], "/dashboards/?level=district&code=1901")
    assert [t for _h, t in links(html, "breadcrumb")] == ["ทั้งประเทศ", "สระบุรี"]
    country = page(client, users["department_viewer"], "/dashboards/?level=national")
    assert {h for h, _t in links(country, "children-table")} == {
        "/dashboards/?level=province&code=10&month=2026-10",
        "/dashboards/?level=province&code=19&month=2026-10",
    }


def test_a_month_that_cannot_be_read_or_is_to_come_shows_the_last_full_month(
    client, refreshed, officer
):
    for month in ("abc", "2027-01", "13/2569"):
        html = page(client, officer, f"/dashboards/?month={month}")
        assert '<option value="2026-10" selected>' in html
        assert "เดือนที่เลือกไม่ถูกต้อง แสดงเดือนตุลาคม 2569 แทน" in text_of(html)
    # A B.E. month is read as typed.
    html = page(client, officer, "/dashboards/?month=2569-09")
    assert '<option value="2026-09" selected>กันยายน 2569</option>' in html


def test_the_menu_offers_the_dashboard(client, refreshed, staff):
    html = page(client, staff, "/households/")
    assert '<a href="/dashboards/">แดชบอร์ด</a>' in html


def test_each_chart_gets_its_numbers_with_be_month_labels(client, refreshed, officer):
    html = page(client, officer, "/dashboards/?level=province&code=19&month=2026-11")
    raw = re.search(r'<script id="chart-plan_pct" type="application/json">(.*?)</script>', html)
    chart = json.loads(raw.group(1))
    assert chart["labels"] == ["ต.ค. 69", "พ.ย. 69"]
    assert chart["values"] == [40.0, 60.0]
    assert chart["targets"] == [95.0, 95.0]
    assert chart["suffix"] == "%"
    # The Thai-fabric target line rises month by month: 1/12, then 2/12 of the year's target.
    fabric = re.search(
        r'<script id="chart-fabric_pct" type="application/json">(.*?)</script>', html
    )
    assert json.loads(fabric.group(1))["targets"] == [8.33, 16.67]
    kkj = re.search(r'<script id="chart-kkj" type="application/json">(.*?)</script>', html)
    assert json.loads(kkj.group(1))["suffix"] == " บาท"
    # The library and the drawing script are served from this site, never a CDN.
    assert re.search(r'<script src="/static/vendor/chartjs/chart\.umd\.min[^"]*\.js" defer>', html)
    assert "cdn" not in html.lower()
