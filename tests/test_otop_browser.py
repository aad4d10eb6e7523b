"""End-to-end in Chromium: district staff enter a month of OTOP sales on the monthly sheet
(first with a mistake that saves nothing) and see their district's Thai-fabric share of the
target rise to the hand-computed figure. Screenshots of the OTOP pages at desktop and phone
widths go to /tmp/shots-otop/."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import add_months
from otop.models import Producer, Product, Sale
from otop.services import product_save
from otop.tests.conftest import make_producer, sell
from tests.browser import logged_in, shot, tour_tabbed_pages

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-otop")
LAST_MONTH = add_months(timezone.localdate().replace(day=1), -1)
FY_START = date(LAST_MONTH.year if LAST_MONTH.month >= 10 else LAST_MONTH.year - 1, 10, 1)


@pytest.fixture
def site(transactional_db, live_server, users):
    """District 1901: a Thai-fabric weaving group that sold 80,000 baht of Thai fabric last
    fiscal year (target x1.10 = 88,000) and a chili-paste maker; district 1902: a basket group."""
    officer = users["provincial_officer"]
    weavers = make_producer(
        officer,
        "OT-0001",
        "190101",
        "กลุ่มทอผ้าไหมบ้านปากเพรียว",
        thai_fabric_group=True,
        shop_chumchon=True,
    )
    chili = make_producer(officer, "OT-0002", "190105", "กลุ่มแม่บ้านน้ำพริกดาวเรือง")
    baskets = make_producer(officer, "OT-0101", "190201", "กลุ่มจักสานไม้ไผ่แก่งคอย")
    silk = product_save(
        user=officer,
        product=Product(
            producer=weavers,
            code="P-0001",
            name="ผ้าไหมมัดหมี่ลายดอกพิกุล",
            category="textile",
            thai_fabric=True,
            price=Decimal("3500"),
        ),
        stars=4,
        stars_year=2566,
    )
    product_save(
        user=officer,
        product=Product(producer=chili, code="P-0002", name="น้ำพริกเผาสมุนไพร", category="food"),
    )
    prev = add_months(FY_START, -12)
    sell(officer, weavers, prev, "offline", "50000", product=silk)
    sell(officer, weavers, add_months(prev, 6), "online", "30000")
    sell(officer, chili, add_months(prev, 2), "online", "12000")
    sell(officer, baskets, add_months(prev, 3), "offline", "9000")
    for n in range(1, 12):  # some history for the producer page's chart
        sell(officer, chili, add_months(prev, n), "offline", str(1000 + 250 * n))
    return live_server.url


def fabric_pct(page):
    cell = page.locator("[data-testid=targets-table] tr[data-code='1901'] [data-col=fabric_pct]")
    return cell.inner_text().strip()


def choose_month(page, month):
    page.select_option("#id_month", str(month.month))
    page.select_option("#id_year", str(month.year + 543))


def test_month_of_sales_moves_the_thai_fabric_share_of_the_target(site):
    weavers = Producer.objects.get(code="OT-0001")
    chili = Producer.objects.get(code="OT-0002")
    with logged_in(site, "staff1901") as page:
        page.goto(f"{site}/otop/")
        choose_month(page, LAST_MONTH)
        page.click("[data-testid=area-bar] button[type=submit]")
        page.wait_for_selector("[data-testid=targets-table]")
        row = "[data-testid=targets-table] tr[data-code='1901']"
        assert page.inner_text(f"{row} [data-col=fabric_target]") == "88,000.00"
        before = fabric_pct(page)
        assert before == "0.00"
        assert page.locator("[data-testid=targets-table] tr[data-code='1902']").count() == 0

        page.locator("nav.tabs a[href='/otop/sales/']").click()
        page.wait_for_url(f"{site}/otop/sales/")
        choose_month(page, LAST_MONTH)
        page.click("[data-testid=sheet-picker] button[type=submit]")
        page.wait_for_selector("[data-testid=sheet-table]")
        assert page.locator("tr[data-producer='OT-0101']").count() == 0  # another district
        page.fill(f"#id_p{weavers.pk}-offline", "14,300")
        page.fill(f"#id_p{weavers.pk}-offline_detail", "งาน OTOP City")
        page.fill(f"#id_p{weavers.pk}-online", "8,000")
        page.fill(f"#id_p{chili.pk}-online", "-700")  # a mistake: nothing is saved
        page.click("[data-testid=sheet-save]")
        page.wait_for_selector("[data-testid=sheet-errors]")
        assert page.locator("tr[data-producer='OT-0002'].bad").count() == 1
        assert page.locator("tr[data-producer='OT-0001'].bad").count() == 0
        assert page.input_value(f"#id_p{weavers.pk}-offline") == "14,300"
        assert not Sale.objects.filter(month=LAST_MONTH).exists()
        shot(page, "sheet-error-desktop", SHOTS)

        page.fill(f"#id_p{chili.pk}-online", "700")
        page.click("[data-testid=sheet-save]")
        page.wait_for_selector(".messages")
        assert Sale.objects.filter(month=LAST_MONTH).count() == 3
        assert page.input_value(f"#id_p{weavers.pk}-offline") == "14,300.00"

        page.locator("nav.tabs a[href='/otop/']").click()
        page.wait_for_url(f"{site}/otop/")
        choose_month(page, LAST_MONTH)
        page.click("[data-testid=area-bar] button[type=submit]")
        page.wait_for_selector("[data-testid=targets-table]")
        # (14,300 + 8,000) of Thai fabric / 88,000 x 100 = 25.34 (rounded half up).
        assert fabric_pct(page) == "25.34"
        assert page.inner_text("[data-testid=sum-fabric-pct]") == "25.34%"

        # Saving the month again with a correction replaces it: 18,400 / 88,000 = 20.91%.
        page.locator("nav.tabs a[href='/otop/sales/']").click()
        choose_month(page, LAST_MONTH)
        page.click("[data-testid=sheet-picker] button[type=submit]")
        page.wait_for_selector("[data-testid=sheet-table]")
        page.fill(f"#id_p{weavers.pk}-online", "4,100")
        page.click("[data-testid=sheet-save]")
        page.wait_for_selector(".messages")
        page.goto(f"{site}/otop/?month={LAST_MONTH.month}&year={LAST_MONTH.year + 543}")
        assert fabric_pct(page) == "20.91"


PAGES = [
    ("targets", "/otop/?month={m}&year={y}"),
    ("entry", "/otop/sales/?district=1901&month={m}&year={y}"),
    ("producers", "/otop/producers/"),
    ("producer", "/otop/producers/{p}/"),
    ("producer-form", "/otop/producers/{p}/edit/"),
    ("products", "/otop/products/"),
    ("product-form", "/otop/products/new/"),
]


@pytest.mark.parametrize("width,height,kind", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_otop_pages_at_desktop_and_phone_widths(site, width, height, kind):
    chili = Producer.objects.get(code="OT-0002")
    pages = [
        (name, path.format(p=chili.pk, m=LAST_MONTH.month, y=LAST_MONTH.year + 543))
        for name, path in PAGES
    ]
    with logged_in(site, "officer19", width, height, kind) as page:
        tour_tabbed_pages(page, site, pages, width, lambda name: f"otop-{name}-{kind}", SHOTS)
        # The province's table lists every district; on a phone it scrolls inside its frame.
        page.goto(f"{site}/otop/")
        assert page.locator("[data-testid=targets-table] tbody tr").count() > 5
        wrap = page.locator(".table-wrap").first
        if kind == "phone":
            assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
        # The producer's chart is an inline SVG with a bar group per month.
        page.goto(f"{site}/otop/producers/{chili.pk}/")
        assert page.locator("[data-testid=sales-chart] g[data-month]").count() == 24
