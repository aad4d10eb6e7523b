"""Sustainable Villages (หมู่บ้านยั่งยืน): the fiscal year's indicator set, the designated
villages and their monthly assessments.

Each fiscal year one target village is designated in every subdistrict, plus one community in
every municipality (Village.kind == community, counted apart from the subdistrict's village).
Progress is assessed monthly against the year's indicator set: 7 basic indicators and 56
indicators in 5 dimensions (the set changes by year, so the admin loads it from a file).
The models are imported by ``villages/models.py``.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaQuerySet, VillageCodesQuerySet

from .choices import SvIndicatorKind

BE_YEAR = [MinValueValidator(2540), MaxValueValidator(2700)]
DIMENSIONS = range(1, 6)


class SvAssessmentQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "designation__province_id",
        "district": "designation__district_id",
        "subdistrict": "designation__subdistrict_id",
        "village": "designation__village__code",
    }


@register
class SvIndicatorSet(models.Model):
    """The Sustainable Village indicators of one fiscal year (the same for every province)."""

    fiscal_year = models.PositiveSmallIntegerField(
        _("fiscal year (B.E.)"), unique=True, validators=BE_YEAR
    )
    name = models.CharField(_("name"), max_length=200)
    loaded_at = models.DateTimeField(_("loaded at"))
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("loaded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("sustainable village indicator set")
        verbose_name_plural = _("sustainable village indicator sets")
        ordering = ["-fiscal_year"]

    def __str__(self):
        return self.name


@register
class SvIndicator(models.Model):
    """One indicator: a basic one (no dimension) or one of a dimension (1-5)."""

    set = models.ForeignKey(
        SvIndicatorSet,
        verbose_name=_("indicator set"),
        on_delete=models.CASCADE,
        related_name="indicators",
    )
    code = models.CharField(_("indicator code"), max_length=20)
    kind = models.CharField(_("kind"), max_length=10, choices=SvIndicatorKind.choices)
    dimension = models.PositiveSmallIntegerField(
        _("dimension"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    number = models.PositiveSmallIntegerField(_("number"))
    name = models.CharField(_("indicator"), max_length=300)

    class Meta:
        verbose_name = _("sustainable village indicator")
        verbose_name_plural = _("sustainable village indicators")
        ordering = ["set", "kind", "dimension", "number"]
        constraints = [
            models.UniqueConstraint(fields=["set", "code"], name="sv_indicator_code_unique"),
            models.CheckConstraint(
                condition=Q(kind=SvIndicatorKind.BASIC, dimension__isnull=True)
                | Q(kind=SvIndicatorKind.DIMENSION, dimension__gte=1, dimension__lte=5),
                name="sv_indicator_dimension_by_kind",
            ),
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


@register
class SvDesignation(models.Model):
    """A village (or municipality community) designated a Sustainable Village for a fiscal
    year, with the households and people it covers. Province, district and subdistrict are
    copied from the village for scoping."""

    village = models.ForeignKey(
        "villages.Village",
        verbose_name=_("village"),
        on_delete=models.PROTECT,
        related_name="sv_designations",
    )
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (B.E.)"), validators=BE_YEAR)
    households = models.PositiveIntegerField(_("households"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)
    note = models.CharField(_("note"), max_length=300, blank=True)
    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    subdistrict = models.ForeignKey(
        "villages.Subdistrict", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = VillageCodesQuerySet.as_manager()

    class Meta:
        verbose_name = _("sustainable village")
        verbose_name_plural = _("sustainable villages")
        ordering = ["-fiscal_year", "village__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "fiscal_year"], name="sv_designation_village_year_unique"
            )
        ]
        indexes = [models.Index(fields=["fiscal_year", "province", "district"])]

    def __str__(self):
        return f"{self.village} {self.fiscal_year}"

    def save(self, *args, **kwargs):
        if self.village_id:
            sub = self.village.subdistrict_id
            self.subdistrict_id, self.district_id, self.province_id = sub, sub[:4], sub[:2]
        super().save(*args, **kwargs)


@register
class SvAssessment(models.Model):
    """One month's assessment of a designated village: the indicators it meets."""

    designation = models.ForeignKey(
        SvDesignation,
        verbose_name=_("sustainable village"),
        on_delete=models.CASCADE,
        related_name="assessments",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    indicators_met = models.ManyToManyField(
        SvIndicator,
        verbose_name=_("indicators met"),
        through="SvIndicatorMet",
        related_name="+",
        blank=True,
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = SvAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("sustainable village assessment")
        verbose_name_plural = _("sustainable village assessments")
        ordering = ["designation", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["designation", "month"], name="sv_assessment_designation_month_unique"
            ),
        ]

    def __str__(self):
        return f"{self.designation} {self.month:%Y-%m}"


@register
class SvIndicatorMet(models.Model):
    """An indicator a village meets in one monthly assessment (audited one by one)."""

    assessment = models.ForeignKey(SvAssessment, on_delete=models.CASCADE, related_name="met")
    indicator = models.ForeignKey(SvIndicator, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("indicator met")
        verbose_name_plural = _("indicators met")
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "indicator"], name="sv_indicator_met_unique"
            )
        ]

    def __str__(self):
        return f"{self.assessment}: {self.indicator.code}"
