"""The WDF pages: figures, contracts, batch payments, follow-up and relief rounds, as each role
sees them (scoping, read-only roles, all-or-nothing payments, Thai messages)."""

import io
from datetime import date, timedelta
from decimal import Decimal as D

import openpyxl
import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from conftest import be, cell, row_html, text_of
from funds.models import Instalment, ReliefRound, ScheduleRevision, WdfLoan, WdfPayment
from funds.selectors import loan_figures, wdf_debt
from funds.services import month_mark_reported, relief_apply, restructure
from reports.models import ReportedMonth
from villages.models import Province

from .conftest import make_loan, pay

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture
def loans(officer, users):
    """Contracts signed in 2024, so every part is due by now: A in 1901 (12,000 in three
    parts, 4,000 paid), B in 1901 (9,000 in one part, nothing paid), N in 1902 and X in
    Bangkok."""
    a = make_loan(officer, "A-1", "12000", "2024-01-10", 3, "2024-07-10", interval=6)
    pay(officer, a, "2024-07-10", "4000")
    b = make_loan(officer, "B-1", "9000", "2024-02-01", 1, "2024-12-01", borrower="กลุ่มสตรีบ้านโป่ง")
    WdfLoan.objects.filter(pk=b.pk).update(borrower_kind="group")
    n = make_loan(officer, "N-1", "5000", "2024-03-01", 1, "2024-09-01", district="1902")
    x = make_loan(
        users["system_admin"], "X-1", "7000", "2024-03-01", 1, "2024-09-01", district="1001"
    )
    return {"a": a, "b": b, "n": n, "x": x}


def login(client, user):
    client.force_login(user)
    return client


def batch_data(rows, total=10):
    data = {"rows": str(total), "save": "1"}
    for i, row in enumerate(rows):
        for key, value in zip(
            ("contract_no", "paid_on", "amount", "receipt_no"), row, strict=False
        ):
            data[f"r{i}-{key}"] = value
    return data


# --- figures ---------------------------------------------------------------------------------


def test_district_staff_see_their_district_figures(client, staff, loans):
    html = login(client, staff).get("/funds/wdf/").content.decode()
    # A: 8,000 unpaid, B: 9,000 unpaid, all of it overdue by now.
    assert cell(html, "data-code", "1901", "receivables") == "17,000.00"
    assert cell(html, "data-code", "1901", "overdue") == "17,000.00"
    assert cell(html, "data-code", "1901", "contracts") == "2"
    assert 'data-code="1902"' not in html and "N-1" not in html
    # The baseline date (1 October of the fiscal year) is shown, in BE.
    baseline = date(TODAY.year if TODAY.month >= 10 else TODAY.year - 1, 10, 1)
    assert f"1 ต.ค. {baseline.year + 543}" in html
    # District staff cannot mark the province's month as reported.
    assert "/funds/wdf/reported/" not in html


def test_provincial_officer_sees_every_district_and_the_total(client, officer, loans):
    response = login(client, officer).get(f"/funds/wdf/?as_of={be(TODAY)}")
    html = response.content.decode()
    assert cell(html, "data-code", "1901", "overdue") == "17,000.00"
    assert cell(html, "data-code", "1902", "overdue") == "5,000.00"
    total = row_html(html, "data-testid", "figures-total")
    assert "22,000.00" in total
    assert len(response.context["debt"]["rows"]) == Province.objects.get(pk="19").districts.count()
    assert "X-1" not in html and ">3<" in total.replace(" ", "")  # A, B and N, not Bangkok's X
    # The KPI is explained under the table, and the officer may mark a month reported.
    assert 'data-testid="figures-explained"' in html
    assert "/funds/wdf/reported/" in html


def test_figures_as_of_an_earlier_date(client, officer, loans):
    # On 11 July 2024 only A's first part (paid on its due date) had fallen due.
    html = login(client, officer).get("/funds/wdf/?as_of=11/07/2567").content.decode()
    assert cell(html, "data-code", "1901", "overdue") == "0.00"
    # A: 12,000 - 4,000 = 8,000; B (signed 1 Feb 2024, due in December) 9,000.
    assert cell(html, "data-code", "1901", "receivables") == "17,000.00"


