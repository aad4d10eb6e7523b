"""Browser forms for target households, plans, assistance and mentor teams (Thai messages).

Forms only check and shape input; every write goes through ``households.services``.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image

from cdd import thai
from cdd.forms import BahtField, ThaiDateField, add_service_errors
from villages.models import District, Village

from . import services
from .choices import Dimension, HousingNeed, Phase
from .models import DevelopmentPlan, Household, MentorTeam
from .validators import validate_national_id

MAX_PHOTOS = services.MAX_PHOTOS
MAX_PHOTO_MB = 5
PHOTO_FORMATS = {"JPEG", "PNG", "WEBP"}
# HousingNeed choice -> Household boolean field.
HOUSING_FIELDS = {
    HousingNeed.REPAIR_HOUSE: "needs_house_repair",
    HousingNeed.HOUSEHOLD_GOODS: "needs_household_goods",
    HousingNeed.TOILET: "needs_toilet",
}


def _not_in_future(value):
    if value and value > timezone.localdate():
        raise ValidationError(gettext("The date cannot be in the future."))
    return value


class HouseholdForm(forms.ModelForm):
    village = forms.ModelChoiceField(label=_("Village"), queryset=Village.objects.none())
    national_id = forms.CharField(
        label=_("National ID"),
        required=False,
        max_length=20,
        help_text=_("13 digits; dashes and spaces are ignored."),
    )
    members = forms.IntegerField(
        label=_("Members"),
        min_value=1,
        max_value=99,
        error_messages={
            "min_value": _("A household has at least 1 member."),
            "max_value": _("At most 99 members."),
        },
    )
    income_per_person = BahtField(
        label=_("Income per person per year (baht)"),
        min_value=0,
        error_messages={"min_value": _("Income cannot be negative.")},
    )
    survey_year = forms.IntegerField(
        label=_("Survey year (B.E.)"), help_text=_("Buddhist Era, e.g. 2568")
    )
    dimensions = forms.MultipleChoiceField(
        label=_("Dimensions failed"),
        choices=Dimension.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    housing_needs = forms.MultipleChoiceField(
        label=_("Housing needs"),
        choices=HousingNeed.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Household
        fields = [
            "house_code",
            "village",
            "head_name",
            "national_id",
            "members",
            "income_per_person",
            "survey_year",
            "source",
            "status",
            "improvement_summary",
        ]
        labels = {
            "house_code": _("House code"),
            "head_name": _("Head of household"),
            "source": _("Source"),
            "status": _("Status"),
            "improvement_summary": _("How life improved"),
        }
        widgets = {
            "house_code": forms.TextInput(attrs={"inputmode": "numeric", "maxlength": 11}),
            "improvement_summary": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "house_code": {"unique": _("A household with this house code is already registered.")}
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        villages = Village.objects.editable_by(user).select_related("subdistrict__district")
        self.fields["village"].queryset = villages.order_by("code")
        self.fields["village"].label_from_instance = lambda v: (
            f"{v.code} {v.name} ต.{v.subdistrict.name_th} อ.{v.subdistrict.district.name_th}"
        )
        self.fields["dimensions"].initial = self.instance.failed_dimensions
        self.fields["housing_needs"].initial = [
            need for need, field in HOUSING_FIELDS.items() if getattr(self.instance, field)
        ]
        self.order_fields(
            [
                "house_code",
                "village",
                "head_name",
                "national_id",
                "members",
                "income_per_person",
                "survey_year",
                "source",
                "status",
                "dimensions",
                "housing_needs",
                "improvement_summary",
            ]
        )
        if self.instance.pk:
            self.fields["house_code"].disabled = True
            # Never put the full ID in the page: an empty box keeps the stored one.
            self.initial["national_id"] = ""
            if self.instance.national_id:
                self.fields["national_id"].help_text = gettext(
                    "Now %(masked)s. Leave empty to keep it."
                ) % {"masked": self.instance.masked_national_id}

    def clean_national_id(self):
        value = thai.arabic_digits(self.cleaned_data["national_id"] or "")
        value = value.replace("-", "").replace(" ", "").strip()
        if not value and self.instance.pk:
            return self.instance.national_id
        validate_national_id(value)
        return value

    def clean_survey_year(self):
        year = self.cleaned_data["survey_year"]
        if 1900 <= year <= 2200:
            raise ValidationError(
                gettext(
                    "%(year)s is a Christian Era year. Type the Buddhist Era year, e.g. %(be)s."
                )
                % {"year": year, "be": year + thai.BE_OFFSET}
            )
        if not 2500 <= year <= 2700:
            raise ValidationError(
                gettext("The survey year must be a Buddhist Era year from 2500 to 2700.")
            )
        return year

    def save(self, commit=True):
        """Save through ``household_save``; None (with the errors on the form) when refused."""
        household = self.instance
        needs = self.cleaned_data["housing_needs"]
        for need, field in HOUSING_FIELDS.items():
            setattr(household, field, need in needs)
        try:
            return services.household_save(
                user=self.user,
                household=household,
                village=self.cleaned_data["village"],
                dimensions=self.cleaned_data["dimensions"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class PlanForm(forms.ModelForm):
    made_on = ThaiDateField(label=_("Date made"))

    class Meta:
        model = DevelopmentPlan
        fields = [
            "made_on",
            "mentor_team",
            "needs_health",
            "needs_living",
            "needs_education",
            "needs_income",
            "needs_public_services",
            "commitments",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 2})
            for name in [
                "needs_health",
                "needs_living",
                "needs_education",
                "needs_income",
                "needs_public_services",
                "commitments",
            ]
        }

    def __init__(self, *args, user, household, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.household = user, household
        # Teams of the household's district that the user may edit.
        self.fields["mentor_team"].queryset = (
            MentorTeam.objects.editable_by(user)
            .in_area("district", household.district_id)
            .order_by("name")
        )

    def clean_made_on(self):
        made_on = self.cleaned_data["made_on"]
        if made_on and made_on > timezone.localdate():
            raise ValidationError(gettext("The plan date cannot be in the future."))
        return made_on

    def save(self, commit=True):
        try:
            return services.plan_save(user=self.user, household=self.household, plan=self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Up to three photos, each an image (checked with Pillow) of at most 5 MB."""

    widget = MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if len(files) > MAX_PHOTOS:
            raise ValidationError(
                gettext("Choose at most %(n)s photos.") % {"n": MAX_PHOTOS}, code="too_many"
            )
        for upload in files:
            check_photo(upload)
        return files


