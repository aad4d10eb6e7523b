"""Template filters for Thai dates, fiscal years, digits and baht.

Configured as a template builtin, so templates use them without ``{% load thai %}``.
Like Django's own filters they never raise: empty values render as "" and values of the
wrong type are passed through unchanged.
"""

from datetime import date

from django import template

from cdd import thai

register = template.Library()


def _is_date(value) -> bool:
    return isinstance(value, date)  # datetime is a date subclass


def _fallback(value):
    return "" if value in (None, "") else value


@register.filter
def thai_date(value):
    """``21 พ.ย. 2569``"""
    return thai.thai_date(value) if _is_date(value) else _fallback(value)


@register.filter
def thai_date_long(value):
    """``21 พฤศจิกายน 2569``"""
    return thai.thai_date(value, long=True) if _is_date(value) else _fallback(value)


@register.filter
def thai_datetime(value):
    """``21 พ.ย. 2569 14:05 น.`` in Bangkok time."""
    return thai.thai_datetime(value) if _is_date(value) else _fallback(value)


@register.filter
def thai_month(value, arg="long"):
    """The month of a date: ``พฤศจิกายน 2569``; ``|thai_month:"short"`` gives ``พ.ย. 2569``."""
    if not _is_date(value):
        return _fallback(value)
    value = thai.to_local(value)
    return thai.thai_month(value.year, value.month, long=arg != "short")


@register.filter
def fiscal_year(value):
    """The BE fiscal year of a date, e.g. ``2569``."""
    # A string, so USE_THOUSAND_SEPARATOR can never render it as "2,569".
    return str(thai.fiscal_year(value)) if _is_date(value) else _fallback(value)


@register.filter
def be_year(value):
    """The BE year of a date or a year number; a year already above 2400 is kept as BE."""
    if _is_date(value):
        return str(thai.to_be_year(thai.to_local(value).year))
    try:
        return str(thai.to_be_year(thai.to_ce_year(int(value))))
    except (TypeError, ValueError):
        return _fallback(value)


@register.filter
def baht(value):
    """``1,234,567.89`` with two decimals, rounded half up."""
    try:
        return thai.baht(value)
    except (TypeError, ValueError):
        return _fallback(value)


@register.filter(is_safe=True)
def thai_digits(value):
    """Arabic digits to Thai digits: ``2569`` -> ``๒๕๖๙``."""
    return thai.thai_digits(value) if value is not None else ""
