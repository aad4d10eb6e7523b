"""WDF figures against hand-computed cases (CONTRACT.md `wdf_loans` definitions)."""

from datetime import date
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from audit.models import AuditEntry
from funds.models import Instalment, ReliefRound, WdfPayment
from funds.schedule import add_months, equal_parts
from funds.selectors import follow_up_list, loan_figures, wdf_debt
from funds.services import relief_apply, restructure
from reports.models import ReportedMonth

from .conftest import make_loan, pay

pytestmark = pytest.mark.django_db


def district_row(fig, code="1901"):
    return next(r for r in fig["rows"] if r["code"] == code)


def test_equal_parts_put_rounding_in_the_last_part():
    parts = equal_parts(D("20000"), 3, date(2025, 1, 31), 1)
    assert [p[2] for p in parts] == [D("6666.67"), D("6666.67"), D("6666.66")]
    assert [p[1] for p in parts] == [date(2025, 1, 31), date(2025, 2, 28), date(2025, 3, 31)]
    assert sum(p[2] for p in parts) == D("20000")
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)


def test_payment_on_the_due_date_is_not_overdue(officer):
    loan = make_loan(officer, "A-1", "12000", "2024-01-10", 3, "2024-07-10", interval=6)
    assert [(p.due_on, p.amount) for p in loan.parts.order_by("number")] == [
        (date(2024, 7, 10), D("4000.00")),
        (date(2025, 1, 10), D("4000.00")),
        (date(2025, 7, 10), D("4000.00")),
    ]
    # On the due date nothing is overdue yet, paid or not.
    assert loan_figures(loan, date(2024, 7, 10))["overdue_now"] == D("0")
    assert loan_figures(loan, date(2024, 7, 11))["overdue_now"] == D("4000")
    pay(officer, loan, "2024-07-10", "4000")
    on_due = loan_figures(loan, date(2024, 7, 10))
    assert on_due["receivables"] == D("8000") and on_due["overdue_now"] == 0
    assert loan_figures(loan, date(2024, 7, 11))["overdue_now"] == 0
    # The day before, the payment had not been made.
    assert loan_figures(loan, date(2024, 7, 9))["receivables"] == D("12000")


def test_partial_payment_settles_the_oldest_part_first(officer):
    loan = make_loan(officer, "A-2", "9000", "2023-01-01", 3, "2023-06-01", interval=6)
    pay(officer, loan, "2024-07-01", "4500")  # the whole first part and half the second
    fig = loan_figures(loan, date(2024, 8, 1))
    # Parts due 2023-06-01 and 2023-12-01 are due before D; third due 2024-06-01 too.
    assert fig["receivables"] == D("4500")
    assert fig["overdue_now"] == D("4500")
    # Unpaid: half of part 2 (due 2023-12-01, 244 days late) and part 3 (61 days late).
    assert fig["ageing"] == {
        "1_30": 0,
        "31_90": D("3000"),
        "91_180": 0,
        "181_365": D("1500"),
        "over_365": 0,
    }


@pytest.fixture
def four_loans(officer):
    """The district's four contracts of the hand-computed case (figures as of 2025-03-01)."""
    a = make_loan(officer, "A", "12000", "2024-01-10", 3, "2024-07-10", interval=6)
    pay(officer, a, "2024-07-10", "4000")
    # B: both parts overdue on 1 October 2024, restructured on 1 November 2024.
    b = make_loan(officer, "B", "10000", "2023-01-01", 2, "2024-01-15", interval=6)
    restructure(
        user=officer,
        loan=b,
        effective_on=date(2024, 11, 1),
        instalments=4,
        first_due_date=date(2025, 2, 1),
        interval_months=3,
    )
    # C: one part due 2025-02-01, paid in two payments; fully repaid on 2025-03-15.
    c = make_loan(officer, "C", "5000", "2024-02-01", 1, "2025-02-01")
    pay(officer, c, "2024-12-01", "2000")
    pay(officer, c, "2025-03-15", "3000")
    # D: 2,000 overdue before a 12-month relief round from 1 January 2025.
    d = make_loan(officer, "D", "9000", "2023-06-01", 3, "2024-06-01")
    pay(officer, d, "2024-05-01", "1000")
    round_ = ReliefRound.objects.create(
        province_id="19",
        number="1/2568",
        title="พักชำระหนี้ผู้ประสบอุทกภัย",
        announced_on=date(2024, 12, 20),
        effective_on=date(2025, 1, 1),
        pause_months=12,
    )
    assert relief_apply(user=officer, relief_round=round_, loans=[d]) == 1
    return {"a": a, "b": b, "c": c, "d": d, "round": round_}


