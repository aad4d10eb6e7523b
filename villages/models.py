"""Official geography: provinces, districts, subdistricts (from geothai) and villages."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaQuerySet

from .choices import VillageKind

VILLAGE_CODE = RegexValidator(r"^\d{8}$", _("The village code must be 8 digits."))


class ProvinceQuerySet(AreaQuerySet):
    area_lookups = {"province": "code"}


class DistrictQuerySet(AreaQuerySet):
    area_lookups = {"province": "province_id", "district": "code"}


class SubdistrictQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "district__province_id",
        "district": "district_id",
        "subdistrict": "code",
    }


class VillageQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "subdistrict__district__province_id",
        "district": "subdistrict__district_id",
        "subdistrict": "subdistrict_id",
        "village": "code",
    }


class Area(models.Model):
    code = models.CharField(_("code"), max_length=8, primary_key=True)
    name_th = models.CharField(_("name (Thai)"), max_length=150)
    name_en = models.CharField(_("name (English)"), max_length=150, blank=True)

    class Meta:
        abstract = True
        ordering = ["code"]

    def __str__(self):
        return self.name_th


@register
class Province(Area):
    """จังหวัด, 2-digit DOPA code."""

    objects = ProvinceQuerySet.as_manager()

    class Meta(Area.Meta):
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


@register
class District(Area):
    """อำเภอ, 4-digit DOPA code."""

    province = models.ForeignKey(
        Province, verbose_name=_("province"), on_delete=models.PROTECT, related_name="districts"
    )
    objects = DistrictQuerySet.as_manager()

    class Meta(Area.Meta):
        verbose_name = _("district")
        verbose_name_plural = _("districts")


@register
class Subdistrict(Area):
    """ตำบล, 6-digit DOPA code."""

    district = models.ForeignKey(
        District, verbose_name=_("district"), on_delete=models.PROTECT, related_name="subdistricts"
    )
    postal_codes = models.CharField(_("postal codes"), max_length=60, blank=True)
    objects = SubdistrictQuerySet.as_manager()

    class Meta(Area.Meta):
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")


@register
class Village(models.Model):
    """หมู่บ้าน or urban community: 8-digit code = subdistrict code + 2-digit หมู่ number."""

    code = models.CharField(_("village code"), max_length=8, unique=True, validators=[VILLAGE_CODE])
    subdistrict = models.ForeignKey(
        Subdistrict,
        verbose_name=_("subdistrict"),
        on_delete=models.PROTECT,
        related_name="villages",
    )
    name = models.CharField(_("village name"), max_length=150)
    kind = models.CharField(
        _("kind"), max_length=16, choices=VillageKind.choices, default=VillageKind.VILLAGE
    )

    objects = VillageQuerySet.as_manager()

    class Meta:
        verbose_name = _("village")
        verbose_name_plural = _("villages")
        ordering = ["code"]

    def __str__(self):
        return f"{self.name} ({self.code})"

    @property
    def moo(self) -> int:
        return int(self.code[6:])


# Sustainable Villages (หมู่บ้านยั่งยืน) live in their own module; imported here so Django
# finds the models.
from .sustainable import (  # noqa: E402, F401
    SvAssessment,
    SvDesignation,
    SvIndicator,
    SvIndicatorMet,
    SvIndicatorSet,
)
