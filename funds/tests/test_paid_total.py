"""The per-contract total paid is kept by database triggers, whichever way payments are
written (service, bulk insert, update, delete, import), and the figures read it."""

from datetime import date
from decimal import Decimal as D

from django.db import transaction

from funds.models import LoanPaidTotal, WdfPayment
from funds.selectors import loan_figures
from funds.services import payment_delete
from imports.engine import run_import

from .conftest import make_loan, pay


def total(loan):
    row = LoanPaidTotal.objects.filter(loan=loan).first()
    return row.paid if row else D("0")


def test_total_follows_every_kind_of_write(officer):
    loan = make_loan(officer, "T-1", "10000", "2024-01-10", 2, "2024-07-10")
    other = make_loan(officer, "T-2", "6000", "2024-01-10", 1, "2025-01-10")
    assert total(loan) == 0
    first = pay(officer, loan, "2024-07-01", "1500.25")
    assert total(loan) == D("1500.25")
    WdfPayment.objects.bulk_create(
        [
            WdfPayment(loan=loan, paid_on=date(2024, 8, 1), amount=D("100.10")),
            WdfPayment(loan=other, paid_on=date(2024, 8, 1), amount=D("200")),
            WdfPayment(loan=loan, paid_on=date(2024, 9, 1), amount=D("50")),
        ]
    )
    assert (total(loan), total(other)) == (D("1650.35"), D("200"))
    WdfPayment.objects.filter(pk=first.pk).update(amount=D("1000"))
    assert total(loan) == D("1150.10")
    WdfPayment.objects.filter(loan=other).update(loan=loan)  # moved to the other contract
    assert (total(loan), total(other)) == (D("1350.10"), D("0"))
    payment_delete(user=officer, payment=WdfPayment.objects.get(pk=first.pk))
    assert total(loan) == D("350.10")
    assert total(loan) == sum(p.amount for p in loan.payments.all())


def test_a_rejected_import_leaves_totals_alone_and_a_good_one_adds(officer):
    loan = make_loan(officer, "T-3", "10000", "2024-01-10", 2, "2024-07-10")
    bad = "contract_no,paid_on,amount\nT-3,2024-07-10,4000\nT-3,2024-08-10,999999\n"
    assert not run_import("wdf_payments", bad.encode(), "p.csv", user=officer).ok
    assert total(loan) == 0
    good = "contract_no,paid_on,amount\nT-3,2024-07-10,4000\nT-3,2024-08-10,500.50\n"
    assert run_import("wdf_payments", good.encode(), "p.csv", user=officer).ok
    assert total(loan) == D("4500.50")
    # Figures as of a date before the last payment subtract what came after it.
    assert loan_figures(loan, date(2024, 7, 31))["receivables"] == D("6000")
    assert loan_figures(loan, date(2024, 8, 10))["receivables"] == D("5499.50")


def test_a_rolled_back_payment_is_not_counted(officer):
    loan = make_loan(officer, "T-4", "10000", "2024-01-10", 2, "2024-07-10")
    try:
        with transaction.atomic():
            pay(officer, loan, "2024-07-10", "4000")
            raise RuntimeError("the request failed")
    except RuntimeError:
        pass
    assert total(loan) == 0
    assert loan_figures(loan, date(2024, 8, 1))["receivables"] == D("10000")
