"""End-to-end in Chromium: district staff designate a Sustainable Village, record this month's
assessment by ticking indicators, and see the share of indicators met on the overview (figures
by hand). Screenshots of the pages at desktop and phone widths go to /tmp/shots-sv/ (or to
$SCREENSHOT_DIR)."""

import io
import os
from pathlib import Path

import openpyxl
import pytest
from django.utils import timezone

from cdd.thai import fiscal_year
from imports.engine import run_import
from tests.browser import fits, logged_in, shot
from villages.models import SvAssessment, SvDesignation, SvIndicator, Village
from villages.sv_services import assessment_save, designate

pytestmark = pytest.mark.browser

# SCREENSHOT_DIR (as in tests/browser.py) sends them elsewhere.
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", "/tmp/shots-sv"))
TODAY = timezone.localdate()
THIS_MONTH = TODAY.replace(day=1)
FY = fiscal_year(TODAY)


def load_indicators(user):
    """7 basic indicators, 3 in dimension 1 and 2 in dimension 2 (12 in all), with names as
    long as the real ones."""
    rows = [["fiscal_year", "code", "kind", "dimension", "number", "name"]]
    rows += [
        [
            FY,
            f"B{n}",
            "basic",
            None,
            n,
            f"ตัวชี้วัดพื้นฐานที่ {n} ครัวเรือนมีความรู้และปฏิบัติตนตามหลักปรัชญาของเศรษฐกิจพอเพียง",
        ]
        for n in range(1, 8)
    ]
    rows += [[FY, f"D1.{n}", "dimension", 1, n, f"มิติที่ 1 ข้อ {n} มีกองทุนในหมู่บ้าน"] for n in range(1, 4)]
    rows += [[FY, f"D2.{n}", "dimension", 2, n, f"มิติที่ 2 ข้อ {n} มีการออมทรัพย์"] for n in range(1, 3)]
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    result = run_import("sv_indicators", buffer.getvalue(), "sv.xlsx", user=user)
    assert result.ok, result.errors


@pytest.fixture
def site(transactional_db, live_server, users, villages):
    load_indicators(users["system_admin"])
    Village.objects.create(code="19010102", subdistrict_id="190101", name="บ้านหนองนาคำ")
    return live_server.url


def ids(*codes):
    return list(
        SvIndicator.objects.filter(set__fiscal_year=FY, code__in=codes).values_list("pk", flat=True)
    )


def group_pct(page, group):
    return page.inner_text(f"[data-testid=sv-groups] tr[data-group='{group}'] [data-col=pct]")


def test_designate_assess_and_see_the_share_met(site, villages):
    home = villages["home"]
    with logged_in(site, "staff1901") as page:
        page.goto(f"{site}/areas/sustainable/")
        assert page.inner_text("[data-testid=sv-villages]") == "0"
        page.click("[data-testid=sv-designate]")
        page.wait_for_selector("[data-testid=sv-designate-form]")
        # Only the district's villages are offered.
        offered = page.locator("#id_village option").evaluate_all("os => os.map(o => o.value)")
        assert str(villages["neighbour"].pk) not in offered
        page.select_option("#id_village", str(home.pk))
        page.fill("#id_households", "120")
        page.fill("#id_people", "410")
        page.fill("#id_note", "เลือกจาก TPMAP และ ThaiQM")
        shot(page, "sv-flow-designate", SHOTS)
        page.click("[data-testid=sv-designate-form] button[type=submit]")
        page.wait_for_selector("[data-testid=sv-months]")
        assert SvDesignation.objects.get().households == 120
        assert page.inner_text("[data-testid=sv-people]") == "410"

        page.click("[data-testid=sv-assess]")
        page.wait_for_selector("[data-testid=sv-assess-form]")
        for pk in ids(*[f"B{n}" for n in range(1, 8)], "D1.1"):
            page.check(f"#sv-assess-form input[value='{pk}']")
        assert page.inner_text("#sv-ticked") == "8"
        shot(page, "sv-flow-assess", SHOTS)
        page.click("[data-testid=sv-assess-form] button[type=submit]")
        page.wait_for_selector("[data-testid=sv-months]")
        row = f"[data-testid=sv-months] tr[data-month='{THIS_MONTH:%Y-%m}']"
        assert page.inner_text(f"{row} [data-col=met]") == "8 / 12"
        assert SvAssessment.objects.get().met.count() == 8
        shot(page, "sv-flow-village", SHOTS)

        page.goto(f"{site}/areas/sustainable/")
        # basic 7 / 7 = 100 %, dimension 1: 1 / 3 = 33.33 %, dimension 2: 0 / 2 = 0 %,
        # all: 8 / 12 = 66.67 %.
        assert group_pct(page, "basic") == "100.00"
        assert group_pct(page, "1") == "33.33"
        assert group_pct(page, "2") == "0.00"
        assert group_pct(page, "all") == "66.67"
        assert page.inner_text("[data-testid=sv-assessed]") == "1 / 1"
        met = "[data-testid=sv-villages-table] tr[data-village='19010101'] [data-col=met]"
        assert page.inner_text(met) == "8 / 12"
        shot(page, "sv-flow-overview", SHOTS)

        # A second village in the same subdistrict: saved, with a warning about it.
        page.click("[data-testid=sv-designate]")
        page.select_option("#id_village", str(Village.objects.get(code="19010102").pk))
        page.fill("#id_households", "60")
        page.fill("#id_people", "200")
        page.click("[data-testid=sv-designate-form] button[type=submit]")
        page.wait_for_selector("[data-testid=sv-months]")
        warning = page.locator(".messages li.warning", has_text="(190101)")
        assert warning.count() == 1 and " 2 " in warning.inner_text()
        shot(page, "sv-flow-warning", SHOTS)


@pytest.mark.parametrize("width,height,kind", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_sv_pages_at_desktop_and_phone_widths(site, users, villages, width, height, kind):
    officer = users["provincial_officer"]
    for village, households in ((villages["home"], 120), (villages["neighbour"], 95)):
        sv = designate(
            user=officer, village=village, fiscal_year=FY, households=households, people=400
        )
        assessment_save(
            user=officer, designation=sv, month=THIS_MONTH, indicator_ids=ids("B1", "D2.1")
        )
    pages = [
        ("overview", "/areas/sustainable/"),
        ("village", f"/areas/sustainable/19010101/{FY}/"),
        ("assess", f"/areas/sustainable/19010101/{FY}/assess/"),
        ("designate", f"/areas/sustainable/designate/?village=19010101&year={FY}"),
    ]
    with logged_in(site, "officer19", width, height, kind) as page:
        for name, path in pages:
            page.goto(f"{site}{path}")
            shot(page, f"sv-{name}-{kind}", SHOTS)
            assert fits(page, width), name
        # The wide tables scroll sideways inside their frame on a phone.
        for path, table in (
            ("/areas/sustainable/", "sv-villages-table"),
            (f"/areas/sustainable/19010101/{FY}/", "sv-months"),
        ):
            page.goto(f"{site}{path}")
            wrap = page.locator(f".table-wrap:has([data-testid={table}])")
            scrolls = wrap.evaluate("e => e.scrollWidth > e.clientWidth")
            assert scrolls == (kind == "phone"), table
