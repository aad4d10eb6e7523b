"""Browser forms of the WDF pages: contracts, restructure, the batch payment screen, relief
rounds, the month-reported mark and the contract list's filters (Thai messages).

Forms only check and shape input; every write goes through ``funds.services``.
"""

import re
from datetime import date
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import (
    DecimalField,
)
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cdd import thai
from cdd.filters import YES_NO, AreaFilterSet, district_select, subdistrict_select
from cdd.forms import BahtField, ThaiDateField, add_service_errors, district_label
from villages.models import District, Province, Subdistrict

from . import services
from .choices import BorrowerKind
from .models import ReliefRound, WdfLoan

MONEY = DecimalField(max_digits=14, decimal_places=2)
ZERO = Decimal("0.00")
# SQLite sums decimals as floats: a balance below half a satang is zero.
HALF_SATANG = Decimal("0.005")


# ---------------------------------------------------------------- balances on a list


# ---------------------------------------------------------------- figures and follow-up


class AsOfForm(forms.Form):
    as_of = ThaiDateField(label=_("As of"), required=False)

    def day(self) -> date:
        today = timezone.localdate()
        if self.is_bound and self.is_valid():
            return self.cleaned_data["as_of"] or today
        return today


def month_choices(today: date, count: int = 12):
    """The last ``count`` months, newest first, as ("YYYY-MM", "พฤศจิกายน 2569")."""
    out = []
    year, month = today.year, today.month
    for _i in range(count):
        out.append((f"{year:04d}-{month:02d}", thai.thai_month(year, month)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out


class MonthReportedForm(forms.Form):
    """The province reported a month to the governor's meeting (later payments are flagged)."""

    province = forms.CharField(widget=forms.HiddenInput)
    month = forms.ChoiceField(label=_("Month"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        choices = month_choices(today)
        self.fields["month"].choices = choices
        if not self.is_bound and "month" not in self.initial:
            self.initial["month"] = choices[1][0]  # usually last month is being reported

    def clean_month(self) -> date:
        year, month = (int(p) for p in self.cleaned_data["month"].split("-"))
        return date(year, month, 1)


# ---------------------------------------------------------------- contracts


class LoanForm(forms.ModelForm):
    principal = BahtField(label=_("Principal (baht)"))
    contract_date = ThaiDateField(label=_("Contract date"))
    first_due_date = ThaiDateField(label=_("First due date"))

    class Meta:
        model = WdfLoan
        fields = [
            "contract_no",
            "district",
            "subdistrict",
            "borrower_name",
            "borrower_kind",
            "principal",
            "contract_date",
            "instalments",
            "first_due_date",
            "interval_months",
            "note",
        ]
        labels = {
            "contract_no": _("Contract number"),
            "district": _("District"),
            "subdistrict": _("Subdistrict"),
            "borrower_name": _("Borrower"),
            "borrower_kind": _("Borrower kind"),
            "instalments": _("Number of instalments"),
            "interval_months": _("Months between instalments"),
            "note": _("Note"),
        }
        help_texts = {
            "instalments": _("The principal is repaid in this many equal instalments."),
            "interval_months": _("12 = one instalment a year."),
        }
        widgets = {"note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        districts = District.objects.editable_by(user).order_by("code")
        self.fields["district"].queryset = districts
        self.fields["district"].label_from_instance = district_label
        subdistricts = Subdistrict.objects.editable_by(user).select_related("district")
        self.fields["subdistrict"].queryset = subdistricts.order_by("code")
        self.fields["subdistrict"].label_from_instance = lambda s: (
            f"{s.code} {s.name_th} (อ.{s.district.name_th})"
        )
        for name in ("instalments", "interval_months"):
            self.fields[name].widget.attrs.update(inputmode="numeric")
        if not self.instance.pk and not self.initial.get("district") and user.district_id:
            self.initial["district"] = user.district_id

    def clean(self):
        data = super().clean()
        district = data.get("district")
        subdistrict = data.get("subdistrict")
        if district and subdistrict and subdistrict.district_id != district.pk:
            self.add_error("subdistrict", gettext("The subdistrict is not in this district."))
        errors = services.check_loan_terms(
            principal=data.get("principal"),
            contract_date=data.get("contract_date"),
            first_due_date=data.get("first_due_date"),
        )
        for field, message in errors.items():
            self.add_error(field, message)
        if data.get("contract_no") and district:
            taken = services.contract_no_taken(
                data["contract_no"].strip(), district.pk, exclude_pk=self.instance.pk
            )
            if taken:
                self.add_error("contract_no", taken)
        return data

    def clean_contract_no(self):
        return thai.arabic_digits(self.cleaned_data["contract_no"]).strip()

    def validate_unique(self):
        """``clean`` already says which district holds a contract number that is taken."""

    def save(self, commit=True):
        """Save through ``loan_save``; None (with the errors on the form) when refused."""
        try:
            return services.loan_save(
                user=self.user,
                loan=self.instance,
                district=self.cleaned_data["district"],
                subdistrict=self.cleaned_data.get("subdistrict"),
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class RestructureForm(forms.Form):
    effective_on = ThaiDateField(
        label=_("Restructure date"),
        help_text=_("What is unpaid on this date is split into the new instalments."),
    )
    instalments = forms.IntegerField(label=_("Number of instalments"), min_value=1, max_value=240)
    first_due_date = ThaiDateField(label=_("First due date"))
    interval_months = forms.IntegerField(
        label=_("Months between instalments"), min_value=1, max_value=120, initial=12
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, user, loan, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.loan = user, loan

    def save(self):
        data = self.cleaned_data
        try:
            return services.restructure(
                user=self.user,
                loan=self.loan,
                effective_on=data["effective_on"],
                instalments=data["instalments"],
                first_due_date=data["first_due_date"],
                interval_months=data["interval_months"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class LoanFilter(AreaFilterSet):
    district = django_filters.CharFilter(label=_("District"), method="filter_area")
    subdistrict = django_filters.CharFilter(label=_("Subdistrict"), method="filter_area")
    q = django_filters.CharFilter(label=_("Contract number or borrower"), method="filter_search")
    kind = django_filters.ChoiceFilter(
        label=_("Borrower kind"),
        field_name="borrower_kind",
        choices=BorrowerKind.choices,
        empty_label=_("All"),
    )
    arrears = django_filters.ChoiceFilter(
        label=_("In arrears today"), choices=YES_NO, empty_label=_("All"), method="filter_arrears"
    )
    sort = django_filters.OrderingFilter(
        fields={
            "contract_no": "contract_no",
            "borrower_name": "borrower",
            "district_id": "district",
            "principal": "principal",
            "contract_date": "contract_date",
            "receivables_now": "receivables",
            "overdue_now": "overdue",
        }
    )

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        districts = District.objects.visible_to(user).order_by("code")
        district = self._value("district") or (user.district_id or "")
        fields = self.form.fields
        fields["district"].widget = district_select(districts)
        fields["subdistrict"].widget = subdistrict_select(user, district)

    @property
    def sort_value(self) -> str:
        value = self._value("sort")
        names = {"contract_no", "borrower", "district", "principal", "contract_date"}
        names |= {"receivables", "overdue"}
        return value if value.lstrip("-") in names else ""

    def filter_search(self, queryset, name, value):
        return self.search(queryset, value, starts="contract_no", contains="borrower_name")

    def filter_arrears(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(overdue_now__gt=HALF_SATANG)
        if value == "no":
            return queryset.filter(overdue_now__lte=HALF_SATANG)
        return queryset


# ---------------------------------------------------------------- batch payments


class PaymentRowForm(forms.Form):
    """One row of the batch screen. Every field is optional: a row left empty is skipped."""

    contract_no = forms.CharField(label=_("Contract number"), max_length=40, required=False)
    paid_on = ThaiDateField(label=_("Paid on"), required=False)
    amount = BahtField(label=_("Amount (baht)"), required=False)
    receipt_no = forms.CharField(label=_("Receipt number"), max_length=40, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.loan = None
        self.fields["contract_no"].widget.attrs.update(autocomplete="off")
        self.fields["amount"].widget.attrs.update(placeholder="0.00")

    @property
    def is_blank(self) -> bool:
        if not self.is_bound:
            return True
        return not any((self.data.get(self.add_prefix(name)) or "").strip() for name in self.fields)

    def clean(self):
        data = super().clean()
        if self.is_blank:
            return data
        required = {
            "contract_no": gettext("Enter the contract number."),
            "paid_on": gettext("Enter the payment date."),
            "amount": gettext("Enter the amount."),
        }
        for field, message in required.items():
            if field not in self.errors and not data.get(field):
                self.add_error(field, message)
        return data


class PaymentBatch:
    """The batch payment screen: ``rows`` PaymentRowForms (prefix ``r0``, ``r1``...). Valid when
    every filled row names a contract the user may change and passes the same checks as
    ``services.payments_add``, so the errors can be shown next to their rows."""

    MAX_ROWS = 200

    def __init__(self, data=None, *, user, rows=10, initial=None):
        self.user, self.data = user, data
        if data is not None:
            try:
                rows = int(data.get("rows") or rows)
            except ValueError:
                pass
        self.rows = max(1, min(rows, self.MAX_ROWS))
        initial = initial or []
        self.forms = [
            PaymentRowForm(
                data,
                prefix=f"r{i}",
                initial=initial[i] if i < len(initial) else None,
                use_required_attribute=False,
            )
            for i in range(self.rows)
        ]
        self.errors: list[str] = []  # errors not tied to a row (the service's own checks)

    def filled(self):
        return [(i, f) for i, f in enumerate(self.forms, start=1) if not f.is_blank]

    def raw_rows(self):
        """What was typed, to re-show it (with more rows) without validating."""
        return [
            {name: (self.data.get(f.add_prefix(name)) or "") for name in f.fields}
            for f in self.forms
        ]

    def is_valid(self) -> bool:
        filled = self.filled()
        if not filled:
            self.errors.append(gettext("Fill in at least one row."))
            return False
        valid = all(f.is_valid() for _n, f in filled)
        self._check_contracts([f for _n, f in filled])
        return valid and not any(f.errors for _n, f in filled)

    def _check_contracts(self, forms_):
        wanted = {}
        for form in forms_:
            no = (form.cleaned_data.get("contract_no") or "").strip()
            if no:
                wanted.setdefault(no, []).append(form)
                wanted.setdefault(thai.arabic_digits(no), [])
        loans = {
            loan.contract_no: loan
            for loan in WdfLoan.objects.editable_by(self.user).filter(contract_no__in=list(wanted))
        }
        paid = services.paid_totals(loan.pk for loan in loans.values())
        today = timezone.localdate()
        for form in forms_:
            no = (form.cleaned_data.get("contract_no") or "").strip()
            if not no:
                continue
            loan = loans.get(no) or loans.get(thai.arabic_digits(no))
            if loan is None:
                # Unknown and outside the area read the same: nothing leaks about other areas.
                form.add_error(
                    "contract_no",
                    gettext("Contract number %(no)s was not found in your area.") % {"no": no},
                )
                continue
            form.loan = loan
            paid_on, amount = form.cleaned_data.get("paid_on"), form.cleaned_data.get("amount")
            if paid_on is None or amount is None:
                continue
            already = paid.get(loan.pk) or ZERO
            problems = services.check_payment(loan, paid_on, amount, already, today)
            for field, message in problems.items():
                form.add_error(field, message)
            if not problems:
                paid[loan.pk] = already + amount

    def entries(self):
        return [
            (
                f.loan,
                f.cleaned_data["paid_on"],
                f.cleaned_data["amount"],
                f.cleaned_data["receipt_no"],
            )
            for _n, f in self.filled()
        ]

    def save(self):
        """The new payments, or None with the service's messages in ``errors``."""
        filled = self.filled()
        try:
            return services.payments_add(user=self.user, entries=self.entries())
        except ValidationError as exc:
            # The service counts rows among the filled ones; say which screen row that is.
            numbers = {str(k): str(n) for k, (n, _f) in enumerate(filled, start=1)}
            for message in exc.messages:
                self.errors.append(_renumber(message, numbers))
            return None

    @property
    def has_errors(self) -> bool:
        return bool(self.errors) or any(f.is_bound and f.errors for f in self.forms)


def _renumber(message: str, numbers: dict[str, str]) -> str:
    """Rewrite a service message's "Row N:" to the row number on the screen."""
    template = gettext("Row %(n)s: %(message)s")
    head = re.escape(template.split("%(n)s")[0])
    match = re.match(f"^{head}(\\d+)", message)
    if match and match.group(1) in numbers:
        start, end = match.span(1)
        return message[:start] + numbers[match.group(1)] + message[end:]
    return message


# ---------------------------------------------------------------- relief rounds


class ReliefRoundForm(forms.ModelForm):
    announced_on = ThaiDateField(label=_("Announced on"))
    effective_on = ThaiDateField(
        label=_("Pause starts on"),
        help_text=_(
            "Each unpaid instalment falls due this many months later, counted from the later "
            "of its due date and this date."
        ),
    )
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none())

    class Meta:
        model = ReliefRound
        fields = ["number", "title", "announced_on", "effective_on", "pause_months"]
        labels = {
            "number": _("Announcement number"),
            "title": _("Title"),
            "pause_months": _("Months paused"),
        }
        help_texts = {"number": _("e.g. 1/2568")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        provinces = Province.objects.editable_by(user).order_by("code")
        if self.instance.pk or user.province_id:
            # The round stays in its province; a provincial user has only theirs.
            del self.fields["province"]
            self.province = (
                self.instance.province if self.instance.pk else provinces.get(pk=user.province_id)
            )
        else:
            self.fields["province"].queryset = provinces
            self.province = None
            self.order_fields(["province"])
        self.fields["pause_months"].widget.attrs.update(inputmode="numeric")

    def clean(self):
        data = super().clean()
        announced, effective = data.get("announced_on"), data.get("effective_on")
        if announced and effective and effective < announced:
            self.add_error(
                "effective_on", gettext("The pause cannot start before the announcement date.")
            )
        return data

    def validate_unique(self):
        """The number is unique per province, which the form may not hold; checked in save."""

    def save(self, commit=True):
        province = self.province or self.cleaned_data["province"]
        duplicate = (
            ReliefRound.objects.filter(province=province, number=self.instance.number)
            .exclude(pk=self.instance.pk)
            .exists()
        )
        if duplicate:
            self.add_error(
                "number",
                gettext("Announcement %(no)s already exists in this province.")
                % {"no": self.instance.number},
            )
            return None
        try:
            return services.relief_round_save(
                user=self.user, relief_round=self.instance, province=province
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None
