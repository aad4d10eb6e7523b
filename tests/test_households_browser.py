"""End-to-end in Chromium: district staff tick three households, record one piece of help for
all of them, and see the progress page's helped count for that dimension go up."""

import pytest

from households.models import Assistance, MentorTeam
from households.tests.conftest import make_household, valid_national_id
from tests.browser import fits, logged_in, shot

pytestmark = pytest.mark.browser

HOME_CODES = ["19010101001", "19010101002", "19010101003"]
NID = valid_national_id("310050012345")


@pytest.fixture
def site(transactional_db, live_server, users, villages):
    make_household(villages["home"], HOME_CODES[0], dims=("income", "living"), national_id=NID)
    make_household(villages["home"], HOME_CODES[1], head_name="นางมาลี ศรีสุขสวัสดิ์", dims=("income",))
    make_household(villages["home"], HOME_CODES[2], source="new", dims=("income", "health"))
    make_household(villages["home"], "19010101004", dims=("education",))
    make_household(villages["neighbour"], "19020101001", dims=("income",))
    MentorTeam.objects.create(name="ทีมพี่เลี้ยงหนองโน", district_id="1901", members="นายก\nนางข")
    return live_server.url


def helped(page, dimension):
    cell = page.locator(f"[data-testid=progress-total] [data-dim={dimension}-helped]")
    return int(cell.inner_text().strip())


def test_bulk_assistance_moves_progress(site):
    with logged_in(site, "staff1901") as page:
        page.locator("nav.menu").get_by_role("link", name="ความก้าวหน้า", exact=True).click()
        page.wait_for_url(f"{site}/households/progress/")
        before = helped(page, "income")
        assert before == 0

        page.locator("nav.menu").get_by_role("link", name="ครัวเรือน", exact=True).click()
        page.wait_for_url(f"{site}/households/")
        table = page.inner_text("[data-testid=household-table]")
        assert all(code in table for code in HOME_CODES) and "19020101001" not in table
        shot(page, "households-list-desktop")
        for code in HOME_CODES:
            page.check(f"input[name=house][value='{code}']")
        page.click("[data-testid=bulk-button]")
        page.wait_for_url("**/households/assistance/bulk/**")
        chosen = page.inner_text("[data-testid=chosen-households]")
        assert all(code in chosen for code in HOME_CODES) and "19010101004" not in chosen
        page.select_option("#id_dimension", "income")
        page.select_option("#id_phase", "short")
        page.fill("#id_agency", "สำนักงานพัฒนาชุมชนอำเภอ")
        page.fill("#id_description", "ถุงยังชีพ")
        page.fill("#id_value", "1,500")
        shot(page, "households-bulk-desktop")
        page.click("main button[type=submit]")
        page.wait_for_url(f"{site}/households/")
        assert "บันทึกการช่วยเหลือให้ 3 ครัวเรือนแล้ว" in page.inner_text(".messages")
        assert Assistance.objects.filter(dimension="income").count() == 3

        page.goto(f"{site}/households/progress/")
        assert helped(page, "income") == before + 3
        assert helped(page, "living") == 0
        shot(page, "households-progress-desktop")
        page.goto(f"{site}/households/{HOME_CODES[0]}/")
        assert "ถุงยังชีพ" in page.inner_text("[data-testid=timeline]")
        assert "1,500.00" in page.inner_text("[data-testid=timeline]")
        assert NID not in page.content() and f"-{NID[10:12]}-{NID[12]}" in page.content()
        shot(page, "households-detail-desktop")
        page.click("text=แสดงเลขประจำตัวประชาชน")
        page.wait_for_selector(".nid >> text=" + NID)
        assert NID in page.inner_text("[data-testid=national-id]")
        page.goto(f"{site}/households/teams/")
        assert "3-5" in page.inner_text("[data-testid=team-table]")
        shot(page, "households-teams-desktop")


PHONE_PAGES = [
    ("list", "/households/"),
    ("bulk", "/households/assistance/bulk/?house=19010101001&house=19010101002"),
    ("progress", "/households/progress/"),
    ("detail", "/households/19010101001/"),
    ("form", "/households/new/"),
    ("plan", "/households/19010101001/plan/"),
    ("assistance", "/households/19010101001/assistance/new/"),
    ("teams", "/households/teams/"),
    ("team-form", "/households/teams/new/"),
]


