"""OTOP: producers, their products (with the OPC star ratings they have held) and monthly
sales per producer and channel.

A sale row is one producer's sales in one month on one channel, optionally for one product.
Entering the same producer, month, channel and product again replaces the amount (the audit
trail keeps the old one), so a corrected month never counts twice.
"""

from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from audit.registry import register
from cdd.scoping import AreaCodesQuerySet, AreaQuerySet

from .choices import Category, Channel, ProducerKind

MONEY = {"max_digits": 14, "decimal_places": 2}
DEFAULT_FABRIC_FACTOR = Decimal("1.10")


class ProducerChildQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "producer__province_id",
        "district": "producer__district_id",
        "subdistrict": "producer__subdistrict_id",
    }


class RatingQuerySet(AreaQuerySet):
    area_lookups = {
        "province": "product__producer__province_id",
        "district": "product__producer__district_id",
        "subdistrict": "product__producer__subdistrict_id",
    }


@register
class Producer(models.Model):
    """An OTOP producer: a community enterprise group, a single producer or an SME. Province
    and district are copied from the subdistrict for fast filtering."""

    code = models.CharField(_("producer code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=8, choices=ProducerKind.choices)
    registration_no = models.CharField(_("registration number"), max_length=40, blank=True)
    province = models.ForeignKey(
        "villages.Province", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    district = models.ForeignKey(
        "villages.District", on_delete=models.PROTECT, editable=False, related_name="+"
    )
    subdistrict = models.ForeignKey(
        "villages.Subdistrict",
        verbose_name=_("subdistrict"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    shop_chumchon = models.BooleanField(_("has a shop on Shop ชุมชน (Click ชุมชน)"), default=False)
    other_online = models.CharField(
        _("other online channels"),
        max_length=200,
        blank=True,
        help_text=_("For example Facebook, LINE, Shopee"),
    )
    thai_fabric_group = models.BooleanField(_("Thai-fabric weaving group"), default=False)
    active = models.BooleanField(_("still producing"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AreaCodesQuerySet.as_manager()

    class Meta:
        verbose_name = _("OTOP producer")
        verbose_name_plural = _("OTOP producers")
        ordering = ["district_id", "code"]
        indexes = [models.Index(fields=["province", "district"])]

    def __str__(self):
        return f"{self.code} {self.name}"

    def save(self, *args, **kwargs):
        if self.subdistrict_id:
            self.district_id = self.subdistrict_id[:4]
            self.province_id = self.subdistrict_id[:2]
        super().save(*args, **kwargs)

    @property
    def sells_online(self) -> bool:
        return self.shop_chumchon or bool(self.other_online)


@register
class Product(models.Model):
    """A product of one producer. ``stars`` and ``stars_year`` are its latest OPC rating;
    every rating it has held is in ``StarRating``."""

    code = models.CharField(_("product code"), max_length=30, unique=True)
    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="products"
    )
    name = models.CharField(_("product name"), max_length=200)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    stars = models.PositiveSmallIntegerField(
        _("OPC stars"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    stars_year = models.PositiveSmallIntegerField(
        _("selection year (BE)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(2540), MaxValueValidator(2700)],
    )
    thai_fabric = models.BooleanField(_("Thai fabric"), default=False)
    price = models.DecimalField(
        _("price (baht)"), **MONEY, null=True, blank=True, validators=[MinValueValidator(0)]
    )
    photo = models.ImageField(_("photo"), upload_to="otop/products/", blank=True)
    active = models.BooleanField(_("still sold"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProducerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("OTOP product")
        verbose_name_plural = _("OTOP products")
        ordering = ["producer__code", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stars__isnull=True) | Q(stars__gte=0, stars__lte=5),
                name="otop_product_stars_0_5",
            )
        ]

    def __str__(self):
        return f"{self.code} {self.name}"


@register
class StarRating(models.Model):
    """One OPC selection result of a product (held every two years)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="ratings")
    year = models.PositiveSmallIntegerField(
        _("selection year (BE)"), validators=[MinValueValidator(2540), MaxValueValidator(2700)]
    )
    stars = models.PositiveSmallIntegerField(
        _("OPC stars"), validators=[MinValueValidator(0), MaxValueValidator(5)]
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RatingQuerySet.as_manager()

    class Meta:
        verbose_name = _("OPC star rating")
        verbose_name_plural = _("OPC star ratings")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["product", "year"], name="otop_rating_year"),
            models.CheckConstraint(condition=Q(stars__gte=0, stars__lte=5), name="otop_rating_0_5"),
        ]

    def __str__(self):
        return f"{self.product.code} {self.year}: {self.stars}"


@register
class Sale(models.Model):
    """One producer's sales in one month on one channel (optionally of one product)."""

    producer = models.ForeignKey(
        Producer, verbose_name=_("producer"), on_delete=models.PROTECT, related_name="sales"
    )
    product = models.ForeignKey(
        Product,
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sales",
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    channel_detail = models.CharField(
        _("channel detail"), max_length=100, blank=True, help_text=_("For example a fair, Facebook")
    )
    amount = models.DecimalField(_("sales (baht)"), **MONEY, validators=[MinValueValidator(0)])
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProducerChildQuerySet.as_manager()

    class Meta:
        verbose_name = _("OTOP sales")
        verbose_name_plural = _("OTOP sales")
        ordering = ["-month", "producer_id", "channel"]
        constraints = [
            # One row per producer, month, channel and product; "no product" counts as one.
            models.UniqueConstraint(
                fields=["producer", "month", "channel"],
                condition=Q(product__isnull=True),
                name="otop_sale_no_product",
            ),
            models.UniqueConstraint(
                fields=["producer", "product", "month", "channel"],
                condition=Q(product__isnull=False),
                name="otop_sale_product",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="otop_sale_not_negative"),
        ]
        indexes = [models.Index(fields=["month", "producer"])]

    def __str__(self):
        product = f" {self.product.code}" if self.product_id else ""
        return f"{self.producer.code}{product} {self.month:%Y-%m} {self.channel} {self.amount}"


@register
class FabricTargetFactor(models.Model):
    """The Thai-fabric sales target of a fiscal year: the previous year's sales x factor."""

    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year (BE)"), unique=True)
    factor = models.DecimalField(
        _("target factor"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        default=DEFAULT_FABRIC_FACTOR,
    )

    class Meta:
        verbose_name = _("Thai-fabric target factor")
        verbose_name_plural = _("Thai-fabric target factors")
        ordering = ["-fiscal_year"]

    def __str__(self):
        return f"{self.fiscal_year}: x{self.factor}"
