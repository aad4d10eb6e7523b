"""End-to-end in Chromium: the province admin adds a key mission and an indicator for it
through the settings page's forms (first with bounds the wrong way round, refused with the
message on the field) and sees both listed. Screenshots of the settings page at desktop and
phone widths go to /tmp/shots-settings/; on a phone the wide tables scroll in their frames."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.translation import gettext, override

from cdd.thai import fiscal_year
from reports import cycle
from reports.models import Holiday, Indicator, Mission, Reopening
from tests.browser import fits, logged_in, shot

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-settings")
FY = fiscal_year(timezone.localdate())
MONTHS = cycle.fiscal_months(FY)


@pytest.fixture
def site(transactional_db, live_server, users):
    """Province 19 in this fiscal year: two key missions (and last year's three, one of them
    not yet copied), an indicator, a national holiday on a due date, the province's own
    holiday and a reopened month."""
    for number, name in [
        (1, "ศูนย์เรียนรู้การพัฒนาพื้นที่ต้นแบบการพัฒนาคุณภาพชีวิต โคก หนอง นา"),
        (2, "ความมั่นคงทางอาหาร (ปลูกผักสวนครัว)"),
        (3, "ผ้าไทยใส่ให้สนุก"),
    ]:
        Mission.objects.create(province_id="19", fiscal_year=FY - 1, number=number, name=name)
        if number < 3:
            Mission.objects.create(province_id="19", fiscal_year=FY, number=number, name=name)
    Indicator.objects.create(
        province_id="19",
        fiscal_year=FY,
        number=1,
        name="ร้อยละของครัวเรือนที่ปลูกผักสวนครัวเพื่อความมั่นคงทางอาหาร",
        unit="ร้อยละ",
        mission=Mission.objects.get(fiscal_year=FY, number=2),
        aggregation="avg",
        min_value=0,
        max_value=100,
    )
    first_due = cycle.due_date("19", MONTHS[0])
    Holiday.objects.create(date=first_due, name="วันหยุดชดเชยวันปิยมหาราช")
    Holiday.objects.create(province_id="19", date=MONTHS[1].replace(day=20), name="งานกาชาด")
    Reopening.objects.create(
        district_id="1902",
        province_id="19",
        month=MONTHS[0],
        until=timezone.localdate() + timedelta(days=7),
        reason="ข้อมูลกองทุนหมู่บ้านยังไม่ครบ",
        reopened_by=users["provincial_admin"],
    )
    return live_server.url


def thai(message):
    with override("th"):
        return gettext(message)


def test_admin_adds_a_mission_and_an_indicator(site):
    with logged_in(site, "admin19") as page:
        page.goto(f"{site}/reports/settings/")
        page.wait_for_selector("[data-testid=calendar-table]")

        page.click("[data-testid=mission-add] summary")
        assert page.input_value("#id_mission-number") == "3"
        page.fill("#id_mission-name", "ศูนย์ปฏิบัติการขจัดความยากจน (ศจพ.)")
        page.click("[data-testid=mission-form] button[type=submit]")
        page.wait_for_selector(".messages")
        row = "[data-testid=mission-table] tr[data-mission='3']"
        assert page.inner_text(f"{row} [data-col=name]") == "ศูนย์ปฏิบัติการขจัดความยากจน (ศจพ.)"

        page.click("[data-testid=indicator-add] summary")
        assert page.input_value("#id_indicator-number") == "2"
        page.fill("#id_indicator-name", "ครัวเรือนเป้าหมายที่ได้รับการช่วยเหลือ")
        page.fill("#id_indicator-unit", "ครัวเรือน")
        page.select_option("#id_indicator-mission", label="3. ศูนย์ปฏิบัติการขจัดความยากจน (ศจพ.)")
        page.select_option("#id_indicator-aggregation", "latest")
        page.fill("#id_indicator-min_value", "500")
        page.fill("#id_indicator-max_value", "50")  # the wrong way round
        page.check("#id_indicator-integer_only")
        page.check("#id_indicator-no_decrease")
        page.click("[data-testid=indicator-form] button[type=submit]")
        error = page.locator("#id_indicator-max_value_error")
        error.wait_for()
        assert error.inner_text().strip() == thai(
            "The highest allowed value must not be below the lowest."
        )
        assert not Indicator.objects.filter(number=2).exists()
        shot(page, "settings-indicator-error-desktop", SHOTS)

        page.fill("#id_indicator-min_value", "0")
        page.fill("#id_indicator-max_value", "5,000")
        page.click("[data-testid=indicator-form] button[type=submit]")
        page.wait_for_selector(".messages")
        row = "[data-testid=indicator-table] tr[data-indicator='2']"
        assert page.inner_text(f"{row} [data-col=name]") == "ครัวเรือนเป้าหมายที่ได้รับการช่วยเหลือ"
        assert page.inner_text(f"{row} [data-col=mission]").startswith("3. ศูนย์ปฏิบัติการ")
        assert "5,000" in page.inner_text(f"{row} [data-col=rules]")
        indicator = Indicator.objects.get(number=2)
        assert (indicator.max_value, indicator.integer_only, indicator.no_decrease) == (
            5000,
            True,
            True,
        )
        assert (
            page.inner_text(
                "[data-testid=mission-table] tr[data-mission='3'] [data-col=indicators]"
            )
            == "1"
        )


@pytest.mark.parametrize("width,height,kind", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_settings_page_at_desktop_and_phone_widths(site, width, height, kind):
    with logged_in(site, "admin19", width, height, kind) as page:
        page.goto(f"{site}/reports/settings/")
        for details in ("mission-add", "indicator-add", "reopen-add"):
            page.click(f"[data-testid={details}] summary")
        # The national holiday on the first month's due date moves it, and the table says so.
        moved = page.inner_text(
            f"[data-testid=calendar-table] tr[data-month='{MONTHS[0]:%Y-%m}'] "
            "[data-col=due-monthly]"
        )
        assert "วันหยุดชดเชยวันปิยมหาราช" in moved
        shot(page, f"settings-{kind}", SHOTS)
        assert fits(page, width)
        if kind == "phone":
            for table in ("calendar-table", "indicator-table"):
                wrap = page.locator(f".table-wrap:has([data-testid={table}])")
                assert wrap.evaluate("e => e.scrollWidth > e.clientWidth"), table

        indicator = Indicator.objects.get(number=1)
        page.goto(f"{site}/reports/settings/indicators/{indicator.pk}/")
        shot(page, f"settings-indicator-edit-{kind}", SHOTS)
        assert fits(page, width)

    with logged_in(site, "staff1901", width, height, kind) as page:
        page.goto(f"{site}/reports/settings/")
        page.wait_for_selector("[data-testid=read-only]")
        assert page.locator("form[method=post][action^='/reports/settings']").count() == 0
        shot(page, f"settings-read-only-{kind}", SHOTS)
        assert fits(page, width)