def test_household_pages_fit_a_phone(site):
    with logged_in(site, "staff1901", 390, 844, "phone") as page:
        for name, path in PHONE_PAGES:
            page.goto(f"{site}{path}")
            shot(page, f"households-{name}-phone")
            assert fits(page, 390), name
        # A wrong survey year shows its Thai error and still fits.
        page.goto(f"{site}/households/new/")
        page.fill("#id_house_code", "19010101099")
        page.select_option("#id_village", label="19010101 บ้านหนองโน ต.ปากเพรียว อ.เมืองสระบุรี")
        page.fill("#id_head_name", "นายทดสอบ ระบบ")
        page.fill("#id_members", "2")
        page.fill("#id_income_per_person", "20000")
        page.fill("#id_survey_year", "2025")
        page.select_option("#id_source", "new")
        page.click("main button[type=submit]")
        page.wait_for_selector(".errorlist")
        assert "เป็นปี ค.ศ." in page.inner_text("main")
        shot(page, "households-form-error-phone")
        assert fits(page, 390)


IMPORT_HEADER = (
    "house_code,village_code,head_name,national_id,members,income_per_person,"
    "survey_year,source,failed_dimensions,plan_date\n"
)
IMPORT_ROWS = [
    "19010101011,19010101,นายบุญมี ใจงาม,,4,24000,2568,tpmap,income,2569-10-10\n",
    "19010101012,19010101,นางเพ็ญ ศรีทอง,,3,18000,2568,tpmap,income,\n",
    '19010101013,19010101,นายทองดี มีแก้ว,,5,15000,2568,new,"income,living",\n',
]


def _upload(page, site, path):
    page.goto(f"{site}/imports/")
    page.select_option("#id_resource", "households")
    page.set_input_files("#id_file", str(path))
    page.click("main button[type=submit]")


def test_import_fix_reimport_then_bulk_help_moves_the_district_table(site, tmp_path):
    bad = tmp_path / "households.csv"
    # Row 3 has members 0: the whole file is refused and nothing is written.
    bad.write_text(
        IMPORT_HEADER + IMPORT_ROWS[0] + IMPORT_ROWS[1].replace(",3,", ",0,") + IMPORT_ROWS[2]
    )
    good = tmp_path / "households-fixed.csv"
    good.write_text(IMPORT_HEADER + "".join(IMPORT_ROWS))
    with logged_in(site, "staff1901") as page:
        page.goto(f"{site}/households/progress/?level=province&code=19")
        row = page.locator("[data-testid=progress-table] tr[data-code='1901']")
        assert row.locator("td").nth(3).inner_text() == "4"  # households from the fixture

        _upload(page, site, bad)
        errors = page.inner_text("[data-testid=preview-errors]")
        assert "3" in errors and "members" in errors and "ต้องไม่น้อยกว่า 1" in errors
        assert page.locator("text=ยืนยันการนำเข้า").count() == 0
        shot(page, "import-households-errors-desktop")

        _upload(page, site, good)
        assert "เพิ่มใหม่ 3" in page.inner_text("[data-testid=preview-ok]")
        page.click("text=ยืนยันการนำเข้า")
        assert "นำเข้าเรียบร้อย: เพิ่มใหม่ 3" in page.inner_text(".messages")

        _upload(page, site, good)  # the same file again changes nothing
        assert "ไม่เปลี่ยนแปลง 3" in page.inner_text("[data-testid=preview-ok]")
        page.click("text=ยืนยันการนำเข้า")
        assert "เพิ่มใหม่ 0 แก้ไข 0 ไม่เปลี่ยนแปลง 3" in page.inner_text(".messages")

        page.goto(f"{site}/households/?q=1901010101")
        for code in ("19010101011", "19010101012", "19010101013"):
            page.check(f"input[name=house][value='{code}']")
        page.click("[data-testid=bulk-button]")
        page.select_option("#id_dimension", "income")
        page.select_option("#id_phase", "long")
        page.fill("#id_agency", "สำนักงานพัฒนาชุมชนอำเภอ")
        page.fill("#id_description", "ส่งเสริมอาชีพเลี้ยงไก่ไข่")
        page.click("main button[type=submit]")
        assert "3" in page.inner_text(".messages")

        page.goto(f"{site}/households/progress/?level=province&code=19")
        row = page.locator("[data-testid=progress-table] tr[data-code='1901']")
        cells = row.locator("td")
        assert cells.nth(3).inner_text() == "7"  # total households
        assert cells.nth(4).inner_text() == "1"  # with a plan (the imported plan date)
        assert row.locator("[data-dim=income-helped]").inner_text() == "3"
        shot(page, "progress-after-import-desktop")
