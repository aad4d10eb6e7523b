"""Target poor households, their shortfalls, development plans, mentor teams and assistance."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaQuerySet, VillageCodesQuerySet

from .choices import DIMENSIONS, Dimension, Phase, Source, Status
from .validators import mask_national_id, validate_national_id

HOUSE_CODE = RegexValidator(r"^\d{11}$", _("The house code must be 11 digits."))


@register
class Household(models.Model):
    """A target household (ครัวเรือนเป้าหมาย). Area codes are copied from its village for fast
    filtering; ``helped_<dimension>_on`` keep the first assistance date per dimension."""

    house_code = models.CharField(
        _("house code"), max_length=11, unique=True, validators=[HOUSE_CODE]
    )
    village = models.ForeignKey(
        "villages.Village",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="households",
    )
    subdistrict = models.ForeignKey(
        "villages.Subdistrict", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    head_name = models.CharField(_("head of household"), max_length=200)
    national_id = models.CharField(
        _("national ID"), max_length=13, blank=True, validators=[validate_national_id]
    )
    members = models.PositiveSmallIntegerField(_("members"), validators=[MinValueValidator(1)])
    income_per_person = models.DecimalField(
        _("income per person per year (baht)"),
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(0)],
    )
    survey_year = models.PositiveSmallIntegerField(
        _("survey year (B.E.)"), validators=[MinValueValidator(2500), MaxValueValidator(2700)]
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.TARGET
    )

    fails_health = models.BooleanField(_("fails health"), default=False)
    fails_living = models.BooleanField(_("fails living conditions"), default=False)
    fails_education = models.BooleanField(_("fails education"), default=False)
    fails_income = models.BooleanField(_("fails income"), default=False)
    fails_public_services = models.BooleanField(_("fails access to public services"), default=False)

    helped_health_on = models.DateField(null=True, blank=True, editable=False)
    helped_living_on = models.DateField(null=True, blank=True, editable=False)
    helped_education_on = models.DateField(null=True, blank=True, editable=False)
    helped_income_on = models.DateField(null=True, blank=True, editable=False)
    helped_public_services_on = models.DateField(null=True, blank=True, editable=False)

    needs_house_repair = models.BooleanField(_("needs house repair or building"), default=False)
    needs_household_goods = models.BooleanField(_("needs household goods"), default=False)
    needs_toilet = models.BooleanField(_("needs a toilet repaired or built"), default=False)

    improvement_summary = models.TextField(_("how life improved"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VillageCodesQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["house_code"]
        indexes = [
            models.Index(fields=["district", "house_code"]),
            models.Index(fields=["province", "district"]),
            models.Index(fields=["subdistrict", "house_code"]),
        ]

    def __str__(self):
        return f"{self.head_name} ({self.house_code})"

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def failed_dimensions(self) -> list[str]:
        return [d for d in DIMENSIONS if getattr(self, f"fails_{d}")]

    def set_failed_dimensions(self, dimensions):
        for d in DIMENSIONS:
            setattr(self, f"fails_{d}", d in dimensions)

    def helped_on(self, dimension):
        return getattr(self, f"helped_{dimension}_on")

    def dimension_rows(self):
        """(dimension label, fails, helped on) for the household page."""
        return [
            (Dimension(d).label, getattr(self, f"fails_{d}"), self.helped_on(d)) for d in DIMENSIONS
        ]


class MentorTeamQuerySet(AreaQuerySet):
    area_lookups = {"province": "district__province_id", "district": "district_id"}


@register
class MentorTeam(models.Model):
    """ทีมพี่เลี้ยง: 3-5 people who look after 10-15 households."""

    district = models.ForeignKey(
        "villages.District", verbose_name=_("district"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("team name"), max_length=150)
    members = models.TextField(_("members"), help_text=_("One person per line: name, position"))

    objects = MentorTeamQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentor team")
        verbose_name_plural = _("mentor teams")
        ordering = ["district", "name"]

    def __str__(self):
        return self.name

    @property
    def member_list(self) -> list[str]:
        return [line.strip() for line in self.members.splitlines() if line.strip()]


class PlanQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "household__province_id",
        "district": "household__district_id",
        "subdistrict": "household__subdistrict_id",
        "village": "household__village__code",
    }


@register
class DevelopmentPlan(models.Model):
    """แผนพัฒนาครัวเรือน (ศจพ.3): made with the household by its mentor team."""

    household = models.OneToOneField(Household, on_delete=models.CASCADE, related_name="plan")
    made_on = models.DateField(_("date made"))
    mentor_team = models.ForeignKey(
        MentorTeam,
        verbose_name=_("mentor team"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
    )
    needs_health = models.TextField(_("needs: health"), blank=True)
    needs_living = models.TextField(_("needs: living conditions"), blank=True)
    needs_education = models.TextField(_("needs: education"), blank=True)
    needs_income = models.TextField(_("needs: income"), blank=True)
    needs_public_services = models.TextField(_("needs: access to public services"), blank=True)
    commitments = models.TextField(_("what the household commits to"), blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        verbose_name = _("development plan")
        verbose_name_plural = _("development plans")

    def __str__(self):
        return f"{_('Plan')} {self.household.house_code}"


class AssistanceQuerySet(PlanQuerySet):
    pass


@register
class Assistance(models.Model):
    """One piece of help given to a household (the TPMAP Logbook entry)."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="assistance")
    date = models.DateField(_("date"))
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)
    phase = models.CharField(_("phase"), max_length=8, choices=Phase.choices)
    agency = models.CharField(_("agency"), max_length=200)
    description = models.CharField(_("what was given"), max_length=500)
    value = models.DecimalField(
        _("value (baht)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        editable=False,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = AssistanceQuerySet.as_manager()

    class Meta:
        verbose_name = _("assistance")
        verbose_name_plural = _("assistance")
        ordering = ["-date", "-id"]
        indexes = [models.Index(fields=["household", "dimension", "date"])]

    def __str__(self):
        return (
            f"{self.get_dimension_display()} {self.description[:40]} ({self.household.house_code})"
        )


class AssistancePhoto(models.Model):
    assistance = models.ForeignKey(Assistance, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(_("photo"), upload_to="assistance/%Y/%m/")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.image.name


class IndicatorEdition(models.Model):
    """One edition of the จปฐ. indicator list (e.g. 2566-2570, 38 indicators)."""

    name = models.CharField(_("edition"), max_length=100, unique=True)
    first_year = models.PositiveSmallIntegerField(_("first survey year (B.E.)"))
    last_year = models.PositiveSmallIntegerField(_("last survey year (B.E.)"))

    class Meta:
        ordering = ["-first_year"]

    def __str__(self):
        return self.name


class Indicator(models.Model):
    edition = models.ForeignKey(
        IndicatorEdition, on_delete=models.CASCADE, related_name="indicators"
    )
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.CharField(_("indicator"), max_length=300)
    dimension = models.CharField(_("dimension"), max_length=16, choices=Dimension.choices)

    class Meta:
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(fields=["edition", "number"], name="indicator_number_unique")
        ]

    def __str__(self):
        return f"{self.number}. {self.text}"


class HouseholdIndicator(models.Model):
    """A numbered จปฐ. indicator the household fails (optional detail under a dimension)."""

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="failed_indicators"
    )
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["household", "indicator"], name="household_indicator_unique"
            )
        ]

    def __str__(self):
        return f"{self.household_id}: {self.indicator_id}"


class NationalIdReveal(models.Model):
    """Each time someone sees a household's full national ID."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True)
    source = models.CharField(max_length=16)

    class Meta:
        ordering = ["-at"]

    def __str__(self):
        return f"{self.user_id} {self.household_id} {self.at:%Y-%m-%d %H:%M}"
