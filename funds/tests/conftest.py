from datetime import date
from decimal import Decimal

from funds.models import WdfLoan
from funds.services import loan_save, payments_add
from villages.models import District


def make_loan(
    user,
    contract_no,
    principal,
    contract_date,
    instalments,
    first_due,
    interval=12,
    district="1901",
    borrower="นางสมศรี ใจงาม",
):
    loan = WdfLoan(
        contract_no=contract_no,
        borrower_name=borrower,
        principal=Decimal(principal),
        contract_date=date.fromisoformat(contract_date),
        instalments=instalments,
        first_due_date=date.fromisoformat(first_due),
        interval_months=interval,
    )
    return loan_save(user=user, loan=loan, district=District.objects.get(pk=district))


def pay(user, loan, paid_on, amount):
    return payments_add(
        user=user, entries=[(loan, date.fromisoformat(paid_on), Decimal(amount), "")]
    )[0]
