"""End-to-end in Chromium: district staff log in, open the village list and add a village."""

import pytest

from conftest import PASSWORD
from tests.browser import chromium, logged_in, login, shot
from villages.models import Village

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, live_server, users, villages):
    return live_server.url


def test_district_staff_adds_a_village(site, users):
    with logged_in(site, "staff1901") as page:
        assert "เมืองสระบุรี" in page.inner_text("[data-testid=area]")
        page.locator("nav.menu").get_by_role("link", name="หมู่บ้าน", exact=True).click()
        page.wait_for_url(f"{site}/areas/villages/")
        table = page.inner_text("[data-testid=village-table]")
        assert "บ้านหนองโน" in table and "บ้านท่าช้าง" not in table
        shot(page, "village-list-desktop")
        page.click("text=เพิ่มหมู่บ้าน")
        page.select_option("#id_subdistrict", "190105")
        page.fill("#id_moo", "4")
        page.fill("#id_name", "บ้านโคกสว่าง")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{site}/areas/villages/19010504/")
        assert "เพิ่มหมู่บ้าน บ้านโคกสว่าง (19010504) แล้ว" in page.inner_text(".messages")
        shot(page, "village-detail-desktop")
        assert Village.objects.get(code="19010504").name == "บ้านโคกสว่าง"


def test_wrong_input_shows_thai_errors_on_a_phone(site, users):
    with logged_in(site, "staff1901", 390, 844, "phone") as page:
        page.goto(f"{site}/areas/villages/new/")
        page.select_option("#id_subdistrict", "190101")
        page.fill("#id_moo", "1")  # 19010101 exists already
        page.fill("#id_name", "ซ้ำ")
        page.click("main button[type=submit]")
        assert "มีหมู่บ้านรหัส 19010101 อยู่แล้ว" in page.inner_text("main")
        shot(page, "village-form-error-phone")
        # The page fits the phone: nothing wider than the screen.
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
        assert Village.objects.filter(code="19010101").get().name == "บ้านหนองโน"


ROLE_VIEWS = [
    # username, area shown, menu items that must / must not appear
    ("staff1901", "เมืองสระบุรี สระบุรี", ["นำเข้าข้อมูล"], ["ผู้ใช้งาน"]),
    ("officer19", "สระบุรี", ["นำเข้าข้อมูล"], ["ผู้ใช้งาน"]),
    ("admin19", "สระบุรี", ["นำเข้าข้อมูล", "ผู้ใช้งาน"], []),
    ("dept", "ทั้งประเทศ", [], ["นำเข้าข้อมูล", "ผู้ใช้งาน"]),
    ("root", "ทั้งประเทศ", ["นำเข้าข้อมูล", "ผู้ใช้งาน"], []),
]


@pytest.mark.parametrize("username,area,present,absent", ROLE_VIEWS, ids=[r[0] for r in ROLE_VIEWS])
def test_each_role_sees_its_area_and_menu_on_desktop_and_phone(
    site, username, area, present, absent
):
    with chromium() as browser:
        for width, height, label in [(1280, 900, "desktop"), (390, 844, "phone")]:
            page = browser.new_page(viewport={"width": width, "height": height})
            login(page, site, username, PASSWORD)
            # The Department viewer lands on the national ranking, everyone else at home.
            assert page.url.endswith("/dashboards/national/" if username == "dept" else "/")
            assert page.inner_text("[data-testid=who]").strip().endswith(area)
            menu = page.inner_text("nav.menu")
            assert all(item in menu for item in present), menu
            assert not any(item in menu for item in absent), menu
            shot(page, f"home-{username}-{label}")
            page.goto(f"{site}/areas/")
            shot(page, f"areas-{username}-{label}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            if "ผู้ใช้งาน" in present:
                page.goto(f"{site}/users/")
                shot(page, f"users-{username}-{label}")
            page.close()
