"""Forms of the WDF budget and กข.คจ. village fund pages (Thai messages).

Forms only check and shape input; every write goes through ``funds.services``.
"""

from datetime import date
from decimal import Decimal

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from cdd import thai
from cdd.filters import YES_NO, AreaFilterSet, district_select, subdistrict_select
from cdd.forms import BahtField, ThaiDateField, add_service_errors
from villages.models import District, Province, Village

from . import services
from .choices import BudgetLineKind, GovernanceLevel
from .models import BudgetLine, Disbursement, KkjFollowUp, KkjFund, PendingProject


def _not_in_future(value, message=None):
    if value and value > timezone.localdate():
        raise ValidationError(message or gettext("The date cannot be in the future."))
    return value


def _money(label, *, required=True, negative_message=None, positive=False, **kwargs):
    """A baht amount that may not be negative (or, with ``positive``, zero)."""
    if positive:
        return BahtField(
            label=label,
            required=required,
            min_value=Decimal("0.01"),
            error_messages={"min_value": _("The amount must be more than zero.")},
            **kwargs,
        )
    return BahtField(
        label=label,
        required=required,
        min_value=0,
        error_messages={"min_value": negative_message or _("The amount cannot be negative.")},
        **kwargs,
    )


def be_fiscal_year(value) -> int:
    """A typed fiscal year as BE; a CE year is refused with a hint (as for survey years)."""
    year = int(value)
    if 1900 <= year <= 2200:
        raise ValidationError(
            gettext("%(year)s is a Christian Era year. Type the Buddhist Era year, e.g. %(be)s.")
            % {"year": year, "be": year + thai.BE_OFFSET}
        )
    if not 2500 <= year <= 2700:
        raise ValidationError(
            gettext("The fiscal year must be a Buddhist Era year from 2500 to 2700.")
        )
    return year


# ---------------------------------------------------------------- budget lines


