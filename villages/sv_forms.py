"""Browser forms of the Sustainable Village pages: the fiscal year and month picker, the
designation form and the monthly assessment form. Forms only check and shape input; every
write goes through ``villages.sv_services``."""

from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdd import thai
from cdd.forms import add_service_errors

from . import sv_services
from .choices import VillageKind
from .models import Village
from .sv_selectors import BASIC

# How many fiscal years around this one the year selects offer.
YEARS_BACK, YEARS_AHEAD = 3, 1
# The fiscal year's months in order: October to September.
FY_MONTH_NUMBERS = (10, 11, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9)


def fy_month(fiscal_year: int, month: int) -> date:
    """The first day of ``month`` (1-12) of BE ``fiscal_year``: October to December fall in
    the CE year before the one the fiscal year ends in."""
    end = thai.to_ce_year(fiscal_year)
    return date(end - 1 if month >= 10 else end, month, 1)


def fy_months(fiscal_year: int) -> list[date]:
    """The twelve months of a fiscal year, October first."""
    return [fy_month(fiscal_year, m) for m in FY_MONTH_NUMBERS]


def default_month(fiscal_year: int) -> date:
    """This month when it falls in the fiscal year; else the year's last month (a past year)
    or its first (a year not begun)."""
    this_month = timezone.localdate().replace(day=1)
    first, last = thai.fiscal_year_bounds(fiscal_year)
    if first <= this_month <= last:
        return this_month
    return last.replace(day=1) if this_month > last else first


def fiscal_year_choices() -> list[tuple[str, str]]:
    this_year = thai.fiscal_year(timezone.localdate())
    years = range(this_year + YEARS_AHEAD, this_year - YEARS_BACK - 1, -1)
    return [(str(y), str(y)) for y in years]


def group_label(group) -> str:
    if group == BASIC:
        return str(_("Basic indicators"))
    return str(_("Dimension %(n)s")) % {"n": group}


class SvPeriodForm(forms.Form):
    """The fiscal year (BE) and a month of it; this fiscal year and month by default."""

    year = forms.TypedChoiceField(label=_("Fiscal year (B.E.)"), coerce=int)
    month = forms.TypedChoiceField(
        label=_("Month"),
        coerce=int,
        choices=[(str(m), thai.THAI_MONTHS[m - 1]) for m in FY_MONTH_NUMBERS],
        required=False,
    )

    def __init__(self, data=None, **kwargs):
        if data is not None and not {"year", "month"} & set(data):
            data = None  # nothing chosen yet: the defaults, without errors
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        self.fields["year"].choices = fiscal_year_choices()
        this_year = thai.fiscal_year(timezone.localdate())
        self.initial.setdefault("year", str(this_year))
        self.initial.setdefault("month", str(default_month(this_year).month))

    def chosen(self) -> tuple[int, date]:
        """(BE fiscal year, first day of the month chosen)."""
        if self.is_bound and self.is_valid():
            year = self.cleaned_data["year"]
            month = self.cleaned_data.get("month")
            return year, fy_month(year, month) if month else default_month(year)
        year = thai.fiscal_year(timezone.localdate())
        return year, default_month(year)


def village_label(village) -> str:
    """A village in the select: ``19010101 บ้านหนองโน ต.ปากเพรียว อ.เมืองสระบุรี``."""
    sub = village.subdistrict
    kind = f" ({village.get_kind_display()})" if village.kind == VillageKind.COMMUNITY else ""
    return f"{village.code} {village.name}{kind} ต.{sub.name_th} อ.{sub.district.name_th}"


class DesignationForm(forms.Form):
    fiscal_year = forms.TypedChoiceField(label=_("Fiscal year (B.E.)"), coerce=int)
    village = forms.ModelChoiceField(
        label=_("Village or community"), queryset=Village.objects.none()
    )
    households = forms.IntegerField(label=_("Households covered"), min_value=0)
    people = forms.IntegerField(label=_("People covered"), min_value=0)
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("For example how the village was chosen (TPMAP, ThaiQM, กชช.2ค)."),
    )

    def __init__(self, *args, user, province="", **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["fiscal_year"].choices = fiscal_year_choices()
        villages = Village.objects.editable_by(user)
        if province:
            # Users who see the whole country pick from one province, not every village.
            villages = villages.in_area("province", province)
        self.fields["village"].queryset = villages.select_related("subdistrict__district").order_by(
            "code"
        )
        self.fields["village"].label_from_instance = village_label

    def save(self):
        """Save through ``designate``; None (with the errors on the form) when refused."""
        data = self.cleaned_data
        try:
            return sv_services.designate(
                user=self.user,
                village=data["village"],
                fiscal_year=data["fiscal_year"],
                households=data["households"],
                people=data["people"],
                note=data["note"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class AssessMonthForm(forms.Form):
    """The month of an assessment: a month of the designation's fiscal year, not in the
    future (the latest such month by default)."""

    month = forms.TypedChoiceField(label=_("Month"), coerce=int)

    def __init__(self, data=None, *, fiscal_year, **kwargs):
        if data is not None and "month" not in data:
            data = None
        kwargs.setdefault("label_suffix", "")
        super().__init__(data, **kwargs)
        this_month = timezone.localdate().replace(day=1)
        self.fiscal_year = fiscal_year
        self.months = [m for m in fy_months(fiscal_year) if m <= this_month]
        self.fields["month"].choices = [
            (str(m.month), thai.thai_month(m.year, m.month)) for m in self.months
        ]
        if self.months:
            self.initial.setdefault("month", str(self.months[-1].month))

    def chosen(self) -> date | None:
        """The month chosen, else the latest one; None when the year has not begun."""
        if self.is_bound and self.is_valid():
            return fy_month(self.fiscal_year, self.cleaned_data["month"])
        return self.months[-1] if self.months else None


class AssessmentForm(forms.Form):
    """One checkbox per indicator of the year's set, one group of them per field: the basic
    indicators first, then dimensions 1-5. Pre-ticked with the month's stored answers."""

    def __init__(self, *args, user, designation, month, indicators, met_ids=(), **kwargs):
        kwargs.setdefault("initial", {})
        super().__init__(*args, **kwargs)
        self.user, self.designation, self.month = user, designation, month
        groups = {}
        for indicator in indicators:
            group = BASIC if indicator.dimension is None else indicator.dimension
            groups.setdefault(group, []).append(indicator)
        met = {str(pk) for pk in met_ids}
        for group in sorted(groups, key=lambda g: 0 if g == BASIC else g):
            name = "basic" if group == BASIC else f"dimension_{group}"
            choices = [(str(i.pk), f"{i.code} {i.name}") for i in groups[group]]
            self.fields[name] = forms.MultipleChoiceField(
                label=group_label(group),
                choices=choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
            self.initial.setdefault(name, [pk for pk, _label in choices if pk in met])

    def indicator_ids(self) -> list[int]:
        return sorted(int(pk) for field in self.fields for pk in self.cleaned_data.get(field, []))

    def save(self):
        """Save through ``assessment_save``; None (with the errors on the form) when refused."""
        try:
            return sv_services.assessment_save(
                user=self.user,
                designation=self.designation,
                month=self.month,
                indicator_ids=self.indicator_ids(),
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None