def check_photo(upload) -> None:
    """Refuse files over 5 MB and anything Pillow cannot verify as a JPEG, PNG or WebP image."""
    if upload.size > MAX_PHOTO_MB * 1024 * 1024:
        raise ValidationError(
            gettext("%(name)s is %(size).1f MB; a photo may be at most %(limit)s MB.")
            % {"name": upload.name, "size": upload.size / 1024 / 1024, "limit": MAX_PHOTO_MB},
            code="too_big",
        )
    try:
        upload.seek(0)
        with Image.open(upload) as image:
            kind = image.format
            image.verify()
    except Exception:  # Pillow raises many kinds of errors for broken or non-image files
        kind = None
    finally:
        upload.seek(0)
    if kind not in PHOTO_FORMATS:
        raise ValidationError(
            gettext("%(name)s is not a photo (JPEG, PNG or WebP).") % {"name": upload.name},
            code="not_image",
        )


class AssistanceForm(forms.Form):
    """One piece of help; the bulk page records it for every chosen household."""

    date = ThaiDateField(label=_("Date"))
    dimension = forms.ChoiceField(label=_("Dimension"), choices=Dimension.choices)
    phase = forms.ChoiceField(label=_("Phase"), choices=Phase.choices)
    agency = forms.CharField(label=_("Agency"), max_length=200)
    description = forms.CharField(
        label=_("What was given"), max_length=500, widget=forms.Textarea(attrs={"rows": 2})
    )
    value = BahtField(
        label=_("Value (baht)"),
        required=False,
        min_value=0,
        error_messages={"min_value": _("The value cannot be negative.")},
    )

    def __init__(self, *args, user, households, **kwargs):
        super().__init__(*args, **kwargs)
        self.user, self.households = user, list(households)

    def clean_date(self):
        return _not_in_future(self.cleaned_data["date"])

    def save(self):
        """The new Assistance rows (one per household), or None with the errors on the form."""
        data = self.cleaned_data
        try:
            return services.assistance_add(
                user=self.user,
                households=self.households,
                date=data["date"],
                dimension=data["dimension"],
                phase=data["phase"],
                agency=data["agency"],
                description=data["description"],
                value=data["value"],
            )
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


class AssistanceWithPhotosForm(AssistanceForm):
    photos = PhotosField(
        label=_("Photos"),
        required=False,
        help_text=_("Up to 3 photos (JPEG, PNG or WebP), each at most 5 MB."),
    )

    def save(self):
        records = super().save()
        if records and self.cleaned_data["photos"]:
            try:
                services.assistance_add_photos(
                    user=self.user, assistance=records[0], files=self.cleaned_data["photos"]
                )
            except ValidationError as exc:
                add_service_errors(self, exc)
                return None
        return records


class MentorTeamForm(forms.ModelForm):
    class Meta:
        model = MentorTeam
        fields = ["name", "district", "members"]
        labels = {"name": _("Team name"), "district": _("District"), "members": _("Team members")}
        widgets = {"members": forms.Textarea(attrs={"rows": 5})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        districts = District.objects.editable_by(user).order_by("code")
        self.fields["district"].queryset = districts
        self.fields["district"].label_from_instance = lambda d: f"{d.code} {d.name_th}"
        if not self.instance.pk and not self.initial.get("district") and user.district_id:
            self.initial["district"] = user.district_id

    def save(self, commit=True):
        try:
            return services.mentor_team_save(user=self.user, team=self.instance)
        except ValidationError as exc:
            add_service_errors(self, exc)
            return None


def team_warnings(team, household_count=None) -> list[str]:
    """Warnings (never errors) when a team is not 3-5 people or does not look after 10-15."""
    warnings = []
    members = len(team.member_list)
    if not 3 <= members <= 5:
        warnings.append(
            gettext("The team has %(n)s members; a mentor team usually has 3-5 people.")
            % {"n": members}
        )
    if household_count is not None and not 10 <= household_count <= 15:
        warnings.append(
            gettext(
                "The team looks after %(n)s households; a mentor team usually looks after 10-15."
            )
            % {"n": household_count}
        )
    return warnings
