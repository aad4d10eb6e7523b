from django.db import models
from django.utils.translation import gettext_lazy as _


class ProducerKind(models.TextChoices):
    GROUP = "group", _("Community enterprise group")
    SINGLE = "single", _("Single producer")
    SME = "sme", _("SME")


class Category(models.TextChoices):
    FOOD = "food", _("Food")
    BEVERAGE = "beverage", _("Beverages")
    TEXTILE = "textile", _("Textiles and garments")
    HOUSEHOLD = "household", _("Household goods, decorations and souvenirs")
    HERBAL = "herbal", _("Herbal products (not food)")


class Channel(models.TextChoices):
    OFFLINE = "offline", _("Offline")
    ONLINE = "online", _("Online")
