"""Cell parsers for import columns. Each returns a Python value or raises CellError (Thai)."""

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


def choice(choices_cls):
    values = {c.value: c.value for c in choices_cls}

    def parse(raw):
        value = _text(raw).lower()
        if value in values:
            return value
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
