from django.db import models
from django.utils.translation import gettext_lazy as _


class VillageKind(models.TextChoices):
    VILLAGE = "village", _("Village")
    COMMUNITY = "community", _("Urban community")


class SvIndicatorKind(models.TextChoices):
    """The two groups of Sustainable Village indicators."""

    BASIC = "basic", _("Basic indicator")
    DIMENSION = "dimension", _("Dimension indicator")
