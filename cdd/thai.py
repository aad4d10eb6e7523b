"""Thai conventions: Buddhist Era years, Thai month names, fiscal years, Thai digits and baht.

Everything here is plain Python so views, forms, templates, imports and reports share one
definition. Years passed in are CE unless a function says otherwise; any year above 2400 typed
by a user is taken as BE (no CE year in this system's data comes close to 2400).
"""

import re
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone
from pythainlp.util import arabic_digit_to_thai_digit, thai_digit_to_arabic_digit

BE_OFFSET = 543
BE_THRESHOLD = 2400

THAI_MONTHS = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
"""Full Thai month names; index 0 is January."""

THAI_MONTHS_ABBR = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
"""Abbreviated Thai month names; index 0 is January."""

_CENT = Decimal("0.01")


def to_be_year(ce_year: int) -> int:
    """Return the Buddhist Era year for a CE year (2026 -> 2569)."""
    return int(ce_year) + BE_OFFSET


def to_ce_year(year: int) -> int:
    """Return the CE year: a year above 2400 is BE and loses 543, anything else is kept."""
    year = int(year)
    return year - BE_OFFSET if year > BE_THRESHOLD else year


def thai_digits(s) -> str:
    """Replace Arabic digits 0-9 with Thai digits ๐-๙, leaving everything else as is."""
    return arabic_digit_to_thai_digit(str(s))


def arabic_digits(s) -> str:
    """Replace Thai digits ๐-๙ with Arabic digits 0-9, leaving everything else as is."""
    return thai_digit_to_arabic_digit(str(s))


