"""Writes to the OTOP records: producers, products (with their OPC ratings), monthly sales and
the Thai-fabric target factor. Every path (forms, API, import) goes through these."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.choices import Role
from audit.context import attributed
from cdd.thai import baht, fiscal_year
from villages.models import Subdistrict

from .choices import Channel
from .models import FabricTargetFactor, Producer, Product, Sale, StarRating

STARS = range(0, 6)
BE_YEARS = (2540, 2700)


# ---------------------------------------------------------------- producers


@attributed
@transaction.atomic
def producer_save(*, user, producer: Producer, subdistrict: Subdistrict) -> Producer:
    """Create or update a producer in a subdistrict of the user's area. Its district and
    province follow the subdistrict."""
    if producer.pk and not Producer.objects.editable_by(user).filter(pk=producer.pk).exists():
        raise PermissionDenied
    if subdistrict is None or not (
        Subdistrict.objects.editable_by(user).filter(pk=subdistrict.pk).exists()
    ):
        raise ValidationError({"subdistrict": _("This subdistrict is outside your area.")})
    producer.subdistrict = subdistrict
    producer.district_id, producer.province_id = subdistrict.pk[:4], subdistrict.pk[:2]
    producer.code = (producer.code or "").strip()
    if Producer.objects.filter(code=producer.code).exclude(pk=producer.pk).exists():
        raise ValidationError(
            {"code": _("Producer code %(code)s is already used.") % {"code": producer.code}}
        )
    producer.full_clean(validate_unique=False)
    producer.save()
    return producer


# ---------------------------------------------------------------- products


def current_stars_year() -> int:
    """The BE year a rating entered today is filed under: the current fiscal year."""
    return fiscal_year(timezone.localdate())


@attributed
@transaction.atomic
def product_save(
    *, user, product: Product, stars: int | None = None, stars_year: int | None = None
) -> Product:
    """Create or update a product of a producer in the user's area.

    ``stars`` (0-5) is an OPC selection result: it becomes the product's current rating and is
    kept in ``StarRating`` under ``stars_year`` (BE; the current fiscal year when not given),
    so the ratings of earlier selections (held every two years) stay on record. Without
    ``stars`` the product's rating is left as it is.
    """
    if product.pk and not Product.objects.editable_by(user).filter(pk=product.pk).exists():
        raise PermissionDenied
    if not product.producer_id or not (
        Producer.objects.editable_by(user).filter(pk=product.producer_id).exists()
    ):
        raise ValidationError({"producer": _("This producer is outside your area.")})
    errors = {}
    if stars is not None:
        if stars not in STARS:
            errors["stars"] = _("OPC stars must be from 0 to 5; got %(value)s.") % {"value": stars}
        if stars_year is None:
            stars_year = current_stars_year()
        if not BE_YEARS[0] <= stars_year <= BE_YEARS[1]:
            errors["stars_year"] = _(
                "The selection year must be a B.E. year from %(first)s to %(last)s; got %(value)s."
            ) % {"first": BE_YEARS[0], "last": BE_YEARS[1], "value": stars_year}
    product.code = (product.code or "").strip()
    if Product.objects.filter(code=product.code).exclude(pk=product.pk).exists():
        errors["code"] = _("Product code %(code)s is already used.") % {"code": product.code}
    if product.pk:
        before = Product.objects.filter(pk=product.pk).values_list("producer_id", flat=True)[0]
        moved = before != product.producer_id
        if moved and Sale.objects.filter(product_id=product.pk).exists():
            errors["producer"] = _(
                "This product already has sales recorded under its producer; it cannot move "
                "to another producer."
            )
    if errors:
        raise ValidationError(errors)
    if stars is not None:
        product.stars, product.stars_year = stars, stars_year
    product.full_clean(validate_unique=False)
    product.save()
    if stars is not None:
        StarRating.objects.update_or_create(
            product=product, year=stars_year, defaults={"stars": stars}
        )
    return product


# ---------------------------------------------------------------- sales


def _row(number: int, message: str) -> str:
    return _("Row %(n)s: %(message)s") % {"n": number, "message": message}


def _sale_key(producer_id, product_id, channel):
    return (producer_id, product_id, channel)


@attributed
@transaction.atomic
def sales_save_month(*, user, month: date, entries) -> tuple[int, int, int]:
    """Record one month's sales: ``entries`` are dicts ``{producer, product (or None), channel,
    amount (Decimal or None), channel_detail ("" by default)}``.

    A producer, product, month and channel already entered is replaced (never added twice);
    each changed row is saved on its own so the audit trail keeps the amount before and after.
    An entry without an amount leaves the stored row as it is (only a new channel detail is
    written to a row that exists). All or nothing: a ValidationError lists every bad entry as
    "Row N: ..." (entries counted from 1). Returns ``(created, updated, unchanged)``.
    """
    month = month.replace(day=1)
    if month > timezone.localdate():
        raise ValidationError({"month": _("The month cannot be in the future.")})
    entries = list(entries)
    producer_ids = {e["producer"].pk for e in entries}
    allowed = set(
        Producer.objects.editable_by(user).filter(pk__in=producer_ids).values_list("pk", flat=True)
    )
    existing = {
        _sale_key(s.producer_id, s.product_id, s.channel): s
        for s in Sale.objects.select_for_update(of=("self",))
        .filter(producer_id__in=producer_ids, month=month)
        .select_related("producer", "product")
    }
    errors, seen, work = [], {}, []
    for number, entry in enumerate(entries, start=1):
        producer, product = entry["producer"], entry.get("product")
        channel, amount = entry.get("channel"), entry.get("amount")
        detail = (entry.get("channel_detail") or "").strip()
        problems = []
        if producer.pk not in allowed:
            problems.append(_("producer %(code)s is outside your area.") % {"code": producer.code})
        if product is not None and product.producer_id != producer.pk:
            problems.append(
                _("product %(product)s is not a product of producer %(producer)s.")
                % {"product": product.code, "producer": producer.code}
            )
        if channel not in Channel.values:
            problems.append(
                _("Unknown sales channel %(value)s; use %(allowed)s.")
                % {"value": channel, "allowed": ", ".join(Channel.values)}
            )
        if amount is not None and amount < 0:
            problems.append(
                _("The amount cannot be negative; got %(value)s.") % {"value": baht(amount)}
            )
        if len(detail) > 100:
            problems.append(_("The channel detail is longer than 100 characters."))
        key = _sale_key(producer.pk, product.pk if product else None, channel)
        if not problems and key in seen:
            problems.append(
                _("the same producer, product and channel as row %(row)s.") % {"row": seen[key]}
            )
        seen.setdefault(key, number)
        if problems:
            errors += [_row(number, p) for p in problems]
            continue
        work.append((key, producer, product, channel, amount, detail))
    if errors:
        raise ValidationError(errors)
    created = updated = unchanged = 0
    for key, producer, product, channel, amount, detail in work:
        sale = existing.get(key)
        if amount is None:
            if sale is not None and sale.channel_detail != detail:
                sale.channel_detail = detail
                sale.save()
                updated += 1
            else:
                unchanged += 1
            continue
        if sale is None:
            Sale(
                producer=producer,
                product=product,
                month=month,
                channel=channel,
                amount=amount,
                channel_detail=detail,
            ).save()
            created += 1
        elif sale.amount != amount or sale.channel_detail != detail:
            sale.amount, sale.channel_detail = amount, detail
            sale.save()  # the audit entry keeps the amount before and after
            updated += 1
        else:
            unchanged += 1
    return created, updated, unchanged


@attributed
@transaction.atomic
def sale_delete(*, user, sale: Sale) -> None:
    """Remove a sales row entered by mistake (the audit trail keeps what it held)."""
    if not Sale.objects.editable_by(user).filter(pk=sale.pk).exists():
        raise PermissionDenied
    sale.delete()


# ---------------------------------------------------------------- Thai-fabric target


def may_set_factor(user) -> bool:
    """Only system admins: the factor is national (one row per fiscal year for every
    province), so a provincial admin changing it would move every other province's target.
    The Department announces the factor; a system admin enters it."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    return user.is_superuser or user.role == Role.SYSTEM_ADMIN


@attributed
@transaction.atomic
def factor_save(*, user, fiscal_year: int, factor: Decimal) -> FabricTargetFactor:
    """Set the Thai-fabric target factor of a fiscal year (BE): the target is the previous
    fiscal year's Thai-fabric sales x factor (1.10 when no factor is set). System admins only
    (see ``may_set_factor``)."""
    if not may_set_factor(user):
        raise PermissionDenied
    errors = {}
    if not BE_YEARS[0] <= int(fiscal_year) <= BE_YEARS[1]:
        errors["fiscal_year"] = _("%(value)s is not a B.E. year.") % {"value": fiscal_year}
    if factor is None or factor <= 0:
        errors["factor"] = _("The target factor must be more than zero.")
    if errors:
        raise ValidationError(errors)
    obj = FabricTargetFactor.objects.filter(fiscal_year=fiscal_year).first()
    obj = obj or FabricTargetFactor(fiscal_year=fiscal_year)
    obj.factor = Decimal(factor)
    obj.full_clean(validate_unique=False)
    obj.save()
    return obj
