"""wdf_loans, wdf_payments, kkj_funds, wdf_budget, wdf_disbursements imports: CONTRACT
columns, Thai row errors naming row and column, all-or-nothing, idempotent re-import."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.management import call_command

from audit.models import AuditEntry, ImportBatch
from audit.registry import snapshot
from funds.models import BudgetLine, Disbursement, Instalment, KkjFund, WdfLoan, WdfPayment
from funds.selectors import budget_lines, loan_figures
from imports.engine import run_import

LOANS = (
    "contract_no,district_code,borrower_name,borrower_kind,principal,contract_date,"
    "instalments,first_due_date,interval_months\n"
    'W-001,1901,นางสมศรี ใจงาม,person,"12,000.00",2567-01-10,3,2567-07-10,6\n'
    "W-002,1901,กลุ่มสตรีบ้านหนองโน,group,50000,2024-03-01,,2025-03-01,\n"
)
PAYMENTS = "contract_no,paid_on,amount\nW-001,2024-07-10,4000\nW-001,2025-01-05,2000\n"


def csv(text):
    return ("\ufeff" + text).encode()


@pytest.fixture
def loans(users):
    result = run_import("wdf_loans", csv(LOANS), "loans.csv", user=users["district_staff"])
    assert result.ok, result.errors
    return result


def test_loans_import_builds_schedules_and_reimport_changes_nothing(users, loans):
    assert (loans.created, loans.updated, loans.unchanged) == (2, 0, 0)
    w1 = WdfLoan.objects.get(contract_no="W-001")
    assert (w1.district_id, w1.province_id, w1.contract_date) == ("1901", "19", date(2024, 1, 10))
    assert list(w1.parts.values_list("due_on", "amount")) == [
        (date(2024, 7, 10), D("4000.00")),
        (date(2025, 1, 10), D("4000.00")),
        (date(2025, 7, 10), D("4000.00")),
    ]
    w2 = WdfLoan.objects.get(contract_no="W-002")
    assert (w2.instalments, w2.interval_months) == (1, 12)  # the defaults
    assert AuditEntry.objects.filter(content_type__model="wdfloan", action="create").count() == 2
    again = run_import("wdf_loans", csv(LOANS), "loans.csv", user=users["district_staff"])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert Instalment.objects.count() == 4
    # A new principal rewrites the original schedule.
    changed = LOANS.replace('"12,000.00"', "9000")
    third = run_import("wdf_loans", csv(changed), "loans.csv", user=users["district_staff"])
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert list(w1.parts.values_list("amount", flat=True)) == [D("3000.00")] * 3


def test_payments_import_and_reimport(users, loans):
    staff = users["district_staff"]
    first = run_import("wdf_payments", csv(PAYMENTS), "pay.csv", user=staff)
    assert first.ok, first.errors
    assert (first.created, first.unchanged) == (2, 0)
    again = run_import("wdf_payments", csv(PAYMENTS), "pay.csv", user=staff)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert WdfPayment.objects.count() == 2
    # Each payment has its own audit entry naming it (COPY on PostgreSQL reserves the ids).
    entries = AuditEntry.objects.filter(content_type__model="wdfpayment", action="create")
    assert sorted(entries.values_list("object_pk", flat=True)) == sorted(
        str(pk) for pk in WdfPayment.objects.values_list("pk", flat=True)
    )
    for entry in entries:  # the same snapshot as the model's, whichever way it was written
        assert entry.after == snapshot(WdfPayment.objects.get(pk=entry.object_pk))
    assert sorted(entries.values_list("object_repr", flat=True)) == [
        "W-001 2024-07-10 4000.00",
        "W-001 2025-01-05 2000.00",
    ]
    loan = WdfLoan.objects.get(contract_no="W-001")
    fig = loan_figures(loan, date(2025, 2, 1))
    # 6,000 paid of 12,000: part 1 paid, 2,000 of part 2 (due 2025-01-10) unpaid, 22 days late.
    assert (fig["receivables"], fig["overdue_now"]) == (D("6000"), D("2000"))
    # Two equal payments in one file are two payments; a third file row is new.
    more = PAYMENTS + "W-001,2025-01-05,2000\n"
    third = run_import("wdf_payments", csv(more), "pay.csv", user=staff)
    assert (third.created, third.unchanged) == (1, 2)


BAD_PAYMENTS = [
    ("W-999,2025-01-05,100", "contract_no", "ไม่พบสัญญาเลขที่ W-999"),
    ("W-001,2025-01-05,12000.01", "amount", "มากกว่ายอดคงเหลือ"),
    ("W-001,2025-01-05,0", "amount", "มากกว่าศูนย์"),
    ("W-001,2023-01-05,100", "paid_on", "ก่อนวันที่ทำสัญญา"),
    ("W-001,2600-01-05,100", "paid_on", "อนาคต"),
    ("W-001,2025-13-05,100", "paid_on", ""),
]


@pytest.mark.parametrize("row,column,text", BAD_PAYMENTS)
def test_bad_payment_rows_are_named_and_nothing_is_written(users, loans, row, column, text):
    data = csv("contract_no,paid_on,amount\nW-002,2025-01-05,100\n" + row + "\n")
    result = run_import("wdf_payments", data, "pay.csv", user=users["district_staff"])
    assert not result.ok
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert text in result.errors[0].message
    assert WdfPayment.objects.count() == 0
    assert not ImportBatch.objects.filter(resource="wdf_payments").exists()


def test_payments_add_up_within_the_file(users, loans):
    data = csv("contract_no,paid_on,amount\nW-002,2025-01-05,30000\nW-002,2025-02-05,30000\n")
    result = run_import("wdf_payments", data, "pay.csv", user=users["district_staff"])
    assert [(e.row, e.column) for e in result.errors] == [(3, "amount")]
    assert "20,000.00" in result.errors[0].message  # what remains after row 2


def test_payment_to_a_contract_outside_the_area(users, loans):
    outsider = users["provincial_officer"]
    run_import(
        "wdf_loans",
        csv(LOANS.replace("W-001,1901", "N-001,1902").replace("W-002,1901", "N-002,1902")),
        "l.csv",
        user=outsider,
    )
    data = csv("contract_no,paid_on,amount\nN-001,2025-01-05,100\n")
    result = run_import("wdf_payments", data, "pay.csv", user=users["district_staff"])
    assert "นอกพื้นที่" in result.errors[0].message


BAD_LOANS = [
    ('"12,000.00"', "0", "principal", "มากกว่าศูนย์"),
    ('"12,000.00"', "-5", "principal", "ติดลบ"),
    ("2567-07-10", "2566-07-10", "first_due_date", "ก่อนวันที่ทำสัญญา"),
    ("W-001,1901", "W-001,1902", "district_code", "นอกพื้นที่"),
    (",person,", ",company,", "borrower_kind", "company"),
]


@pytest.mark.parametrize("old,new,column,text", BAD_LOANS)
def test_bad_loan_rows(users, old, new, column, text):
    result = run_import(
        "wdf_loans", csv(LOANS.replace(old, new)), "l.csv", user=users["district_staff"]
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, column)]
    assert text in result.errors[0].message
    assert WdfLoan.objects.count() == 0


def test_duplicate_contract_number_in_another_district(users, loans):
    officer = users["provincial_officer"]
    moved = "W-002,1902,".join(LOANS.split("W-002,1901,"))
    result = run_import("wdf_loans", csv(moved), "l.csv", user=officer)
    assert [(e.row, e.column) for e in result.errors] == [(3, "contract_no")]
    assert "W-002" in result.errors[0].message and "มีอยู่แล้วใน" in result.errors[0].message


KKJ = (
    "village_code,capital,governance_level,assessed_on,accelerated,problem_amount,damaged_amount\n"
    "19010101,280000,3,2568-09-15,no,0,0\n"
    '19020101,"280,000",1,2025-09-15,yes,"45,000.50",12000\n'
)


def test_kkj_funds_import(users, villages):
    officer = users["provincial_officer"]
    first = run_import("kkj_funds", csv(KKJ), "kkj.csv", user=officer)
    assert first.ok, first.errors
    assert (first.created, first.updated, first.unchanged) == (2, 0, 0)
    fund = KkjFund.objects.get(village__code="19020101")
    assert fund.accelerated and fund.at_risk_amount == D("57000.50")
    assert fund.district_id == "1902"
    again = run_import("kkj_funds", csv(KKJ), "kkj.csv", user=officer)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    bad = run_import("kkj_funds", csv(KKJ.replace(",1,2025", ",4,2025")), "k.csv", user=officer)
    assert [(e.row, e.column) for e in bad.errors] == [(3, "governance_level")]
    assert "1, 2 หรือ 3" in bad.errors[0].message


BUDGET = (
    "province_code,fiscal_year,line,allocated,return_due_on\n"
    '19,2569,administration,"150,000",\n'
    "19,2569,revolving,1000000,2026-09-15\n"
    "19,2569,subsidy,500000,\n"
)
DISBURSE = (
    "province_code,fiscal_year,line,date,amount,project\n"
    "19,2569,revolving,2025-12-01,333333.33,โครงการส่งเสริมอาชีพกลุ่มสตรีตำบลหนองโน\n"
    "19,2569,administration,2025-11-15,15000,ค่าประชุมคณะอนุกรรมการ\n"
)


def test_budget_lines_and_disbursements_import(users):
    officer = users["provincial_officer"]
    lines = run_import("wdf_budget", csv(BUDGET), "b.csv", user=officer)
    assert (lines.created, lines.updated, lines.unchanged) == (3, 0, 0)
    spent = run_import("wdf_disbursements", csv(DISBURSE), "d.csv", user=officer)
    assert spent.ok and spent.created == 2
    assert run_import("wdf_disbursements", csv(DISBURSE), "d.csv", user=officer).unchanged == 2
    assert Disbursement.objects.count() == 2
    out = budget_lines(user=officer, province="19", fy=2569, as_of=date(2026, 1, 1))
    revolving = next(x for x in out["lines"] if x["line"] == "revolving")
    assert (revolving["disbursed"], revolving["pct"]) == (D("333333.33"), D("33.33"))
    assert out["total"]["allocated"] == D("1650000")
    # District staff may not change the province's budget.
    denied = run_import("wdf_budget", csv(BUDGET), "b.csv", user=users["district_staff"])
    assert denied.errors[0].column == "province_code"
    assert BudgetLine.objects.count() == 3


def test_import_data_command(users, loans, tmp_path, capsys):
    path = tmp_path / "payments.csv"
    path.write_bytes(csv(PAYMENTS))
    call_command("import_data", "wdf_payments", str(path), "--user", "staff1901")
    assert "created 2, updated 0, unchanged 0" in capsys.readouterr().out
    path.write_bytes(csv(PAYMENTS + "W-404,2025-01-05,1\n"))
    with pytest.raises(SystemExit) as exc:
        call_command("import_data", "wdf_payments", str(path), "--user", "staff1901")
    assert exc.value.code == 1
    assert "row 4, column contract_no:" in capsys.readouterr().out