def test_district_figures_by_hand(officer, four_loans):
    fig = wdf_debt(user=officer, as_of=date(2025, 3, 1), level="province", code="19")
    row = district_row(fig)
    assert fig["baseline_on"] == date(2024, 10, 1)
    assert row["contracts"] == 4
    assert row["receivables"] == D("29000")  # 8,000 + 10,000 + 3,000 + 8,000
    assert row["overdue_now"] == D("9500")  # 4,000 + 2,500 + 3,000 + 0
    assert row["ageing"]["1_30"] == D("5500")  # B and C, 28 days late
    assert row["ageing"]["31_90"] == D("4000")  # A, 50 days late
    assert row["overdue_baseline"] == D("12000")  # B 10,000 + D 2,000 on 1 October 2024
    assert row["managed"] == D("2500")
    assert row["reduction_pct"] == D("20.83")
    assert row["overdue_ratio_pct"] == D("32.76")
    assert row["par30_balance"] == D("8000") and row["par30_pct"] == D("27.59")
    assert row["to_collect_for_target"] == 0  # 9,500 is already under 90% of 12,000
    # The total row adds the districts; other districts are listed with zeros.
    assert fig["total"]["overdue_now"] == D("9500")
    assert district_row(fig, "1902")["contracts"] == 0
    assert [r["code"] for r in fig["rows"]] == sorted(r["code"] for r in fig["rows"])


def test_restructure_after_1_october_keeps_the_baseline(officer, four_loans):
    b = four_loans["b"]
    before = loan_figures(b, date(2024, 10, 31))
    assert before["overdue_now"] == D("10000")
    after = loan_figures(b, date(2025, 3, 1))
    assert after["overdue_baseline"] == D("10000")
    assert after["overdue_now"] == D("2500")
    assert after["managed"] == D("7500") and after["reduction_pct"] == D("75.00")
    # The original schedule stays, valid until the restructure.
    old = Instalment.objects.filter(loan=b, revision__kind="original")
    assert old.count() == 2 and all(p.valid_to == date(2024, 11, 1) for p in old)
    assert list(
        Instalment.objects.filter(loan=b, valid_to__isnull=True).values_list("due_on", "amount")
    ) == [
        (date(2025, 2, 1), D("2500.00")),
        (date(2025, 5, 1), D("2500.00")),
        (date(2025, 8, 1), D("2500.00")),
        (date(2025, 11, 1), D("2500.00")),
    ]


def test_relief_round_pauses_unpaid_parts(officer, four_loans):
    d = four_loans["d"]
    assert loan_figures(d, date(2024, 12, 31))["overdue_now"] == D("2000")
    assert list(
        Instalment.objects.filter(loan=d, valid_to__isnull=True).values_list("due_on", "amount")
    ) == [
        (date(2026, 1, 1), D("2000.00")),
        (date(2026, 6, 1), D("3000.00")),
        (date(2027, 6, 1), D("3000.00")),
    ]
    assert loan_figures(d, date(2025, 3, 1))["overdue_now"] == 0
    later = loan_figures(d, date(2026, 2, 1))
    assert later["overdue_now"] == D("2000") and later["ageing"]["31_90"] == D("2000")
    assert later["par30_pct"] == D("100.00")
    # Applying the same round again changes nothing.
    assert relief_apply(user=officer, relief_round=four_loans["round"], loans=[d]) == 0


