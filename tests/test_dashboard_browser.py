"""End-to-end in Chromium: a provincial officer opens the province dashboard (cards, charts
drawn), drills down to a district, a subdistrict and a village and goes back up by the
breadcrumb, downloads a chart's numbers (.xlsx) and reads them back; the page fits a phone.
Screenshots at desktop and phone widths go to /tmp/shots-dashboard/."""

from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from conftest import add_months
from dashboards import refresh
from households.models import DevelopmentPlan
from households.services import plan_save
from households.tests.conftest import make_household
from tests.browser import fits, logged_in, shot
from villages.models import Village

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-dashboard")
LAST_MONTH = add_months(timezone.localdate().replace(day=1), -1)
MONTH = f"{LAST_MONTH:%Y-%m}"


@pytest.fixture
def site(transactional_db, live_server, users, villages):
    """Province 19: three target households in village 19010101 (two with a plan made on the
    first of last month), one in 19010102 and one in 1902's village; summaries refreshed."""
    admin = users["system_admin"]
    second = Village.objects.create(code="19010102", subdistrict_id="190101", name="บ้านนาดี")
    homes = [make_household(villages["home"], f"19010101{n:03d}") for n in (1, 2, 3)]
    make_household(second, "19010102001", dims=("health",))
    make_household(villages["neighbour"], "19020101001")
    for household in homes[:2]:
        plan_save(user=admin, household=household, plan=DevelopmentPlan(made_on=LAST_MONTH))
    refresh.refresh_province("19")
    return live_server.url


def open_and_wait(page, url):
    page.goto(url)
    page.wait_for_selector("[data-testid=kpi-cards]")


def test_officer_drills_down_to_a_village_and_back_and_downloads_a_charts_numbers(site, tmp_path):
    with logged_in(site, "officer19") as page:
        open_and_wait(page, f"{site}/dashboards/")
        assert "จังหวัดสระบุรี" in page.inner_text("h1")
        assert page.locator("section.kpi").count() == 8
        assert "ข้อมูล ณ" in page.inner_text("[data-testid=refreshed-at]")
        # Charts are drawn (Chart.js, served locally) and each has its table behind it.
        page.wait_for_selector("canvas[data-drawn]")
        drawn = page.locator("canvas[data-drawn]").count()
        assert drawn == page.locator("canvas").count() >= 2  # cards with figures this year
        plan = page.locator("[data-testid=kpi-plan_pct]")
        assert plan.locator("[data-testid=value]").inner_text() == "40.00%"  # 2 of 5
        assert "ต่ำกว่าเป้าหมาย" in plan.locator(".status").first.inner_text()
        plan.locator("summary").click()
        table = plan.locator("[data-testid=chart-table]")
        assert table.is_visible()
        assert table.locator(f"tr[data-month='{MONTH}'] td").all_inner_texts() == [
            "40.00%",
            "95.00%",
        ]
        shot(page, "province-desktop", SHOTS)

        # Download the chart's numbers and read them back.
        with page.expect_download() as info:
            plan.locator("[data-testid=export]").click()
        download = info.value
        path = tmp_path / download.suggested_filename
        download.save_as(path)
        assert path.name == f"dashboard-province-19-{MONTH}-plan_pct.xlsx"
        rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
        assert rows[0][0] == "เดือน (ปปปป-ดด ค.ศ.) (month)"
        last = next(r for r in rows[1:] if r[0] == MONTH)
        assert last[2] == 40 and last[3] == 95

        # Down: district, subdistrict, village.
        page.click("[data-testid=children-table] tr[data-code='1901'] a")
        page.wait_for_url(f"**/dashboards/?level=district&code=1901&month={MONTH}")
        assert "อำเภอเมืองสระบุรี" in page.inner_text("h1")
        assert (
            page.locator("[data-testid=kpi-plan_pct] [data-testid=value]").inner_text() == "50.00%"
        )
        page.click("[data-testid=children-table] tr[data-code='190101'] a")
        page.wait_for_url(f"**/dashboards/?level=subdistrict&code=190101&month={MONTH}")
        rows_shown = page.locator("[data-testid=children-table] tbody tr")
        assert rows_shown.count() == 2
        page.click("[data-testid=children-table] tr[data-code='19010101'] a")
        page.wait_for_url(f"**/dashboards/?level=village&code=19010101&month={MONTH}")
        assert "บ้านหนองโน" in page.inner_text("h1")
        assert (
            page.locator("[data-testid=kpi-plan_pct] [data-testid=value]").inner_text() == "66.67%"
        )
        crumbs = page.locator("[data-testid=breadcrumb] a")
        assert crumbs.all_inner_texts() == ["สระบุรี", "เมืองสระบุรี", "ปากเพรียว"]
        shot(page, "village-desktop", SHOTS)

        # Up again by the breadcrumb, keeping the month.
        page.click("[data-testid=breadcrumb] a[data-level=subdistrict]")
        page.wait_for_url(f"**/dashboards/?level=subdistrict&code=190101&month={MONTH}")
        page.click("[data-testid=breadcrumb] a[data-level=province]")
        page.wait_for_url(f"**/dashboards/?level=province&code=19&month={MONTH}")
        assert page.locator("[data-testid=children-table] tbody tr").count() == 13

        # Another month from the picker: the address says which.
        earlier = add_months(LAST_MONTH, -1)
        page.select_option("#f-month", f"{earlier:%Y-%m}")
        page.wait_for_url(f"**/dashboards/?level=province&code=19&month={earlier:%Y-%m}")
        assert page.locator("section.kpi").count() == 8


def test_dashboard_fits_a_phone(site):
    with logged_in(site, "officer19", 390, 844, "phone") as page:
        open_and_wait(page, f"{site}/dashboards/?level=province&code=19&month={MONTH}")
        page.wait_for_selector("canvas[data-drawn]")
        # Cards stack in one column; the district table scrolls inside its own box.
        boxes = [page.locator("section.kpi").nth(i).bounding_box() for i in range(2)]
        assert boxes[0]["x"] == boxes[1]["x"] and boxes[1]["y"] > boxes[0]["y"]
        assert boxes[0]["width"] <= 390
        shot(page, "province-phone", SHOTS)
        assert fits(page, 390)
        open_and_wait(page, f"{site}/dashboards/?level=subdistrict&code=190101&month={MONTH}")
        shot(page, "subdistrict-phone", SHOTS)
        assert fits(page, 390)


def test_department_viewer_lands_on_the_ranking_and_opens_a_province(site):
    with logged_in(site, "dept") as page:
        assert page.url == f"{site}/dashboards/national/"
        assert page.locator("[data-testid=ranking-table] tr[data-code='19']").count() == 1
        shot(page, "national-desktop", SHOTS)
        page.click("[data-testid=ranking-table] tr[data-code='19'] a")
        page.wait_for_selector("[data-testid=kpi-cards]")
        assert "จังหวัดสระบุรี" in page.inner_text("h1")
        assert page.locator("[data-testid=breadcrumb] a").all_inner_texts() == ["ทั้งประเทศ"]
