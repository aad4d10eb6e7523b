"""Forms of the reporting-cycle settings page: the calendar of each report type, holidays, key
missions, headings, indicators and reopenings. Forms only check and shape input; every write
goes through a service (``reports.setup``, ``indicators.indicator_save``, ``cycle.reopen``),
whose refusals are shown on the form (``add_service_errors``)."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from cdd import thai
from cdd.forms import ThaiDateField, add_service_errors, district_label
from villages.models import District

from . import cycle, setup
from .indicators import indicator_save
from .models import DEFAULT_DUE_DAY, DEFAULT_LOCK_AFTER_DAYS, Heading, Holiday, Indicator, Mission


def _saved(form, call):
    """Run a service; None (with its errors on the form) when it refuses."""
    try:
        return call()
    except ValidationError as exc:
        add_service_errors(form, exc)
        return None


class CalendarRuleForm(forms.Form):
    """The due day and lock period of one report type (the form's prefix is the type)."""

    due_day = forms.IntegerField(label=_("Due day of the month"), min_value=1, max_value=28)
    lock_after_days = forms.IntegerField(label=_("Locked after (days)"), min_value=0, max_value=60)

    def __init__(self, *args, user, province_id, fiscal_year, report_type, **kwargs):
        super().__init__(*args, prefix=report_type, **kwargs)
        self.user, self.province_id, self.fiscal_year = user, province_id, fiscal_year
        self.report_type = report_type
        for field in self.fields.values():
            field.widget.attrs.update({"inputmode": "numeric", "class": "short"})

    def save(self):
        return _saved(
            self,
            lambda: setup.calendar_rule_set(
                user=self.user,
                province_id=self.province_id,
                fiscal_year=self.fiscal_year,
                report_type=self.report_type,
                due_day=self.cleaned_data["due_day"],
                lock_after_days=self.cleaned_data["lock_after_days"],
            ),
        )


def calendar_initial(rule, report_type) -> dict:
    """The form's values: the province's rule, else the defaults."""
    if rule is None:
        return {"due_day": DEFAULT_DUE_DAY[report_type], "lock_after_days": DEFAULT_LOCK_AFTER_DAYS}
    return {"due_day": rule.due_day, "lock_after_days": rule.lock_after_days}


class HolidayForm(forms.ModelForm):
    """A holiday of the year: the province's own; the system admin may add a national one."""

    prefix = "holiday"
    date = ThaiDateField(label=_("Date"))

    class Meta:
        model = Holiday
        fields = ["date", "name"]
        labels = {"name": _("Holiday name")}

    def __init__(self, *args, user, province_id, fiscal_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.province_id, self.fiscal_year = user, province_id, fiscal_year
        if setup._is_system_admin(user):
            self.fields["national"] = forms.BooleanField(
                label=_("National holiday (every province)"), required=False
            )

    def clean_date(self):
        day = self.cleaned_data["date"]
        first, last = thai.fiscal_year_bounds(self.fiscal_year)
        if not first <= day <= last:
            raise ValidationError(
                _("Choose a date in fiscal year %(year)s (%(first)s to %(last)s).")
                % {
                    "year": self.fiscal_year,
                    "first": thai.thai_date(first),
                    "last": thai.thai_date(last),
                }
            )
        return day

    def save(self, commit=True):
        national = self.cleaned_data.get("national", False)
        self.instance.province_id = None if national else self.province_id
        return _saved(self, lambda: setup.holiday_add(user=self.user, holiday=self.instance))


class MissionForm(forms.ModelForm):
    prefix = "mission"

    class Meta:
        model = Mission
        fields = ["number", "name", "active"]
        labels = {"name": _("Key mission")}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["number"].widget.attrs["class"] = "short"
        if not self.instance.pk:
            del self.fields["active"]  # a new mission is reported; deactivate it later

    def save(self, commit=True):
        return _saved(self, lambda: setup.mission_save(user=self.user, mission=self.instance))


class HeadingForm(forms.Form):
    prefix = "heading"
    title = forms.CharField(label=_("Heading"), max_length=200)

    def __init__(self, *args, user, heading: Heading, **kwargs):
        kwargs.setdefault("initial", {"title": heading.title})
        super().__init__(*args, **kwargs)
        self.user, self.heading = user, heading

    def save(self):
        return _saved(
            self,
            lambda: setup.heading_rename(
                user=self.user, heading=self.heading, title=self.cleaned_data["title"]
            ),
        )


def plain_number(value) -> str:
    """1,234 or 1,234.50 (None: "")."""
    if value is None:
        return ""
    return f"{value:,.0f}" if value == value.to_integral_value() else f"{value:,.2f}"


class NumberField(forms.DecimalField):
    """A number as offices type it: ``5,000``, ``12.5`` or in Thai digits."""

    def to_python(self, value):
        if isinstance(value, str):
            value = thai.arabic_digits(value).replace(",", "").strip()
        return super().to_python(value)


def _bound_field(name):
    """A bound of an indicator, labelled as in the model."""
    return NumberField(
        label=capfirst(Indicator._meta.get_field(name).verbose_name),
        max_digits=14,
        decimal_places=2,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "class": "short"}),
    )


