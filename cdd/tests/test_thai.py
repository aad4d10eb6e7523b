"""Thai conventions as users see them: dates, fiscal years, digits, baht, filters, form fields."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.template import Context, Template

from cdd import thai
from cdd.forms import BahtField, ThaiDateField


def test_month_names():
    assert len(thai.THAI_MONTHS) == len(thai.THAI_MONTHS_ABBR) == 12
    assert thai.THAI_MONTHS[0] == "มกราคม"
    assert thai.THAI_MONTHS[10] == "พฤศจิกายน"
    assert thai.THAI_MONTHS_ABBR[10] == "พ.ย."
    assert thai.THAI_MONTHS_ABBR[11] == "ธ.ค."


def test_be_and_ce_years():
    assert thai.to_be_year(2026) == 2569
    assert thai.to_ce_year(2569) == 2026
    assert thai.to_ce_year(2026) == 2026
    assert thai.to_ce_year(2400) == 2400


def test_thai_date_short_and_long():
    assert thai.thai_date(date(2026, 11, 21)) == "21 พ.ย. 2569"
    assert thai.thai_date(date(2026, 11, 21), long=True) == "21 พฤศจิกายน 2569"
    assert thai.thai_date(date(2026, 1, 1)) == "1 ม.ค. 2569"
    assert thai.thai_date(date(2026, 11, 21), thai_digits=True) == "๒๑ พ.ย. ๒๕๖๙"
    assert thai.thai_date(None) == ""


def test_thai_date_of_aware_datetime_uses_bangkok_day():
    # 18:30 UTC on the 20th is 01:30 on the 21st in Bangkok.
    at = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    assert thai.thai_date(at) == "21 พ.ย. 2569"
    assert thai.thai_datetime(at) == "21 พ.ย. 2569 01:30 น."


def test_thai_datetime():
    assert thai.thai_datetime(datetime(2026, 11, 21, 14, 5)) == "21 พ.ย. 2569 14:05 น."
    assert thai.thai_datetime(datetime(2026, 11, 21, 7, 5, tzinfo=UTC)) == "21 พ.ย. 2569 14:05 น."
    assert thai.thai_datetime(None) == ""


def test_thai_month():
    assert thai.thai_month(2026, 11) == "พฤศจิกายน 2569"
    assert thai.thai_month(2026, 11, long=False) == "พ.ย. 2569"


@pytest.mark.parametrize(
    ("day", "fy"),
    [
        (date(2025, 9, 30), 2568),
        (date(2025, 10, 1), 2569),
        (date(2026, 9, 30), 2569),
        (date(2026, 10, 1), 2570),
        (date(2026, 1, 15), 2569),
    ],
)
def test_fiscal_year_boundaries(day, fy):
    assert thai.fiscal_year(day) == fy


def test_fiscal_year_of_aware_datetime_uses_bangkok_day():
    # Still 30 September in UTC, already 1 October (the new fiscal year) in Bangkok.
    assert thai.fiscal_year(datetime(2025, 9, 30, 18, 0, tzinfo=UTC)) == 2569


def test_fiscal_year_bounds_and_half():
    assert thai.fiscal_year_bounds(2569) == (date(2025, 10, 1), date(2026, 9, 30))
    assert thai.fiscal_year_bounds(2568) == (date(2024, 10, 1), date(2025, 9, 30))
    assert thai.fiscal_half(date(2025, 10, 1)) == 1
    assert thai.fiscal_half(date(2026, 3, 31)) == 1
    assert thai.fiscal_half(date(2026, 4, 1)) == 2
    assert thai.fiscal_half(date(2026, 9, 30)) == 2


def test_thai_and_arabic_digits():
    assert thai.thai_digits("0123456789") == "๐๑๒๓๔๕๖๗๘๙"
    assert thai.thai_digits(2569) == "๒๕๖๙"
    assert thai.thai_digits("บ้านเลขที่ 12/3") == "บ้านเลขที่ ๑๒/๓"
    assert thai.arabic_digits("๐๑๒๓๔๕๖๗๘๙") == "0123456789"
    assert thai.arabic_digits("หมู่ ๕") == "หมู่ 5"


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("1234567.89"), "1,234,567.89"),
        (1000, "1,000.00"),
        (0, "0.00"),
        (1234.5, "1,234.50"),
        ("1234.5", "1,234.50"),
        (Decimal("0.005"), "0.01"),
        (0.005, "0.01"),
        (Decimal("2.675"), "2.68"),
        (Decimal("-1234.5"), "-1,234.50"),
        (Decimal("-0.005"), "-0.01"),
        (Decimal("-0.001"), "0.00"),
    ],
)
def test_baht(amount, text):
    assert thai.baht(amount) == text


def test_baht_thai_digits_and_none():
    assert thai.baht(Decimal("1234.5"), thai_digits=True) == "๑,๒๓๔.๕๐"
    assert thai.baht(None) == ""
    with pytest.raises(ValueError, match="จำนวนเงินไม่ถูกต้อง"):
        thai.baht("abc")


@pytest.mark.parametrize(
    "text",
    [
        "21/11/2569",
        "21/11/2026",
        "2569-11-21",
        "2026-11-21",
        "21-11-2569",
        "21.11.2569",
        " 21/11/2569 ",
        "๒๑/๑๑/๒๕๖๙",
        "21 พ.ย. 2569",
        "21 พย 2569",
        "21 พฤศจิกายน 2569",
        "๒๑ พฤศจิกายน ๒๕๖๙",
        "21 พ.ย. พ.ศ. 2569",
    ],
)
def test_parse_thai_date(text):
    assert thai.parse_thai_date(text) == date(2026, 11, 21)


@pytest.mark.parametrize(
    "text",
    ["31/02/2569", "29/02/2569", "21/13/2569", "21/11/69", "21/11-2569", "พรุ่งนี้", "21 นิด 2569"],
)
def test_parse_thai_date_rejects_bad_input_in_thai(text):
    with pytest.raises(ValueError, match="วันที่ไม่ถูกต้อง"):
        thai.parse_thai_date(text)


def test_parse_thai_date_leap_day_and_empty():
    assert thai.parse_thai_date("29/02/2567") == date(2024, 2, 29)
    with pytest.raises(ValueError, match="กรุณากรอกวันที่"):
        thai.parse_thai_date("  ")


@pytest.mark.parametrize(
    "text", ["2026-11", "2569-11", "11/2569", "11/2026", "พ.ย. 2569", "พฤศจิกายน 2569"]
)
def test_parse_month(text):
    assert thai.parse_month(text) == (2026, 11)


@pytest.mark.parametrize("text", ["2569-13", "0/2569", "2569", "เดือนหน้า"])
def test_parse_month_rejects_bad_input_in_thai(text):
    with pytest.raises(ValueError, match="เดือนไม่ถูกต้อง"):
        thai.parse_month(text)


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,234,567.89", Decimal("1234567.89")),
        ("1234.5", Decimal("1234.5")),
        ("  500  ", Decimal("500")),
        ("500 บาท", Decimal("500")),
        ("1,000บาท", Decimal("1000")),
        ("๑,๒๓๔.๕๐", Decimal("1234.50")),
        ("-1,234.50", Decimal("-1234.50")),
    ],
)
def test_parse_baht(text, amount):
    assert thai.parse_baht(text) == amount


@pytest.mark.parametrize("text", ["abc", "1,23", "12,34,567", "1.2.3", "1e5", "NaN", "บาท"])
def test_parse_baht_rejects_non_numbers_in_thai(text):
    with pytest.raises(ValueError, match="จำนวนเงิน"):
        thai.parse_baht(text)


def test_parse_baht_rejects_more_than_two_decimals():
    with pytest.raises(ValueError, match="ทศนิยมได้ไม่เกิน 2 ตำแหน่ง"):
        thai.parse_baht("1.005")


def render(source, **context):
    return Template(source).render(Context(context))


def test_filters_are_builtin():
    d = date(2026, 11, 21)
    assert render("{{ d|thai_date }}", d=d) == "21 พ.ย. 2569"
    assert render("{{ d|thai_date_long }}", d=d) == "21 พฤศจิกายน 2569"
    assert render("{{ d|thai_month }}", d=d) == "พฤศจิกายน 2569"
    assert render('{{ d|thai_month:"short" }}', d=d) == "พ.ย. 2569"
    assert render("{{ d|fiscal_year }}", d=d) == "2570"
    assert render("{{ d|be_year }} {{ y|be_year }}", d=d, y=2026) == "2569 2569"
    assert render("{{ x|baht }}", x=Decimal("1234567.891")) == "1,234,567.89"
    assert render("{{ d|thai_date|thai_digits }}", d=d) == "๒๑ พ.ย. ๒๕๖๙"


def test_filters_with_load_tag():
    at = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    out = render("{% load thai %}{{ at|thai_date }} / {{ at|thai_datetime }}", at=at)
    assert out == "21 พ.ย. 2569 / 21 พ.ย. 2569 01:30 น."


@pytest.mark.parametrize(
    "source",
    [
        "{{ v|thai_date }}",
        "{{ v|thai_date_long }}",
        "{{ v|thai_datetime }}",
        "{{ v|thai_month }}",
        "{{ v|fiscal_year }}",
        "{{ v|be_year }}",
        "{{ v|baht }}",
        "{{ v|thai_digits }}",
    ],
)
def test_filters_render_none_as_empty(source):
    assert render(source, v=None) == ""


def test_filters_pass_wrong_types_through_and_escape():
    assert render("{{ v|thai_date }}", v="ไม่ระบุ") == "ไม่ระบุ"
    assert render("{{ v|baht }}", v="n/a") == "n/a"
    assert render("{{ v|thai_digits }}", v="<b>1</b>") == "&lt;b&gt;๑&lt;/b&gt;"


def test_thai_date_field_cleans_be_input_to_ce_date():
    field = ThaiDateField()
    assert field.clean("21/11/2569") == date(2026, 11, 21)
    assert field.clean("๒๑/๑๑/๒๕๖๙") == date(2026, 11, 21)
    assert field.clean("21 พ.ย. 2569") == date(2026, 11, 21)


def test_thai_date_field_error_is_thai():
    field = ThaiDateField()
    with pytest.raises(ValidationError) as exc:
        field.clean("31/02/2569")
    assert exc.value.messages == ["กรุณากรอกวันที่ให้ถูกต้อง เช่น 21/11/2569"]


def test_thai_date_field_widget_shows_be_date():
    html = ThaiDateField().widget.render("d", date(2026, 11, 21))
    assert 'value="21/11/2569"' in html
    assert 'placeholder="วว/ดด/ปปปป (พ.ศ.)"' in html
    assert 'type="text"' in html


def test_baht_field():
    field = BahtField()
    assert field.clean("1,234,567.89 บาท") == Decimal("1234567.89")
    assert field.max_digits == 14
    assert field.decimal_places == 2
    for bad in ("1.005", "หนึ่งร้อย"):
        with pytest.raises(ValidationError) as exc:
            field.clean(bad)
        assert exc.value.messages[0].startswith("กรุณากรอกจำนวนเงินให้ถูกต้อง")
    assert 'value="1,234.50"' in field.widget.render("x", Decimal("1234.5"))


class _Form(forms.Form):
    day = ThaiDateField()
    amount = BahtField(required=False)


def test_bound_form_shows_be_initial_and_keeps_bad_input_for_correction():
    assert 'value="21/11/2569"' in str(_Form(initial={"day": date(2026, 11, 21)})["day"])
    form = _Form(data={"day": "31/02/2569", "amount": "1,000.00"})
    assert not form.is_valid()
    assert form.errors["day"] == ["กรุณากรอกวันที่ให้ถูกต้อง เช่น 21/11/2569"]
    assert 'value="31/02/2569"' in str(form["day"])
    form = _Form(data={"day": "1/10/2568", "amount": "๕๐๐ บาท"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"day": date(2025, 10, 1), "amount": Decimal("500")}


def test_money_gives_exact_baht_from_database_sums():
    money = thai.money
    assert money(None) == Decimal("0.00") and str(money(None)) == "0.00"
    assert str(money(0.1 + 0.2)) == "0.30"  # SQLite sums decimals as floats
    assert str(money(Decimal("1.005"))) == "1.01"  # half up, as on a receipt
    assert str(money(12)) == "12.00"


def test_percent_rounds_half_up_and_says_what_an_empty_base_gives():
    assert str(thai.percent(1, 3)) == "33.33"
    assert str(thai.percent(1, 8, places="0.1")) == "12.5"
    assert str(thai.percent(5, 0)) == "0.00"
    assert thai.percent(5, 0, when_empty=None) is None
    assert thai.json_number(Decimal("25.00")) == 25.0 and thai.json_number(None) is None