def test_a_wrong_date_is_shown_and_today_used(client, officer, loans):
    response = login(client, officer).get("/funds/wdf/?as_of=31/02/2569")
    assert response.status_code == 200 and response.context["as_of"] == TODAY
    assert "กรุณากรอกวันที่ให้ถูกต้อง" in response.content.decode()


def test_department_viewer_chooses_a_province_and_reads_only(client, users, loans):
    client = login(client, users["department_viewer"])
    first = client.get("/funds/wdf/")
    assert first.status_code == 200 and first.context["debt"] is None
    html = client.get("/funds/wdf/?province=19").content.decode()
    assert cell(html, "data-code", "1901", "overdue") == "17,000.00"
    assert "/funds/wdf/reported/" not in html


@pytest.mark.parametrize(
    "url",
    ["/funds/wdf/?district=1902", "/funds/wdf/?province=10", "/funds/wdf/follow-up/?district=1902"],
)
def test_another_area_is_404(client, staff, loans, url):
    assert login(client, staff).get(url).status_code == 404


def test_marking_a_month_reported_flags_later_payments(client, officer, loans):
    client = login(client, officer)
    month = (TODAY.replace(day=1) - timedelta(days=1)).replace(day=1)
    response = client.post("/funds/wdf/reported/", {"province": "19", "month": f"{month:%Y-%m}"})
    assert response.status_code == 302
    assert ReportedMonth.objects.filter(province_id="19", month=month).exists()
    html = client.get("/funds/wdf/").content.decode()
    assert f"{month.year + 543}" in text_of(html.split('data-testid="reported-months"')[1])
    # A payment dated in that month, entered now, is flagged on the contract page.
    pay(officer, loans["a"], month.isoformat(), "100")
    page = client.get(f"/funds/wdf/loans/{loans['a'].pk}/").content.decode()
    assert page.count('data-testid="late-entry"') == 1
    assert "บันทึกหลังรายงานเดือนนั้นแล้ว" in page  # needs the merged translations


def test_only_provincial_roles_mark_months(client, users, loans):
    for role in ("district_staff", "department_viewer"):
        client.force_login(users[role])
        response = client.post("/funds/wdf/reported/", {"province": "19", "month": "2026-10"})
        assert response.status_code == 403, role
    assert not ReportedMonth.objects.exists()


# --- contracts -------------------------------------------------------------------------------


def contracts_in(response):
    return [loan.contract_no for loan in response.context["page"].object_list]


@pytest.mark.parametrize(
    "query,expected",
    [
        ("", ["A-1", "B-1"]),
        ("q=a-1", ["A-1"]),
        ("q=บ้านโป่ง", ["B-1"]),
        ("kind=group", ["B-1"]),
        ("kind=person", ["A-1"]),
        ("arrears=yes", ["A-1", "B-1"]),
        ("arrears=no", []),
        ("district=1902", []),
        ("sort=-overdue", ["B-1", "A-1"]),
        ("sort=principal", ["B-1", "A-1"]),
    ],
)
def test_contract_list_filters_and_sorts(client, staff, loans, query, expected):
    assert contracts_in(login(client, staff).get(f"/funds/wdf/loans/?{query}")) == expected


def test_contract_list_in_arrears_follows_payments(client, officer, loans):
    pay(officer, loans["b"], TODAY.isoformat(), "9000")
    client = login(client, officer)
    assert contracts_in(client.get("/funds/wdf/loans/?arrears=yes")) == ["A-1", "N-1"]
    assert contracts_in(client.get("/funds/wdf/loans/?arrears=no")) == ["B-1"]
    html = client.get("/funds/wdf/loans/?q=A-1").content.decode()
    assert "8,000.00" in row_html(html, "data-contract", "A-1")
    assert "/funds/wdf/loans/new/" in html


def test_contract_export_is_filtered_and_scoped(client, staff, loans):
    response = login(client, staff).get("/funds/wdf/loans/export.xlsx?kind=person")
    assert response.status_code == 200
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.values)
    assert rows[0][0].endswith("(contract_no)")
    assert [r[0] for r in rows[1:]] == ["A-1"]
    assert rows[1][1] == "1901" and rows[1][5] == 12000 and rows[1][-1] == 8000


