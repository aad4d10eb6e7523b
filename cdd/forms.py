"""Form fields that take dates and money the way Thai users type them, and helpers every app's
forms share."""

from datetime import date, datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from cdd import thai


class ThaiDateInput(forms.TextInput):
    """A text box showing dates as ``21/11/2569`` (day/month/BE year)."""

    def __init__(self, attrs=None):
        super().__init__(
            {"placeholder": "วว/ดด/ปปปป (พ.ศ.)", "autocomplete": "off", **(attrs or {})}
        )

    def format_value(self, value):
        if isinstance(value, date):
            value = thai.to_local(value)
            return f"{value.day:02d}/{value.month:02d}/{thai.to_be_year(value.year)}"
        # Anything else is what the user typed; give it back unchanged so they can correct it.
        return super().format_value(value)


class ThaiDateField(forms.DateField):
    """A date typed as ``21/11/2569``, ``2026-11-21``, ``21 พ.ย. 2569``...; cleans to a CE date."""

    widget = ThaiDateInput
    default_error_messages = {"invalid": "กรุณากรอกวันที่ให้ถูกต้อง เช่น 21/11/2569"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return thai.to_local(value).date()
        if isinstance(value, date):
            return value
        try:
            return thai.parse_thai_date(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


class BahtInput(forms.TextInput):
    """A text box (not type=number, which refuses ``1,234.50``) showing amounts as ``1,234.50``."""

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, int | float | Decimal):
            return thai.baht(value)
        return super().format_value(value)


class BahtField(forms.DecimalField):
    """An amount in baht: accepts ``1,234,567.89``, Thai digits and a trailing ``บาท``."""

    widget = BahtInput
    default_error_messages = {
        "invalid": "กรุณากรอกจำนวนเงินให้ถูกต้อง (ทศนิยมไม่เกิน 2 ตำแหน่ง) เช่น 1,234.50",
    }

    def __init__(self, *, max_digits=14, decimal_places=2, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return thai.parse_baht(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: on its field when the form has it."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)


def district_label(d) -> str:
    """A district in a select: ``1901 เมืองสระบุรี``."""
    return f"{d.code} {d.name_th}"
