"""End-to-end in Chromium: district staff read their district's overdue WDF debt, enter two
payments on the batch screen (first with a mistake that saves nothing), and see the overdue
figure go down by what was paid. Screenshots of the WDF pages at desktop and phone widths go
to /tmp/shots-funds/."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from conftest import be
from funds.models import ReliefRound, WdfLoan, WdfPayment
from funds.selectors import wdf_debt
from funds.services import loan_save, payments_add, relief_apply, restructure
from tests.browser import logged_in, shot, tour_tabbed_pages
from villages.models import District, Subdistrict

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/shots-funds")


def make_loan(user, no, principal, signed, parts, first_due, district="1901", **extra):
    subdistrict = extra.pop("subdistrict", None)
    loan = WdfLoan(
        contract_no=no,
        borrower_name=extra.pop("borrower", "นางสมศรี ใจงาม"),
        principal=Decimal(principal),
        contract_date=date.fromisoformat(signed),
        instalments=parts,
        first_due_date=date.fromisoformat(first_due),
        interval_months=extra.pop("interval", 12),
        **extra,
    )
    return loan_save(
        user=user,
        loan=loan,
        district=District.objects.get(pk=district),
        subdistrict=Subdistrict.objects.get(pk=subdistrict) if subdistrict else None,
    )


@pytest.fixture
def site(transactional_db, live_server, users):
    """District 1901: A-1 (8,000 overdue) and B-1 (9,000 overdue); district 1902: N-1."""
    officer = users["provincial_officer"]
    a = make_loan(officer, "A-1", "12000", "2024-01-10", 3, "2024-07-10", interval=6)
    payments_add(user=officer, entries=[(a, date(2024, 7, 10), Decimal("4000"), "R-0001")])
    make_loan(officer, "B-1", "9000", "2024-02-01", 1, "2024-12-01", borrower="กลุ่มสตรีบ้านโป่งสามัคคี")
    make_loan(officer, "N-1", "5000", "2024-03-01", 1, "2024-09-01", district="1902")
    # A contract with a longer story for the contract page: restructured, then relieved.
    c = make_loan(officer, "C-7", "60000", "2023-05-01", 4, "2024-05-01", subdistrict="190101")
    payments_add(user=officer, entries=[(c, date(2024, 5, 1), Decimal("15000"), "R-0002")])
    restructure(
        user=officer,
        loan=c,
        effective_on=date(2025, 2, 1),
        instalments=3,
        first_due_date=date(2025, 8, 1),
        interval_months=6,
        note="ตามมติคณะอนุกรรมการ",
    )
    round_ = ReliefRound.objects.create(
        province_id="19",
        number="1/2569",
        title="พักชำระหนี้ผู้ประสบอุทกภัย",
        announced_on=date(2025, 12, 15),
        effective_on=date(2026, 1, 1),
        pause_months=12,
    )
    relief_apply(user=officer, relief_round=round_, loans=[c])
    return live_server.url


def district_overdue(page):
    cell = page.locator("[data-testid=figures-table] tr[data-code='1901'] [data-col=overdue]")
    return Decimal(cell.inner_text().strip().replace(",", ""))


def fill_row(page, n, contract, paid_on, amount, receipt=""):
    page.fill(f"#id_r{n}-contract_no", contract)
    page.fill(f"#id_r{n}-paid_on", paid_on)
    page.fill(f"#id_r{n}-amount", amount)
    page.fill(f"#id_r{n}-receipt_no", receipt)


def test_batch_payments_lower_the_overdue_figure(site, users):
    staff = users["district_staff"]
    today = be(timezone.localdate())
    with logged_in(site, "staff1901") as page:
        page.goto(f"{site}/funds/wdf/")
        before = district_overdue(page)
        # 8,000 and B-1: 9,000, plus whatever of C-7 has fallen due again since its pause.
        expected = wdf_debt(user=staff, as_of=timezone.localdate(), level="district", code="1901")
        assert before == expected["total"]["overdue_now"] >= Decimal("17000.00")
        assert page.locator("[data-testid=figures-table] tr[data-code='1902']").count() == 0

        page.locator("nav.tabs").get_by_role("link", name="บันทึกการชำระหนี้").click()
        page.wait_for_url(f"{site}/funds/wdf/payments/batch/")
        fill_row(page, 0, "A-1", today, "1,500", "R-1001")
        fill_row(page, 1, "B-1", today, "10,000", "R-1002")  # only 9,000 remains
        page.click("[data-testid=batch-save]")
        page.wait_for_selector("[data-testid=batch-errors]")
        row2 = page.inner_text("tr[data-row='2']")
        assert "มากกว่า" in row2 and "9,000.00" in row2 and "B-1" in row2
        assert page.locator("tr[data-row='1'].bad").count() == 0
        assert page.input_value("#id_r0-amount") == "1,500"  # what was typed stays
        assert WdfPayment.objects.filter(receipt_no__startswith="R-100").count() == 0
        shot(page, "batch-error-desktop", SHOTS)

        page.fill("#id_r1-amount", "2,000")
        page.click("[data-testid=batch-save]")
        page.wait_for_url(f"{site}/funds/wdf/payments/batch/")
        message = page.inner_text(".messages")
        assert "3,500.00" in message and "6,500.00" in message and "7,000.00" in message
        assert WdfPayment.objects.filter(receipt_no__startswith="R-100").count() == 2

        page.locator("nav.tabs").get_by_role("link", name="สถานะหนี้กองทุนพัฒนาบทบาทสตรี").click()
        page.wait_for_url(f"{site}/funds/wdf/")
        assert district_overdue(page) == before - Decimal("3500")


PAGES = [
    ("figures", "/funds/wdf/"),
    ("loans", "/funds/wdf/loans/"),
    ("loan", "/funds/wdf/loans/{c}/"),
    ("batch", "/funds/wdf/payments/batch/"),
    ("follow-up", "/funds/wdf/follow-up/"),
    ("relief", "/funds/wdf/relief/"),
    ("relief-apply", "/funds/wdf/relief/{r}/apply/"),
    ("loan-form", "/funds/wdf/loans/new/"),
]


@pytest.mark.parametrize("width,height,kind", [(1280, 900, "desktop"), (390, 844, "phone")])
def test_wdf_pages_at_desktop_and_phone_widths(site, width, height, kind):
    c = WdfLoan.objects.get(contract_no="C-7")
    r = ReliefRound.objects.get()
    pages = [(name, path.format(c=c.pk, r=r.pk)) for name, path in PAGES]
    with logged_in(site, "officer19", width, height, kind) as page:
        tour_tabbed_pages(page, site, pages, width, lambda name: f"wdf-{name}-{kind}", SHOTS)
        # The province's figures list every district; wide tables scroll inside their frame.
        page.goto(f"{site}/funds/wdf/")
        assert page.locator("[data-testid=figures-table] tbody tr").count() > 5
        wrap = page.locator(".table-wrap").first
        if kind == "phone":
            assert wrap.evaluate("e => e.scrollWidth > e.clientWidth")
