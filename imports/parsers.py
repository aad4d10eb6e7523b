"""Cell parsers for import columns. Each returns a Python value or raises CellError (Thai)."""

import datetime
import functools
import re

from django.utils import timezone
from django.utils.translation import gettext as _

from .engine import CellError


def _text(raw) -> str:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    return str(raw).strip()


def digits(n: int):
    def parse(raw):
        value = _text(raw)
        if len(value) != n or not value.isdigit():
            raise CellError(
                _("Must be a %(n)s-digit code; got %(value)s.") % {"n": n, "value": value[:40]}
            )
        return value

    return parse


def choice(choices_cls, aliases=None):
    """One of the codes of ``choices_cls``; its labels (Thai or English) and ``aliases``
    ({other spelling: code}, e.g. common Thai names) are accepted too."""
    values = {c.value: c.value for c in choices_cls}
    extra = {k.lower(): v for k, v in (aliases or {}).items()}

    def parse(raw):
        value = _text(raw).lower()
        if value in values:
            return value
        if value in extra:
            return extra[value]
        for c in choices_cls:  # Thai labels are accepted too
            if value == str(c.label).lower():
                return c.value
        raise CellError(
            _("Must be one of %(allowed)s; got %(value)s.")
            % {"allowed": ", ".join(values), "value": value[:40]}
        )

    return parse


def text(max_length: int):
    def parse(raw):
        value = _text(raw)
        if len(value) > max_length:
            raise CellError(_("Longer than %(n)s characters.") % {"n": max_length})
        if value.startswith(("+", "-", "\t", "\r")) and not value[1:2].isdigit():
            raise CellError(
                _("Text may not start with %(c)r (spreadsheet formula).") % {"c": value[0]}
            )
        return value

    return parse


def integer(min_value=None, max_value=None):
    def parse(raw):
        value = _text(raw).replace(",", "")
        try:
            number = int(value)
        except ValueError:
            raise CellError(
                _("Must be a whole number; got %(value)s.") % {"value": value[:40]}
            ) from None
        if min_value is not None and number < min_value:
            raise CellError(
                _("Must be at least %(min)s; got %(value)s.") % {"min": min_value, "value": number}
            )
        if max_value is not None and number > max_value:
            raise CellError(
                _("Must be at most %(max)s; got %(value)s.") % {"max": max_value, "value": number}
            )
        return number

    return parse


def baht(min_value=0):
    from cdd.thai import parse_baht

    def parse(raw):
        if isinstance(raw, int | float):
            raw = f"{raw:.2f}" if isinstance(raw, float) else str(raw)
        try:
            amount = parse_baht(_text(raw))
        except ValueError as exc:
            raise CellError(str(exc)) from None
        if min_value is not None and amount < min_value:
            raise CellError(_("The amount cannot be negative; got %(value)s.") % {"value": amount})
        return amount

    return parse


def a_date(raw):
    """ISO YYYY-MM-DD (a year above 2400 is B.E.), Thai forms, or an Excel date cell."""
    import datetime

    from cdd.thai import parse_thai_date

    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    try:
        return parse_thai_date(_text(raw))
    except ValueError as exc:
        raise CellError(str(exc)) from None


def be_year(raw):
    """A Buddhist Era year; a CE year typed by mistake is refused, not converted."""
    value = integer()(raw)
    if 1900 <= value <= 2200:
        raise CellError(
            _("%(value)s looks like a C.E. year; type the B.E. year (%(be)s).")
            % {"value": value, "be": value + 543}
        )
    if not 2500 <= value <= 2700:
        raise CellError(_("%(value)s is not a B.E. year.") % {"value": value})
    return value


def choice_list(choices_cls):
    one = choice(choices_cls)

    def parse(raw):
        parts = [p.strip() for p in _text(raw).replace(";", ",").split(",") if p.strip()]
        return sorted({one(p) for p in parts})

    return parse


def yes_no(raw):
    value = _text(raw).lower()
    if value in ("yes", "y", "true", "1", "ใช่", "มี"):
        return True
    if value in ("no", "n", "false", "0", "ไม่", "ไม่ใช่", "ไม่มี"):
        return False
    raise CellError(_("Must be yes or no; got %(value)s.") % {"value": value[:40]})