class IndicatorForm(forms.ModelForm):
    """An indicator with all its rules. The bounds are form fields outside ``Meta.fields`` so
    the model's bounds constraint is not checked here with Django's generic message:
    ``indicator_save`` refuses a lowest above the highest with its own, on the field."""

    prefix = "indicator"
    min_value = _bound_field("min_value")
    max_value = _bound_field("max_value")

    class Meta:
        model = Indicator
        fields = [
            "number",
            "name",
            "unit",
            "mission",
            "aggregation",
            "integer_only",
            "no_decrease",
            "active",
        ]
        labels = {"name": _("Indicator name"), "aggregation": _("Province total by")}

    field_order = [
        "number",
        "name",
        "unit",
        "mission",
        "aggregation",
        "min_value",
        "max_value",
        "integer_only",
        "no_decrease",
        "active",
    ]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        ind = self.instance
        self.fields["mission"].queryset = Mission.objects.filter(
            province_id=ind.province_id, fiscal_year=ind.fiscal_year
        ).order_by("number")
        self.fields["mission"].empty_label = _("(no key mission)")
        self.fields["number"].widget.attrs["class"] = "short"
        self.fields["unit"].widget.attrs["class"] = "short"
        if ind.pk:
            self.initial.update(
                min_value=plain_number(ind.min_value), max_value=plain_number(ind.max_value)
            )
        else:
            del self.fields["active"]
        self.order_fields(self.field_order)

    def save(self, commit=True):
        self.instance.min_value = self.cleaned_data.get("min_value")
        self.instance.max_value = self.cleaned_data.get("max_value")
        return _saved(self, lambda: indicator_save(user=self.user, indicator=self.instance))


class ReopenForm(forms.Form):
    """Let a district edit a locked month of the year again, until a date."""

    prefix = "reopen"
    district = forms.ModelChoiceField(
        label=_("District"), queryset=District.objects.none(), empty_label=_("Choose a district")
    )
    month = forms.ChoiceField(label=_("Month"))
    until = ThaiDateField(label=_("Open until"))
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=1000
    )

    def __init__(self, *args, user, province_id, fiscal_year, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["district"].queryset = (
            District.objects.visible_to(user).filter(province_id=province_id).order_by("code")
        )
        self.fields["district"].label_from_instance = district_label
        self.fields["month"].choices = [
            (m.isoformat(), thai.thai_month(m.year, m.month))
            for m in cycle.fiscal_months(fiscal_year)
        ]

    def save(self):
        data = self.cleaned_data
        return _saved(
            self,
            lambda: cycle.reopen(
                user=self.user,
                district=data["district"],
                month=date.fromisoformat(data["month"]),
                until=data["until"],
                reason=data["reason"],
            ),
        )
