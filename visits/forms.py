"""Browser forms of the supervision visits: the plan form, the findings form and the month
filter of the list. Forms only check and shape input; every write goes through
``visits.services``."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cdd import thai
from cdd.forms import ThaiDateField, add_service_errors, district_label

from . import services
from .models import Status, Visit

# How many years around this one the year select offers.
YEARS_BACK, YEARS_AHEAD = 3, 1


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class VisitForm(forms.ModelForm):
    date = ThaiDateField(label=_("Date"))
    start_time = forms.TimeField(label=_("Start time"), widget=TimeInput)
    end_time = forms.TimeField(label=_("End time"), widget=TimeInput, required=False)

    class Meta:
        model = Visit
        fields = ["date", "start_time", "end_time", "district", "team", "topics", "status"]
        labels = {
            "district": _("District"),
            "team": _("Visiting team"),
            "topics": _("Topics to check"),
            "status": _("Status"),
        }
        help_texts = {
            "team": _("One name per line, with the position if you like."),
            "topics": _("One topic per line."),
        }
        widgets = {
            "team": forms.Textarea(attrs={"rows": 4}),
            "topics": forms.Textarea(attrs={"rows": 4}),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["district"].queryset = services.plannable_districts(user).order_by("code")
        self.fields["district"].label_from_instance = district_label
        if not self.instance.pk:
            # A new visit is planned; it is marked done by recording its findings.
            del self.fields["status"]

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            self.add_error("end_time", services.end_time_error())
        return data

    def save(self, commit=True):
        """Save through ``visit_save``; None (with the errors on the form) when refused."""
        try:
            return services.visit_save(user=self.user, visit=self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class FindingsForm(forms.Form):
    findings = forms.CharField(
        label=_("Findings"), widget=forms.Textarea(attrs={"rows": 6}), required=True
    )
    followed_up = forms.CharField(
        label=_("Follow-up"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text=_("What was advised or agreed, and who follows it up."),
    )

    def __init__(self, *args, user, visit, **kwargs):
        kwargs.setdefault("initial", {"findings": visit.findings, "followed_up": visit.followed_up})
        super().__init__(*args, **kwargs)
        self.user, self.visit = user, visit

    def save(self):
        try:
            return services.visit_record_findings(
                user=self.user,
                visit=self.visit,
                findings=self.cleaned_data["findings"],
                followed_up=self.cleaned_data["followed_up"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class MonthFilter(forms.Form):
    """A month of the plan (Thai month name, B.E. year) and a status; this month by default."""

    month = forms.TypedChoiceField(
        label=_("Month"),
        coerce=int,
        choices=[(str(n), name) for n, name in enumerate(thai.THAI_MONTHS, start=1)],
    )
    year = forms.IntegerField(label=_("Year (B.E.)"), min_value=2500, max_value=2700)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All"))] + Status.choices
    )

    def __init__(self, data=None, **kwargs):
        today = timezone.localdate()
        this_year = thai.to_be_year(today.year)
        if data is not None and not {"month", "year"} & set(data):
            data = None  # nothing chosen yet: the defaults, without errors
        super().__init__(data, **kwargs)
        years = range(this_year + YEARS_AHEAD, this_year - YEARS_BACK - 1, -1)
        self.fields["year"].widget = forms.Select(choices=[(str(y), str(y)) for y in years])
        self.initial.setdefault("month", str(today.month))
        self.initial.setdefault("year", str(this_year))

    def chosen(self) -> tuple[int, int, str]:
        """(CE year, month, status) chosen; this month and every status otherwise."""
        if self.is_bound and self.is_valid():
            data = self.cleaned_data
            return thai.to_ce_year(data["year"]), data["month"], data.get("status") or ""
        today = timezone.localdate()
        return today.year, today.month, ""