# The first year monthly figures in this system can belong to: the OTOP programme (and the
# village funds' monthly follow-up) began in 2001 (B.E. 2544).
FIRST_MONTH_YEAR = 2001
_MONTH_NUMERIC = re.compile(r"^(\d+)\s*[-/.]\s*(\d+)(?:\s*[-/.]\s*(\d+))?$")
_MONTH_NAMED = re.compile(r"^(\D+?)\s*(?:(?:พ|ค)\.?\s?ศ\.?\s*)?(\d+)$")


def month_year(year: int, raw, earliest: int = FIRST_MONTH_YEAR, latest: int | None = None) -> int:
    """The C.E. year of a typed year: above 2400 is B.E.; C.E. years run from ``earliest`` to
    ``latest`` (next year when not given). Anything else (two digits, 2300, 1800, 1990) has no
    clear reading."""
    from cdd.thai import BE_OFFSET, BE_THRESHOLD

    if latest is None:
        latest = timezone.localdate().year + 1
    ce = year - BE_OFFSET if year > BE_THRESHOLD else year
    if not earliest <= ce <= latest:
        raise CellError(
            _(
                "The year in %(value)s could not be read as B.E. (%(be_first)s-%(be_last)s) "
                "or C.E. (%(ce_first)s-%(ce_last)s)."
            )
            % {
                "value": str(raw)[:40],
                "be_first": earliest + BE_OFFSET,
                "be_last": latest + BE_OFFSET,
                "ce_first": earliest,
                "ce_last": latest,
            }
        )
    return ce


def a_month(raw):
    """A month as its first day: ``YYYY-MM`` (a year above 2400 is B.E.), ``MM/YYYY``,
    ``YYYY-MM-DD``, a Thai month name and year (``ต.ค. 2569``), Thai digits, or an Excel date
    cell. The year must be written in full and read clearly as B.E. or C.E. (``month_year``)."""
    latest = timezone.localdate().year + 1
    if isinstance(raw, datetime.datetime | datetime.date):
        return datetime.date(month_year(raw.year, raw, latest=latest), raw.month, 1)
    return _month_text(_text(raw), latest)


@functools.lru_cache(maxsize=4096)
def _month_text(text: str, latest: int) -> datetime.date:
    """a_month of a text; a file repeats a few months many times, so readings are cached."""
    from cdd.thai import THAI_MONTHS, THAI_MONTHS_ABBR, arabic_digits

    value = re.sub(r"\s+", " ", arabic_digits(text))
    month = None
    if m := _MONTH_NUMERIC.match(value):
        first, second, third = m.groups()
        if third is not None:  # a whole date: YYYY-MM-DD or DD/MM/YYYY
            first, second = (first, second) if len(first) >= 3 else (third, second)
        if len(first) >= 3:
            year_text, month = first, int(second)
        elif len(second) >= 3:
            year_text, month = second, int(first)
        else:
            year_text, month = (second, int(first)) if int(first) <= 12 else (first, int(second))
    elif m := _MONTH_NAMED.match(value):
        key = m.group(1).replace(".", "").replace(" ", "")
        names = [
            (full, abbr.replace(".", ""))
            for full, abbr in zip(THAI_MONTHS, THAI_MONTHS_ABBR, strict=True)
        ]
        month = next((i for i, pair in enumerate(names, start=1) if key in pair), None)
        year_text = m.group(2)
    if month is None or not 1 <= month <= 12:
        raise CellError(_("Must be a month, YYYY-MM; got %(value)s.") % {"value": value[:40]})
    if len(year_text) != 4:
        raise CellError(_two_digit_year(value))
    return datetime.date(month_year(int(year_text), value, latest=latest), month, 1)


def _two_digit_year(value) -> str:
    return _(
        "The year in %(value)s could not be read as B.E. or C.E.: write all four digits "
        "(for example 2569-10 or 2026-10)."
    ) % {"value": value[:40]}