class BudgetLineForm(forms.ModelForm):
    province = forms.ModelChoiceField(label=_("Province"), queryset=Province.objects.none())
    fiscal_year = forms.IntegerField(
        label=_("Fiscal year (B.E.)"), help_text=_("Buddhist Era, e.g. 2569")
    )
    kind = forms.ChoiceField(label=_("Budget line"), choices=BudgetLineKind.choices)
    allocated = _money(
        _("Allocated (baht)"), negative_message=_("The allocation cannot be negative.")
    )
    return_due_on = ThaiDateField(
        label=_("Unspent money returned by"),
        required=False,
        help_text=_("Revolving fund only: the date unspent money must go back to the Department."),
    )

    class Meta:
        model = BudgetLine
        fields = ["fiscal_year", "kind", "allocated", "return_due_on", "note"]
        labels = {"note": _("Note")}
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, province=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        provinces = Province.objects.editable_by(user).order_by("code")
        self.fields["province"].queryset = provinces
        self.fields["province"].label_from_instance = lambda p: f"{p.code} {p.name_th}"
        fixed = self.instance.province if self.instance.pk else province
        if fixed is None and provinces.count() == 1:
            fixed = provinces.first()
        if fixed is not None:
            # Provincial staff (and an existing line) have one province: no choice to make.
            self.fixed_province = fixed
            del self.fields["province"]
        else:
            self.fixed_province = None
            self.order_fields(["province"])
        self.fields["fiscal_year"].widget.attrs.update(inputmode="numeric")

    def clean_fiscal_year(self):
        return be_fiscal_year(self.cleaned_data["fiscal_year"])

    def clean(self):
        data = super().clean()
        province = self.fixed_province or data.get("province")
        fy, kind = data.get("fiscal_year"), data.get("kind")
        if province and fy and kind:
            taken = (
                BudgetLine.objects.filter(province=province, fiscal_year=fy, kind=kind)
                .exclude(pk=self.instance.pk)
                .exists()
            )
            if taken:
                raise ValidationError(
                    gettext(
                        "%(province)s already has a %(line)s line for fiscal year %(fy)s. "
                        "Edit that line instead."
                    )
                    % {
                        "province": province.name_th,
                        "line": BudgetLineKind(kind).label,
                        "fy": fy,
                    }
                )
        due = data.get("return_due_on")
        if due and fy:
            start, _end = thai.fiscal_year_bounds(fy)
            if due < start:
                self.add_error(
                    "return_due_on",
                    gettext("The return date is before fiscal year %(fy)s begins.") % {"fy": fy},
                )
        return data

    def save(self, commit=True):
        """Save through ``budget_line_save``; None (with the errors on the form) when refused."""
        try:
            return services.budget_line_save(
                user=self.user,
                line=self.instance,
                province=self.fixed_province or self.cleaned_data["province"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class DisbursementForm(forms.ModelForm):
    paid_on = ThaiDateField(label=_("Date"))
    amount = _money(_("Amount (baht)"), positive=True)

    class Meta:
        model = Disbursement
        fields = ["paid_on", "amount", "project"]
        labels = {"project": _("Project")}

    def __init__(self, *args, user, line: BudgetLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.line = user, line
        self.instance.line = line

    def clean_paid_on(self):
        return _not_in_future(self.cleaned_data["paid_on"])

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        spent = self.line.disbursements.exclude(pk=self.instance.pk).aggregate(s=Sum("amount"))
        total = (spent["s"] or 0) + amount
        if total > self.line.allocated:
            raise ValidationError(
                gettext(
                    "This would bring the disbursed total to %(total)s baht, more than the "
                    "%(allocated)s baht allocated."
                )
                % {"total": thai.baht(total), "allocated": thai.baht(self.line.allocated)}
            )
        return amount

    def save(self, commit=True):
        try:
            return services.disbursement_save(user=self.user, disbursement=self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class ProjectForm(forms.ModelForm):
    amount = _money(_("Amount (baht)"), positive=True)
    submitted_on = ThaiDateField(label=_("Submitted on"))

    class Meta:
        model = PendingProject
        fields = ["name", "amount", "submitted_on"]
        labels = {"name": _("Project")}

    def __init__(self, *args, user, line: BudgetLine, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.line = user, line
        self.instance.line = line

    def clean_submitted_on(self):
        return _not_in_future(self.cleaned_data["submitted_on"])

    def save(self, commit=True):
        try:
            return services.project_save(user=self.user, project=self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


# ---------------------------------------------------------------- กข.คจ.


class KkjFundForm(forms.ModelForm):
    village = forms.ModelChoiceField(
        label=_("Village"), queryset=Village.objects.none(), to_field_name="code"
    )
    capital = _money(_("Capital (baht)"), negative_message=_("The capital cannot be negative."))
    governance_level = forms.TypedChoiceField(
        label=_("Governance level"),
        coerce=int,
        choices=[("", "---------"), *GovernanceLevel.choices],
        error_messages={"invalid_choice": _("The governance level must be 1, 2 or 3.")},
    )
    assessed_on = ThaiDateField(label=_("Assessed on"))
    accelerated = forms.BooleanField(label=_("Under accelerated collection"), required=False)
    problem_amount = _money(_("Problem money (baht)"), required=False)
    damaged_amount = _money(_("Damaged money (baht)"), required=False)

    class Meta:
        model = KkjFund
        fields = [
            "capital",
            "governance_level",
            "assessed_on",
            "accelerated",
            "problem_amount",
            "damaged_amount",
            "note",
        ]
        labels = {"note": _("Note")}
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        villages = Village.objects.editable_by(user).select_related("subdistrict__district")
        field = self.fields["village"]
        field.queryset = villages.order_by("code")
        field.label_from_instance = lambda v: (
            f"{v.code} {v.name} ต.{v.subdistrict.name_th} อ.{v.subdistrict.district.name_th}"
        )
        if self.instance.pk:
            # A fund belongs to its village; moving it would rewrite the village's history.
            field.disabled = True
            field.queryset = Village.objects.filter(pk=self.instance.village_id)
            self.initial["village"] = self.instance.village.code
        self.order_fields(["village"])

    def clean_village(self):
        village = self.cleaned_data["village"]
        other = KkjFund.objects.filter(village=village).exclude(pk=self.instance.pk)
        if village and other.exists():
            raise ValidationError(
                gettext("%(village)s already has a กข.คจ. fund.") % {"village": village}
            )
        return village

    def clean_assessed_on(self):
        return _not_in_future(
            self.cleaned_data["assessed_on"],
            gettext("The assessment date cannot be in the future."),
        )

    def clean_problem_amount(self):
        return self.cleaned_data["problem_amount"] or 0

    def clean_damaged_amount(self):
        return self.cleaned_data["damaged_amount"] or 0

    def clean(self):
        data = super().clean()
        capital = data.get("capital")
        at_risk = (data.get("problem_amount") or 0) + (data.get("damaged_amount") or 0)
        if capital is not None and at_risk > capital:
            self.add_error(
                "problem_amount",
                gettext(
                    "Problem and damaged money together (%(at_risk)s baht) cannot be more than "
                    "the capital (%(capital)s baht)."
                )
                % {"at_risk": thai.baht(at_risk), "capital": thai.baht(capital)},
            )
        return data

    def save(self, commit=True):
        try:
            return services.kkj_fund_save(
                user=self.user, fund=self.instance, village=self.cleaned_data["village"]
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class MonthInput(forms.TextInput):
    """A month shown as ``11/2569`` (month/BE year)."""

    def __init__(self, attrs=None):
        super().__init__({"placeholder": "ดด/ปปปป (พ.ศ.)", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, date):
            return f"{value.month:02d}/{thai.to_be_year(value.year)}"
        return super().format_value(value)


class MonthField(forms.Field):
    """A month typed as ``11/2569``, ``2569-11``, ``2026-11`` or ``พ.ย. 2569``; cleans to the
    first day of the month (CE)."""

    widget = MonthInput
    default_error_messages = {"invalid": "กรุณากรอกเดือนให้ถูกต้อง เช่น 11/2569"}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, date):
            return value.replace(day=1)
        try:
            year, month = thai.parse_month(value)
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return date(year, month, 1)


class FollowUpForm(forms.ModelForm):
    month = MonthField(
        label=_("Month followed up"), help_text=_("Month and B.E. year, e.g. 11/2569")
    )
    collected = _money(_("Collected this month (baht)"), required=False)

    class Meta:
        model = KkjFollowUp
        fields = ["month", "collected", "note"]
        labels = {"note": _("Follow-up note")}
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, fund: KkjFund, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.fund = user, fund
        self.instance.fund = fund

    def clean_month(self):
        month = self.cleaned_data["month"]
        if month and month > timezone.localdate():
            raise ValidationError(gettext("The month cannot be in the future."))
        if month and self.fund.follow_ups.filter(month=month).exclude(pk=self.instance.pk).exists():
            raise ValidationError(
                gettext("This fund already has a follow-up note for %(month)s.")
                % {"month": thai.thai_month(month.year, month.month)}
            )
        return month

    def clean_collected(self):
        return self.cleaned_data["collected"] or 0

    def clean(self):
        data = super().clean()
        if not self.fund.accelerated and not self.instance.pk:
            raise ValidationError(
                gettext(
                    "Monthly follow-up is for funds under accelerated collection; this fund is not."
                )
            )
        return data

    def save(self, commit=True):
        try:
            return services.follow_up_save(user=self.user, follow_up=self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


# ---------------------------------------------------------------- list filters


class KkjFundFilter(AreaFilterSet):
    """The กข.คจ. list's filters (also used by its .xlsx export)."""

    province = django_filters.CharFilter(label=_("Province"), method="filter_area")
    district = django_filters.CharFilter(label=_("District"), method="filter_area")
    subdistrict = django_filters.CharFilter(label=_("Subdistrict"), method="filter_area")
    level = django_filters.ChoiceFilter(
        label=_("Governance level"),
        field_name="governance_level",
        choices=GovernanceLevel.choices,
        empty_label=_("All levels"),
    )
    accelerated = django_filters.ChoiceFilter(
        label=_("Under accelerated collection"),
        choices=YES_NO,
        empty_label=_("All"),
        method="filter_accelerated",
    )

    def __init__(self, data=None, queryset=None, *, user, **kwargs):
        super().__init__(data, queryset, user=user, **kwargs)
        self._area_choices()

    def _area_choices(self):
        """Selects for the areas the user sees; the finer lists follow the coarser choice."""
        user, fields = self.user, self.form.fields
        province = self._value("province")
        if user.sees_everything:
            provinces = Province.objects.visible_to(user).order_by("code")
            fields["province"].widget = forms.Select(
                choices=[("", _("All provinces"))]
                + [(p.code, f"{p.code} {p.name_th}") for p in provinces]
            )
        else:
            del self.form.fields["province"]
            del self.filters["province"]
        districts = District.objects.visible_to(user)
        if province:
            districts = districts.in_area("province", province)
        elif user.sees_everything:
            districts = District.objects.none()  # choose a province first
        fields["district"].widget = district_select(districts.order_by("code"))
        district = self._value("district") or (user.district_id or "")
        fields["subdistrict"].widget = subdistrict_select(user, district)

    def filter_accelerated(self, queryset, name, value):
        if value in ("yes", "no"):
            return queryset.filter(accelerated=value == "yes")
        return queryset

    def area(self) -> tuple[str | None, str | None]:
        """The narrowest area chosen in the filters (for the totals table)."""
        for level in ("subdistrict", "district", "province"):
            if level in self.form.fields and self._value(level):
                return level, self._value(level)
        return None, None
