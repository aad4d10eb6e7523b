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
