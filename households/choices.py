from django.db import models
from django.utils.translation import gettext_lazy as _


class Dimension(models.TextChoices):
    """TPMAP's five dimensions of poverty."""

    HEALTH = "health", _("Health")
    LIVING = "living", _("Living conditions")
    EDUCATION = "education", _("Education")
    INCOME = "income", _("Income")
    PUBLIC_SERVICES = "public_services", _("Access to public services")


class Source(models.TextChoices):
    TPMAP = "tpmap", _("TPMAP")
    NEW = "new", _("Newly found")


class Status(models.TextChoices):
    TARGET = "target", _("Target")
    HAS_PLAN = "has_plan", _("Has a plan")
    BEING_HELPED = "being_helped", _("Being helped")
    PASSED = "passed", _("Passed")
    MOVED = "moved", _("Moved away")
    DECEASED = "deceased", _("Deceased")


class Phase(models.TextChoices):
    SHORT = "short", _("Short term (relief)")
    MEDIUM = "medium", _("Medium term (referral)")
    LONG = "long", _("Long term (work and income)")


class HousingNeed(models.TextChoices):
    REPAIR_HOUSE = "repair_house", _("Repair or build a house")
    HOUSEHOLD_GOODS = "household_goods", _("Household goods")
    TOILET = "toilet", _("Repair or build a toilet")


DIMENSIONS = [d.value for d in Dimension]
