"""Repayment schedule arithmetic, without the database (CONTRACT.md, `wdf_loans`)."""

import calendar
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def add_months(d: date, months: int) -> date:
    """The same day ``months`` later; the 31st becomes the month's last day when needed."""
    index = d.year * 12 + d.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(d.day, calendar.monthrange(year, month)[1]))


def equal_parts(amount: Decimal, count: int, first_due: date, interval_months: int):
    """``count`` equal parts of ``amount`` (rounded to satang), one every ``interval_months``
    from ``first_due``; the rounding difference goes into the last part.

    Returns [(number, due date, amount)].
    """
    amount = Decimal(amount).quantize(CENT)
    part = (amount / count).quantize(CENT, rounding=ROUND_HALF_UP)
    parts = []
    for i in range(count):
        value = part if i < count - 1 else amount - part * (count - 1)
        parts.append((i + 1, add_months(first_due, i * interval_months), value))
    return parts


def unpaid_portions(parts, paid: Decimal):
    """What remains of each part after ``paid`` settles the oldest first.

    ``parts`` is [(due date, amount)] in due order. Returns [(due date, unpaid)] for the parts
    not fully paid.
    """
    left = Decimal(paid)
    out = []
    for due, amount in parts:
        settled = min(amount, max(left, Decimal(0)))
        left -= settled
        if amount - settled > 0:
            out.append((due, amount - settled))
    return out


def paused(portions, effective_on: date, months: int):
    """A relief round's schedule: each unpaid portion falls due ``months`` after the later of
    its due date and ``effective_on``. Portions that land on the same date are merged.

    Returns [(number, due date, amount)].
    """
    merged: dict[date, Decimal] = {}
    for due, amount in portions:
        new_due = add_months(max(due, effective_on), months)
        merged[new_due] = merged.get(new_due, Decimal(0)) + amount
    return [(i + 1, due, merged[due]) for i, due in enumerate(sorted(merged))]