def to_local(value):
    """Convert an aware datetime to local time (Asia/Bangkok); anything else passes through."""
    if isinstance(value, datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def _digits(text: str, use_thai: bool) -> str:
    return thai_digits(text) if use_thai else text


def thai_date(d, long=False, thai_digits=False) -> str:
    """Format a date or datetime as ``21 พ.ย. 2569`` (or ``21 พฤศจิกายน 2569`` when long).

    Aware datetimes are converted to local time first, so the day is the day in Bangkok.
    None gives an empty string.
    """
    if d is None:
        return ""
    d = to_local(d)
    months = THAI_MONTHS if long else THAI_MONTHS_ABBR
    return _digits(f"{d.day} {months[d.month - 1]} {to_be_year(d.year)}", thai_digits)


def thai_datetime(dt, thai_digits=False) -> str:
    """Format a datetime as ``21 พ.ย. 2569 14:05 น.`` in local time; a plain date has no time."""
    if dt is None:
        return ""
    if not isinstance(dt, datetime):
        return thai_date(dt, thai_digits=thai_digits)
    dt = to_local(dt)
    return _digits(f"{thai_date(dt)} {dt:%H:%M} น.", thai_digits)


def thai_month(year: int, month: int, long=True) -> str:
    """Name a month of a CE year: ``พฤศจิกายน 2569`` (long) or ``พ.ย. 2569``."""
    months = THAI_MONTHS if long else THAI_MONTHS_ABBR
    return f"{months[int(month) - 1]} {to_be_year(year)}"


def fiscal_year(d) -> int:
    """Return the Thai government fiscal year (BE) containing a date.

    The fiscal year runs 1 October to 30 September and is named by the BE year it ends in,
    so 2025-10-01 .. 2026-09-30 is fiscal year 2569.
    """
    d = to_local(d)
    return to_be_year(d.year + 1 if d.month >= 10 else d.year)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """Return the first and last day of a BE fiscal year: 2569 -> (2025-10-01, 2026-09-30)."""
    end_ce = to_ce_year(fy_be)
    return date(end_ce - 1, 10, 1), date(end_ce, 9, 30)


def fiscal_half(d) -> int:
    """Return the half of the fiscal year: 1 for October-March, 2 for April-September."""
    month = to_local(d).month
    return 1 if month >= 10 or month <= 3 else 2


def _to_decimal(amount) -> Decimal:
    if isinstance(amount, Decimal):
        return amount
    if isinstance(amount, float):
        # str() gives the shortest repr, so 0.005 rounds as the user sees it, not as 0.00499...
        return Decimal(str(amount))
    if isinstance(amount, int):
        return Decimal(amount)
    text = arabic_digits(amount).strip().removesuffix("บาท").strip().replace(",", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"จำนวนเงินไม่ถูกต้อง: {amount}") from None


def money(value) -> Decimal:
    """A database sum as exact baht, 2 decimals (SQLite sums decimals as floats; None is 0)."""
    if value is None:
        return Decimal("0.00")
    if isinstance(value, float):
        value = repr(value)
    return Decimal(value).quantize(_CENT, rounding=ROUND_HALF_UP)


def percent(part, whole, *, places="0.01", when_empty=Decimal("0.00")) -> Decimal | None:
    """part / whole x 100, rounded half up to ``places``; ``when_empty`` when whole is 0."""
    if not whole:
        return when_empty
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


def json_number(value) -> float | None:
    """A figure as a JSON number (None stays null)."""
    return None if value is None else float(value)


def baht(amount, thai_digits=False) -> str:
    """Format money as ``1,234,567.89``: always two decimals, rounded half up.

    Accepts Decimal, int, float or a numeric string; None gives an empty string.
    """
    if amount is None:
        return ""
    value = _to_decimal(amount)
    if not value.is_finite():
        raise ValueError(f"จำนวนเงินไม่ถูกต้อง: {amount}")
    value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    if value == 0:
        value = abs(value)  # never show "-0.00"
    return _digits(f"{value:,.2f}", thai_digits)


def _normalise(text) -> str:
    return re.sub(r"\s+", " ", arabic_digits(text).strip())


def _month_from_name(name: str) -> int | None:
    """Match a full or abbreviated Thai month name, with or without the dots."""
    key = name.replace(".", "").replace(" ", "")
    for i, (full, abbr) in enumerate(zip(THAI_MONTHS, THAI_MONTHS_ABBR, strict=True), start=1):
        if key in (full, abbr.replace(".", "")):
            return i
    return None


# An optional era marker in front of the year, e.g. "21 พ.ย. พ.ศ. 2569".
_ERA = r"(?:(?:พ\.?\s?ศ|ค\.?\s?ศ)\.?\s*)?"
_DMY = re.compile(r"^(\d{1,2})\s*([/.-])\s*(\d{1,2})\s*\2\s*(\d{4})$")
_YMD = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_D_NAME_Y = re.compile(rf"^(\d{{1,2}})\s*([^\d\s].*?)\s*{_ERA}(\d{{4}})$")


def parse_thai_date(text) -> date:
    """Parse a date as Thai users type it and return it (CE).

    Accepts ``21/11/2569``, ``21/11/2026``, ``21-11-2569``, ``21.11.2569``, ``2569-11-21``,
    ``2026-11-21``, Thai digits, and ``21 พ.ย. 2569`` / ``21 พฤศจิกายน 2569``.
    Any year above 2400 is BE. Raises ValueError with a Thai message otherwise.
    """
    raw = "" if text is None else str(text)
    s = _normalise(raw)
    if not s:
        raise ValueError("กรุณากรอกวันที่")
    if m := _DMY.match(s):
        day, month, year = m.group(1), m.group(3), m.group(4)
    elif m := _YMD.match(s):
        year, month, day = m.groups()
    elif (m := _D_NAME_Y.match(s)) and (month := _month_from_name(m.group(2))):
        day, year = m.group(1), m.group(3)
    else:
        raise ValueError(f"วันที่ไม่ถูกต้อง: {raw}")
    try:
        return date(to_ce_year(int(year)), int(month), int(day))
    except ValueError:
        raise ValueError(f"วันที่ไม่ถูกต้อง: {raw}") from None


_YM = re.compile(r"^(\d{4})\s*[-/]\s*(\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})\s*[-/]\s*(\d{4})$")
_NAME_Y = re.compile(rf"^([^\d\s].*?)\s*{_ERA}(\d{{4}})$")


def parse_month(text) -> tuple[int, int]:
    """Parse a month and return ``(year_ce, month)``.

    Accepts ``2026-11``, ``2569-11``, ``11/2569``, ``11/2026`` and ``พ.ย. 2569`` /
    ``พฤศจิกายน 2569``; a year above 2400 is BE. Raises ValueError with a Thai message.
    """
    raw = "" if text is None else str(text)
    s = _normalise(raw)
    month = None
    if m := _YM.match(s):
        year, month = int(m.group(1)), int(m.group(2))
    elif m := _MY.match(s):
        month, year = int(m.group(1)), int(m.group(2))
    elif m := _NAME_Y.match(s):
        month, year = _month_from_name(m.group(1)), int(m.group(2))
    if not month or not 1 <= month <= 12:
        raise ValueError(f"เดือนไม่ถูกต้อง: {raw}")
    return to_ce_year(year), month


_BAHT = re.compile(r"^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.(\d+))?$")


def parse_baht(text) -> Decimal:
    """Parse an amount of money as typed: ``1,234,567.89``, ``1234.5``, Thai digits, ``500 บาท``.

    Commas must group thousands properly and at most two decimals are allowed (satang).
    Raises ValueError with a Thai message otherwise.
    """
    raw = "" if text is None else str(text)
    s = _normalise(raw)
    s = s.removesuffix("บาท").strip()
    if not s:
        raise ValueError("กรุณากรอกจำนวนเงิน")
    m = _BAHT.match(s)
    if not m:
        raise ValueError(f"จำนวนเงินไม่ถูกต้อง: {raw}")
    if m.group(1) and len(m.group(1)) > 2:
        raise ValueError(f"จำนวนเงินมีทศนิยมได้ไม่เกิน 2 ตำแหน่ง: {raw}")
    return Decimal(s.replace(",", ""))