def test_fully_repaid_loan(officer, four_loans):
    c = four_loans["c"]
    assert loan_figures(c, date(2025, 3, 1))["overdue_now"] == D("3000")
    done = loan_figures(c, date(2025, 4, 1))
    assert done["receivables"] == 0 and done["overdue_now"] == 0 and done["open_contracts"] == 0
    with pytest.raises(ValidationError) as exc:
        pay(officer, c, "2025-04-02", "1")
    assert "มากกว่า" in str(exc.value) and "C" in str(exc.value)


def test_follow_up_list_sorted_by_amount_then_age(officer, four_loans):
    out = follow_up_list(user=officer, as_of=date(2025, 3, 1))
    rows = [(r["loan"].contract_no, r["overdue"], r["days_late"]) for r in out["rows"]]
    assert rows == [("A", D("4000"), 50), ("C", D("3000"), 28), ("B", D("2500"), 28)]
    assert out["rows"][-1]["running"] == D("9500")


def test_kpi_example_from_the_issue(officer):
    loan = make_loan(officer, "K-1", "1000000", "2024-01-01", 1, "2024-09-01")
    pay(officer, loan, "2024-11-01", "50000")
    fig = wdf_debt(user=officer, as_of=date(2024, 12, 1), level="district", code="1901")["total"]
    assert fig["overdue_baseline"] == D("1000000")
    assert fig["overdue_now"] == D("950000")
    assert fig["managed"] == D("50000")
    assert fig["reduction_pct"] == D("5.00")
    assert fig["to_collect_for_target"] == D("50000")
    assert not fig["meets_reduction_target"]
    out = follow_up_list(user=officer, as_of=date(2024, 12, 1))
    # Collecting this one borrower's 950,000 would more than reach the target.
    assert out["rows"][0]["reaches_target"] is True
    assert out["rows"][0]["overdue"] >= fig["to_collect_for_target"]


def test_growth_floors_reduction_at_zero(officer):
    loan = make_loan(officer, "G-1", "10000", "2024-01-01", 2, "2024-09-01", interval=3)
    fig = loan_figures(loan, date(2025, 1, 15))
    assert fig["overdue_baseline"] == D("5000") and fig["overdue_now"] == D("10000")
    assert fig["managed"] == D("-5000") and fig["reduction_pct"] == 0


def test_other_users_see_only_their_area(users, officer):
    make_loan(officer, "N-1", "1000", "2024-01-01", 1, "2024-02-01", district="1902")
    make_loan(officer, "H-1", "2000", "2024-01-01", 1, "2024-02-01", district="1901")
    staff = users["district_staff"]
    fig = wdf_debt(user=staff, as_of=date(2025, 1, 1))
    assert [r["code"] for r in fig["rows"]] == ["1901"]
    assert fig["total"]["receivables"] == D("2000")
    assert len(follow_up_list(user=staff, as_of=date(2025, 1, 1))["rows"]) == 1


def test_payment_in_a_reported_month_is_flagged_in_history(officer):
    loan = make_loan(officer, "R-1", "1000", "2024-01-01", 1, "2024-12-01")
    ReportedMonth.objects.create(province_id="19", month=date(2025, 1, 1))
    late = pay(officer, loan, "2025-01-20", "100")
    normal = pay(officer, loan, "2025-02-03", "100")
    assert late.in_reported_month and not normal.in_reported_month
    entry = AuditEntry.objects.get(
        object_pk=str(late.pk), action="create", content_type__model="wdfpayment"
    )
    assert entry.after["in_reported_month"] is True and entry.actor == officer


def test_bad_payments_write_nothing(officer):
    loan = make_loan(officer, "E-1", "1000", "2024-01-01", 1, "2024-12-01")
    with pytest.raises(ValidationError) as exc:
        from funds.services import payments_add

        payments_add(
            user=officer,
            entries=[
                (loan, date(2025, 1, 1), D("600"), ""),
                (loan, date(2025, 1, 2), D("600"), ""),  # only 400 remains after row 1
                (loan, date(2023, 12, 1), D("10"), ""),  # before the contract
            ],
        )
    messages = exc.value.messages
    assert any(m.startswith("แถว 2") for m in messages)
    assert any(m.startswith("แถว 3") for m in messages)
    assert WdfPayment.objects.count() == 0