def test_contract_page_shows_schedule_payments_and_history_in_10_queries(
    client, officer, staff, loans, django_assert_max_num_queries
):
    a = loans["a"]
    pay(officer, a, "2024-12-01", "1000")
    restructure(
        user=officer,
        loan=a,
        effective_on=date(2025, 3, 1),
        instalments=2,
        first_due_date=date(2025, 6, 1),
        interval_months=12,
        note="ปรับตามมติคณะอนุกรรมการ",
    )
    round_ = ReliefRound.objects.create(
        province_id="19",
        number="1/2569",
        title="พักชำระหนี้ผู้ประสบอุทกภัย",
        announced_on=date(2025, 12, 1),
        effective_on=date(2026, 1, 1),
        pause_months=12,
    )
    relief_apply(user=officer, relief_round=round_, loans=[a])
    pay(officer, a, "2026-02-01", "1500")
    # District staff are the costliest reader (the menu names their district and province).
    client = login(client, staff)
    with django_assert_max_num_queries(10):
        response = client.get(f"/funds/wdf/loans/{a.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    # Restructured 7,000 into 3,500 + 3,500 (due 1 Jun 2025, 1 Jun 2026), both paused 12
    # months on 1 Jan 2026; 1,500 paid since settles the first part in part.
    schedule = response.context["schedule"]
    assert [(s["part"].due_on, s["unpaid"], s["status"]) for s in schedule] == [
        (date(2027, 1, 1), D("2000.00"), "partly"),
        (date(2027, 6, 1), D("3500.00"), "unpaid"),
    ]
    assert [r["revision"].kind for r in response.context["revisions"]] == [
        "original",
        "restructure",
        "relief",
    ]
    assert "ปรับตามมติคณะอนุกรรมการ" in html and "1/2569" in html
    assert "1,500.00" in html and "6,500.00" in html  # a payment and the total paid so far
    kinds = {(e.content_type.model, e.action) for e in response.context["history"]}
    assert {("wdfloan", "create"), ("wdfpayment", "create")} <= kinds
    assert ("schedulerevision", "create") in kinds
    history = response.context["history"]
    assert history == sorted(history, key=lambda e: (e.at, e.id), reverse=True)
    for link in ("/edit/", "/restructure/", f"/funds/wdf/payments/batch/?contract={a.contract_no}"):
        assert link in html, link
    assert response.context["figures"] == loan_figures(a, TODAY)


def test_contract_page_lists_deleted_payments_in_history(client, officer, loans):
    a = loans["a"]
    payment = pay(officer, a, "2024-12-01", "250")
    client = login(client, officer)
    assert client.get(f"/funds/wdf/payments/{payment.pk}/delete/").status_code == 200
    response = client.post(f"/funds/wdf/payments/{payment.pk}/delete/")
    assert response.status_code == 302 and not WdfPayment.objects.filter(pk=payment.pk).exists()
    history = client.get(f"/funds/wdf/loans/{a.pk}/").context["history"]
    assert ("wdfpayment", "delete") in {(e.content_type.model, e.action) for e in history}


def test_district_staff_cannot_reach_another_districts_contract(client, staff, loans):
    client = login(client, staff)
    n = loans["n"]
    payment = WdfPayment.objects.create(loan=n, paid_on=date(2024, 10, 1), amount=D("10"))
    for method, url in [
        ("get", f"/funds/wdf/loans/{n.pk}/"),
        ("get", f"/funds/wdf/loans/{n.pk}/edit/"),
        ("post", f"/funds/wdf/loans/{n.pk}/edit/"),
        ("get", f"/funds/wdf/loans/{n.pk}/restructure/"),
        ("post", f"/funds/wdf/loans/{n.pk}/restructure/"),
        ("post", f"/funds/wdf/payments/{payment.pk}/delete/"),
        ("get", f"/funds/wdf/loans/{loans['x'].pk}/"),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert WdfPayment.objects.filter(pk=payment.pk).exists()


def test_read_only_roles_get_403_and_no_buttons(client, users, loans):
    client = login(client, users["department_viewer"])
    a = loans["a"]
    page = client.get(f"/funds/wdf/loans/{a.pk}/").content.decode()
    assert (
        page.count("/edit/") == 0
        and "/restructure/" not in page
        and "batch/" not in page.split('data-testid="loan-actions"')[1].split("</div>")[0]
    )
    assert "/funds/wdf/loans/new/" not in client.get("/funds/wdf/loans/").content.decode()
    payment = WdfPayment.objects.filter(loan=a).first()
    round_ = ReliefRound.objects.create(
        province_id="19",
        number="9/2569",
        title="t",
        announced_on=TODAY,
        effective_on=TODAY,
        pause_months=3,
    )
    for url, data in [
        ("/funds/wdf/loans/new/", {"contract_no": "Z-1"}),
        (f"/funds/wdf/loans/{a.pk}/edit/", {"contract_no": "A-1"}),
        (f"/funds/wdf/loans/{a.pk}/restructure/", {"instalments": "2"}),
        ("/funds/wdf/payments/batch/", batch_data([("A-1", be(TODAY), "100", "")])),
        (f"/funds/wdf/payments/{payment.pk}/delete/", {}),
        ("/funds/wdf/relief/new/", {"number": "2/2569"}),
        (f"/funds/wdf/relief/{round_.pk}/edit/", {"number": "9/2569"}),
        (f"/funds/wdf/relief/{round_.pk}/apply/", {"loan": [a.pk]}),
    ]:
        assert client.post(url, data).status_code == 403, url
        assert client.get(url).status_code == 403, url
    assert (
        WdfPayment.objects.count() == 1
        and not ScheduleRevision.objects.filter(kind="relief").exists()
    )


def test_create_and_edit_a_contract(client, staff, loans):
    client = login(client, staff)
    data = {
        "contract_no": "C-9",
        "district": "1901",
        "subdistrict": "190101",
        "borrower_name": "นางสาวมณี ศรีสุข",
        "borrower_kind": "person",
        "principal": "30,000",
        "contract_date": "15/01/2568",
        "instalments": "3",
        "first_due_date": "15/01/2569",
        "interval_months": "12",
        "note": "",
    }
    response = client.post("/funds/wdf/loans/new/", data)
    loan = WdfLoan.objects.get(contract_no="C-9")
    assert response.status_code == 302 and response.url == f"/funds/wdf/loans/{loan.pk}/"
    assert loan.principal == D("30000") and loan.contract_date == date(2025, 1, 15)
    assert list(loan.parts.values_list("amount", flat=True)) == [D("10000.00")] * 3
    # A contract number used in another district is refused with the district's name.
    taken = client.post("/funds/wdf/loans/new/", {**data, "contract_no": "N-1"})
    assert taken.status_code == 200 and "แก่งคอย" in taken.content.decode()
    # The first due date cannot be before the contract date.
    early = client.post(
        "/funds/wdf/loans/new/", {**data, "contract_no": "C-10", "first_due_date": "01/01/2568"}
    )
    assert early.status_code == 200 and not WdfLoan.objects.filter(contract_no="C-10").exists()
    assert early.context["form"].errors["first_due_date"]
    edited = client.post(
        f"/funds/wdf/loans/{loan.pk}/edit/", {**data, "borrower_name": "นางมณี ศรีสุข"}
    )
    assert edited.status_code == 302
    loan.refresh_from_db()
    assert loan.borrower_name == "นางมณี ศรีสุข"
    # Another district is not offered to district staff.
    other = client.post(
        "/funds/wdf/loans/new/", {**data, "contract_no": "C-11", "district": "1902"}
    )
    assert other.status_code == 200 and not WdfLoan.objects.filter(contract_no="C-11").exists()


def test_restructure_from_the_contract_page(client, officer, loans):
    b = loans["b"]
    client = login(client, officer)
    response = client.post(
        f"/funds/wdf/loans/{b.pk}/restructure/",
        {
            "effective_on": be(TODAY),
            "instalments": "3",
            "first_due_date": be(TODAY + timedelta(days=60)),
            "interval_months": "6",
            "note": "",
        },
    )
    assert response.status_code == 302
    assert (
        list(b.parts.filter(valid_to__isnull=True).values_list("amount", flat=True))
        == [D("3000.00")] * 3
    )
    assert loan_figures(b, TODAY + timedelta(days=1))["overdue_now"] == 0
    # A first due date before the restructure date is refused on its field.
    again = client.post(
        f"/funds/wdf/loans/{b.pk}/restructure/",
        {
            "effective_on": be(TODAY),
            "instalments": "2",
            "first_due_date": be(TODAY - timedelta(days=1)),
            "interval_months": "6",
        },
    )
    assert again.status_code == 200 and again.context["form"].errors["first_due_date"]


# --- batch payments --------------------------------------------------------------------------


def test_batch_payment_saves_all_rows_and_reports_new_overdue(client, staff, loans):
    client = login(client, staff)
    page = client.get("/funds/wdf/payments/batch/")
    assert len(page.context["batch"].forms) == 10
    data = batch_data(
        [
            ("A-1", be(TODAY), "1,500", "R-001"),
            ("", "", "", ""),  # an empty row in between is skipped
            ("B-1", be(TODAY - timedelta(days=1)), "2000", "R-002"),
        ]
    )
    response = client.post("/funds/wdf/payments/batch/", data)
    assert response.status_code == 302
    saved = WdfPayment.objects.filter(receipt_no__startswith="R-").order_by("receipt_no")
    assert [(p.loan.contract_no, p.amount) for p in saved] == [
        ("A-1", D("1500")),
        ("B-1", D("2000")),
    ]
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("2" in m and "3,500.00" in m for m in messages), messages
    # A: 8,000 - 1,500 = 6,500 overdue; B: 9,000 - 2,000 = 7,000.
    assert any("A-1" in m and "6,500.00" in m and "7,000.00" in m for m in messages), messages
    fig = wdf_debt(user=staff, as_of=TODAY, level="district", code="1901")["total"]
    assert fig["overdue_now"] == D("13500")


def test_batch_payment_all_or_nothing_with_row_messages(client, staff, loans):
    client = login(client, staff)
    data = batch_data(
        [
            ("A-1", be(TODAY), "1000", ""),  # fine on its own
            ("N-1", be(TODAY), "100", ""),  # another district's contract
            ("NOPE-9", be(TODAY), "100", ""),  # unknown contract
            ("B-1", be(TODAY), "9,500", ""),  # more than the 9,000 that remains
            ("A-1", "01/01/2566", "10", ""),  # before the contract date
            ("A-1", be(TODAY + timedelta(days=3)), "10", ""),  # in the future
            ("", "", "55", ""),  # an amount without a contract
        ]
    )
    response = client.post("/funds/wdf/payments/batch/", data)
    assert response.status_code == 200
    assert WdfPayment.objects.count() == 1  # only the fixture's payment: nothing was written
    html = response.content.decode()
    bad = {n: row_html(html, "data-row", str(n)) for n in range(1, 8)}
    assert 'class="bad"' not in bad[1]
    for n in range(2, 8):
        assert 'class="bad"' in bad[n], n
    assert "N-1" in bad[2] and "NOPE-9" in bad[3]
    # What was typed stays in the boxes so that it can be corrected.
    assert 'value="9,500"' in bad[4]
    # Thai messages (need the merged translations).
    assert "ไม่พบสัญญาเลขที่ N-1" in bad[2]
    assert "ไม่พบสัญญาเลขที่ NOPE-9" in bad[3]
    assert "มากกว่า" in bad[4] and "9,000.00" in bad[4]
    # Fixing the rows saves them all at once.
    fixed = batch_data([("A-1", be(TODAY), "1000", ""), ("B-1", be(TODAY), "9,000", "")])
    assert client.post("/funds/wdf/payments/batch/", fixed).status_code == 302
    assert WdfPayment.objects.count() == 3


def test_batch_payment_two_rows_for_one_contract_cannot_exceed_it(client, staff, loans):
    client = login(client, staff)
    data = batch_data([("B-1", be(TODAY), "5000", ""), ("B-1", be(TODAY), "5000", "")])
    response = client.post("/funds/wdf/payments/batch/", data)
    html = response.content.decode()
    assert 'class="bad"' not in row_html(html, "data-row", "1")
    assert 'class="bad"' in row_html(html, "data-row", "2") and "4,000.00" in row_html(
        html, "data-row", "2"
    )
    assert not WdfPayment.objects.filter(loan=loans["b"]).exists()


def test_batch_more_rows_keeps_what_was_typed(client, staff, loans):
    client = login(client, staff)
    data = batch_data([("A-1", be(TODAY), "100", "")])
    data.pop("save")
    data["more"] = "1"
    response = client.post("/funds/wdf/payments/batch/", data)
    assert response.status_code == 200 and len(response.context["batch"].forms) == 15
    assert 'value="A-1"' in response.content.decode()
    assert WdfPayment.objects.count() == 1


def test_batch_prefilled_from_the_contract_page(client, staff, loans):
    html = login(client, staff).get("/funds/wdf/payments/batch/?contract=A-1").content.decode()
    first = row_html(html, "data-row", "1")
    assert 'value="A-1"' in first and f'value="{be(TODAY)}"' in first


# --- follow-up -------------------------------------------------------------------------------


def test_follow_up_list_and_export(client, officer, loans):
    client = login(client, officer)
    response = client.get("/funds/wdf/follow-up/")
    html = response.content.decode()
    rows = [r["loan"].contract_no for r in response.context["page"].object_list]
    assert rows == ["B-1", "A-1", "N-1"]  # largest overdue first
    assert cell(html, "data-contract", "B-1", "overdue") == "9,000.00"
    # Nothing was paid since 1 October: the baseline 22,000 is still overdue, and 10% of it
    # (2,200) must be collected. B-1 alone covers it, so its row is highlighted.
    figures = response.context["data"]["figures"]
    assert figures["overdue_baseline"] == D("22000") and figures["to_collect_for_target"] == D(
        "2200"
    )
    assert 'data-testid="target-row"' in row_html(html, "data-contract", "B-1")
    assert html.count('data-testid="target-row"') == 1
    assert "2,200.00" in text_of(html.split('data-testid="to-collect"')[1])
    # Thai (needs the merged translations).
    assert "ต้องเก็บอีก 2,200.00 บาท เพื่อให้ถึงเป้าหมายลดลงร้อยละ 10" in text_of(html)

    export = client.get("/funds/wdf/follow-up/export.xlsx")
    assert export.status_code == 200
    assert export["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(export.content)).active
    values = list(sheet.values)
    assert values[0][1].endswith("(contract_no)")
    assert [r[1] for r in values[1:]] == ["B-1", "A-1", "N-1"]
    assert values[1][6] == 9000 and values[-1][10] == 22000  # running total
    assert values[1][8].date() == date(2024, 12, 1)  # oldest unpaid due date


def test_follow_up_export_escapes_formulas(client, officer, loans):
    WdfLoan.objects.filter(pk=loans["a"].pk).update(borrower_name='=HYPERLINK("x")')
    export = login(client, officer).get("/funds/wdf/follow-up/export.xlsx?district=1901")
    values = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.values)
    names = [r[2] for r in values[1:]]
    assert '\'=HYPERLINK("x")' in names
    assert [r[1] for r in values[1:]] == ["B-1", "A-1"]


def test_follow_up_for_district_staff_is_their_district(client, staff, loans):
    response = login(client, staff).get("/funds/wdf/follow-up/")
    assert [r["loan"].contract_no for r in response.context["page"].object_list] == ["B-1", "A-1"]


# --- relief rounds ---------------------------------------------------------------------------


def round_data(**overrides):
    data = {
        "number": "2/2569",
        "title": "พักชำระหนี้ภัยแล้ง",
        "announced_on": be(TODAY - timedelta(days=10)),
        "effective_on": be(TODAY),
        "pause_months": "6",
    }
    data.update(overrides)
    return data


def test_officer_creates_and_applies_a_relief_round(client, officer, loans):
    client = login(client, officer)
    assert client.post("/funds/wdf/relief/new/", round_data()).status_code == 302
    round_ = ReliefRound.objects.get(number="2/2569")
    assert round_.province_id == "19"
    # A contract signed after the pause starts is not offered (the service would refuse it).
    later = (TODAY + timedelta(days=1)).isoformat()
    make_loan(officer, "F-1", "1000", later, 1, (TODAY + timedelta(days=40)).isoformat())
    page = client.get(f"/funds/wdf/relief/{round_.pk}/apply/?district=1901")
    assert [loan.contract_no for loan in page.context["loans"]] == ["A-1", "B-1"]
    response = client.post(
        f"/funds/wdf/relief/{round_.pk}/apply/?district=1901",
        {"loan": [loans["a"].pk, loans["b"].pk]},
    )
    assert response.status_code == 302
    assert ScheduleRevision.objects.filter(relief_round=round_).count() == 2
    listing = client.get("/funds/wdf/relief/").content.decode()
    assert cell(listing, "data-round", "2/2569", "applied") == "2"
    # Paused: nothing is overdue tomorrow.
    assert loan_figures(loans["b"], TODAY + timedelta(days=1))["overdue_now"] == 0
    # The same number twice in the province is refused.
    again = client.post("/funds/wdf/relief/new/", round_data(title="ซ้ำ"))
    assert again.status_code == 200 and ReliefRound.objects.count() == 1


def test_relief_apply_refuses_ticking_nothing(client, officer, loans):
    client = login(client, officer)
    client.post("/funds/wdf/relief/new/", round_data())
    round_ = ReliefRound.objects.get()
    response = client.post(f"/funds/wdf/relief/{round_.pk}/apply/", {})
    assert response.status_code == 200 and response.context["errors"]
    # A contract outside the list (another province) cannot be ticked in.
    response = client.post(f"/funds/wdf/relief/{round_.pk}/apply/", {"loan": [loans["x"].pk]})
    assert (
        response.status_code == 200 and not ScheduleRevision.objects.filter(kind="relief").exists()
    )


def test_district_staff_read_relief_rounds_only(client, staff, officer, loans):
    round_ = ReliefRound.objects.create(
        province_id="19",
        number="3/2569",
        title="พักหนี้",
        announced_on=TODAY,
        effective_on=TODAY,
        pause_months=3,
    )
    client = login(client, staff)
    html = client.get("/funds/wdf/relief/").content.decode()
    assert "3/2569" in html and "/funds/wdf/relief/new/" not in html and "/apply/" not in html
    assert client.get("/funds/wdf/relief/new/").status_code == 403
    assert (
        client.post(f"/funds/wdf/relief/{round_.pk}/apply/", {"loan": [loans["a"].pk]}).status_code
        == 403
    )
    assert client.post(f"/funds/wdf/relief/{round_.pk}/edit/", round_data()).status_code == 403


# --- every page renders for every role within its area ---------------------------------------


PAGES = [
    "/funds/wdf/",
    "/funds/wdf/loans/",
    "/funds/wdf/loans/{a}/",
    "/funds/wdf/follow-up/",
    "/funds/wdf/relief/",
]
WRITER_PAGES = [
    "/funds/wdf/loans/new/",
    "/funds/wdf/loans/{a}/edit/",
    "/funds/wdf/loans/{a}/restructure/",
    "/funds/wdf/payments/batch/",
]


@pytest.mark.parametrize(
    "role",
    [
        "district_staff",
        "provincial_officer",
        "provincial_admin",
        "department_viewer",
        "system_admin",
    ],
)
def test_pages_render_for_each_role(client, users, loans, role):
    client.force_login(users[role])
    sees_all = role in ("department_viewer", "system_admin")
    pages = PAGES + (WRITER_PAGES if role != "department_viewer" else [])
    for url in pages:
        url = url.format(a=loans["a"].pk)
        if sees_all and url in ("/funds/wdf/", "/funds/wdf/follow-up/"):
            url += "?province=19"
        response = client.get(url)
        assert response.status_code == 200, (role, url)
        html = response.content.decode()
        assert 'class="tabs"' in html, url
    if role != "district_staff":
        round_ = ReliefRound.objects.create(
            province_id="19",
            number=f"R-{role}",
            title="t",
            announced_on=TODAY,
            effective_on=TODAY,
            pause_months=1,
        )
        status = 403 if role == "department_viewer" else 200
        assert client.get(f"/funds/wdf/relief/{round_.pk}/apply/").status_code == status
        assert client.get("/funds/wdf/relief/new/").status_code == status
        assert client.get(f"/funds/wdf/relief/{round_.pk}/edit/").status_code == status


def test_month_reported_mark_by_service_shows_on_the_page(client, officer, loans):
    month_mark_reported(
        user=officer, province=Province.objects.get(pk="19"), month=date(2026, 9, 1)
    )
    html = login(client, officer).get("/funds/wdf/").content.decode()
    assert "กันยายน 2569" in html


def test_instalments_of_the_schedule_in_force_only(client, officer, loans):
    """The page's schedule is the one in force; the earlier one is kept under its changes."""
    b = loans["b"]
    restructure(
        user=officer,
        loan=b,
        effective_on=date(2025, 1, 1),
        instalments=2,
        first_due_date=date(2025, 6, 1),
        interval_months=6,
    )
    response = login(client, officer).get(f"/funds/wdf/loans/{b.pk}/")
    assert [s["part"].amount for s in response.context["schedule"]] == [D("4500.00")] * 2
    original = response.context["revisions"][0]
    assert original["revision"].kind == "original" and original["valid_to"] == date(2025, 1, 1)
    assert Instalment.objects.filter(loan=b).count() == 3
