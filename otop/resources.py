"""Import resources `otop_producers`, `otop_products` and `otop_sales` (CONTRACT.md column
keys; the optional extra columns are in docs/IMPORTS.md).

An optional column left empty (or missing from the file) keeps what is stored, so a short
file never wipes details typed in the browser. `otop_sales` is read in bulk: producers,
products and the sales already stored for the file's months are loaded in a few queries, and
new and changed rows are written with bulk statements and audited with before/after.
"""

from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from audit.registry import snapshot
from audit.services import record_bulk, record_created, record_updated
from cdd.thai import arabic_digits
from imports import parsers
from imports.engine import (
    SAVE_CHUNK,
    BulkChanges,
    CellError,
    Column,
    Resource,
    RowError,
    by_code,
    check_code,
    chunks,
    code_rows,
    copy_csv,
    editable_codes,
    register,
    reserve_ids,
)
from villages.models import Subdistrict

from .choices import Category, Channel, ProducerKind
from .models import Producer, Product, Sale, StarRating
from .services import STARS, current_stars_year

COPY_CHUNK = 20000
CENT = Decimal("0.01")
SALE_COLUMNS = [
    "id",
    "producer_id",
    "product_id",
    "month",
    "channel",
    "channel_detail",
    "amount",
    "updated_at",
]
SUBDISTRICT_CODE = (
    gettext_lazy("No subdistrict has code %(code)s."),
    gettext_lazy("Subdistrict %(code)s is outside your area."),
)
PRODUCER_CODE = (
    gettext_lazy("No OTOP producer has code %(code)s."),
    gettext_lazy("Producer %(code)s is outside your area."),
)

KIND_ALIASES = {
    "กลุ่ม": ProducerKind.GROUP,
    "กลุ่มวิสาหกิจชุมชน": ProducerKind.GROUP,
    "วิสาหกิจชุมชน": ProducerKind.GROUP,
    "ผู้ผลิตชุมชน": ProducerKind.GROUP,
    "รายเดียว": ProducerKind.SINGLE,
    "ผู้ผลิตรายเดียว": ProducerKind.SINGLE,
    "ผู้ผลิตที่เป็นเจ้าของรายเดียว": ProducerKind.SINGLE,
    "ผู้ประกอบการ sme": ProducerKind.SME,
    "ผู้ประกอบการ": ProducerKind.SME,
}
CATEGORY_ALIASES = {
    "อาหาร": Category.FOOD,
    "เครื่องดื่ม": Category.BEVERAGE,
    "ผ้า": Category.TEXTILE,
    "ผ้า เครื่องแต่งกาย": Category.TEXTILE,
    "ผ้าและเครื่องแต่งกาย": Category.TEXTILE,
    "ของใช้": Category.HOUSEHOLD,
    "ของใช้ ของตกแต่ง ของที่ระลึก": Category.HOUSEHOLD,
    "สมุนไพร": Category.HERBAL,
    "สมุนไพรที่ไม่ใช่อาหาร": Category.HERBAL,
}
CHANNEL_ALIASES = {"ออฟไลน์": Channel.OFFLINE, "ออนไลน์": Channel.ONLINE}


def stars(raw):
    value = str(int(raw)) if isinstance(raw, float) and raw.is_integer() else str(raw).strip()
    value = arabic_digits(value)
    if value not in {str(n) for n in STARS}:
        raise CellError(_("OPC stars must be from 0 to 5; got %(value)s.") % {"value": value[:20]})
    return int(value)


def _apply(obj, values: dict) -> bool:
    """Set the values that are given (None keeps the stored value); whether anything changed."""
    changed = False
    for field, value in values.items():
        if value is not None and getattr(obj, field) != value:
            setattr(obj, field, value)
            changed = True
    return changed


# ---------------------------------------------------------------- otop_producers


@register
class ProducerResource(Resource):
    name = "otop_producers"
    label = gettext_lazy("OTOP producers")
    model = Producer
    key = "code"
    columns = [
        Column("code", gettext_lazy("Producer code"), parsers.text(20)),
        Column("name", gettext_lazy("Producer name"), parsers.text(200)),
        Column(
            "kind",
            gettext_lazy("Kind of producer"),
            parsers.choice(ProducerKind, aliases=KIND_ALIASES),
        ),
        Column("subdistrict_code", gettext_lazy("Subdistrict code"), parsers.digits(6)),
        Column(
            "registration_no",
            gettext_lazy("Registration number"),
            parsers.text(40),
            required=False,
        ),
        Column("contact_name", gettext_lazy("Contact person"), parsers.text(200), required=False),
        Column("phone", gettext_lazy("Phone"), parsers.text(40), required=False),
        Column("address", gettext_lazy("Address"), parsers.text(300), required=False),
        Column(
            "shop_chumchon",
            gettext_lazy("Sells on Shop ชุมชน (Click ชุมชน)"),
            parsers.yes_no,
            required=False,
        ),
        Column(
            "other_online",
            gettext_lazy("Other online channels"),
            parsers.text(200),
            required=False,
        ),
        Column(
            "thai_fabric_group",
            gettext_lazy("Thai-fabric weaving group"),
            parsers.yes_no,
            required=False,
        ),
        Column("active", gettext_lazy("Still producing"), parsers.yes_no, required=False),
    ]
    REQUIRED = ["name", "kind"]
    OPTIONAL = [
        "registration_no",
        "contact_name",
        "phone",
        "address",
        "shop_chumchon",
        "other_online",
        "thai_fabric_group",
        "active",
    ]

    def prepare(self, user, rows):
        codes = {r["code"] for r in rows}
        subdistricts = {r["subdistrict_code"] for r in rows}
        return {
            "existing": by_code(Producer.objects.select_related("district"), codes),
            "editable": editable_codes(Producer, user, codes),
            "subdistricts": set(code_rows(Subdistrict, subdistricts)),
            "allowed": editable_codes(Subdistrict, user, subdistricts),
        }

    def validate(self, ctx, row, number, errors):
        sub = row["subdistrict_code"]
        known, allowed = ctx["subdistricts"], ctx["allowed"]
        check_code(errors, number, "subdistrict_code", sub, known, allowed, SUBDISTRICT_CODE)
        producer = ctx["existing"].get(row["code"])
        if producer is not None and producer.code not in ctx["editable"]:
            errors.append(
                RowError(
                    number,
                    "code",
                    _("Producer code %(code)s is already used in %(district)s.")
                    % {"code": row["code"], "district": producer.district},
                )
            )

    def save(self, ctx, rows, *, write):
        bulk = BulkChanges(Producer)
        now = timezone.now()
        fields = ["subdistrict_id", "district_id", "province_id", *self.REQUIRED, *self.OPTIONAL]
        for row in rows:
            sub = row["subdistrict_code"]
            values = {
                "subdistrict_id": sub,
                "district_id": sub[:4],
                "province_id": sub[:2],
                **{f: row[f] for f in self.REQUIRED},
                **{f: row[f] for f in self.OPTIONAL},
            }
            producer = ctx["existing"].get(row["code"])
            if producer is None:
                producer = Producer(code=row["code"], created_at=now, updated_at=now)
                _apply(producer, values)
                bulk.create(producer)
                continue
            before = snapshot(producer)
            if _apply(producer, values):
                producer.updated_at = now
                bulk.update(producer, before)
            else:
                bulk.keep()
        if write:
            bulk.write([*fields, "updated_at"])
        return bulk.counts()


# ---------------------------------------------------------------- otop_products


@register
class ProductResource(Resource):
    """A product's stars are its latest OPC rating: a new rating (stars or year differing
    from the stored ones) is also kept in the rating history under its selection year (the
    current fiscal year when the file gives none). The same stars again change nothing."""

    name = "otop_products"
    label = gettext_lazy("OTOP products")
    model = Product
    key = "code"
    columns = [
        Column("code", gettext_lazy("Product code"), parsers.text(30)),
        Column("producer_code", gettext_lazy("Producer code"), parsers.text(20)),
        Column("name", gettext_lazy("Product name"), parsers.text(200)),
        Column(
            "category",
            gettext_lazy("Category"),
            parsers.choice(Category, aliases=CATEGORY_ALIASES),
        ),
        Column("stars", gettext_lazy("OPC stars"), stars, required=False),
        Column("thai_fabric", gettext_lazy("Thai fabric"), parsers.yes_no, required=False),
        Column(
            "stars_year", gettext_lazy("Selection year (B.E.)"), parsers.be_year, required=False
        ),
        Column("price", gettext_lazy("Price (baht)"), parsers.baht(), required=False),
    ]
    FIELDS = ["producer_id", "name", "category", "thai_fabric", "price"]

    def prepare(self, user, rows):
        codes = {r["code"] for r in rows}
        producer_codes = {r["producer_code"] for r in rows}
        return {
            "existing": by_code(Product.objects.select_related("producer"), codes),
            "producers": code_rows(Producer, producer_codes),
            "allowed": editable_codes(Producer, user, producer_codes),
            "this_year": current_stars_year(),
        }

    def validate(self, ctx, row, number, errors):
        def err(column, message):
            errors.append(RowError(number, column, message))

        code = row["producer_code"]
        check_code(
            errors, number, "producer_code", code, ctx["producers"], ctx["allowed"], PRODUCER_CODE
        )
        product = ctx["existing"].get(row["code"])
        if product is not None and product.producer.code != code:
            err(
                "code",
                _("Product %(product)s belongs to producer %(producer)s, not %(code)s.")
                % {"product": row["code"], "producer": product.producer.code, "code": code},
            )
        if row["stars"] is None and row["stars_year"] is not None:
            err(
                "stars",
                _("Give the stars of the selection year %(year)s.") % {"year": row["stars_year"]},
            )

    def _rating(self, ctx, product, row):
        """(stars, year) when the row gives a new rating for the product, else None."""
        if row["stars"] is None:
            return None
        year = row["stars_year"]
        if product is not None and product.stars == row["stars"]:
            if year is None or year == product.stars_year:
                return None
        return row["stars"], year or ctx["this_year"]

    def save(self, ctx, rows, *, write):
        bulk, ratings = BulkChanges(Product), []
        now = timezone.now()
        for row in rows:
            producer_id = ctx["producers"][row["producer_code"]][0]
            values = {
                "producer_id": producer_id,
                "name": row["name"],
                "category": row["category"],
                "thai_fabric": row["thai_fabric"],
                "price": row["price"],
            }
            product = ctx["existing"].get(row["code"])
            rating = self._rating(ctx, product, row)
            if product is None:
                product = Product(code=row["code"], created_at=now, updated_at=now)
                if values["thai_fabric"] is None:
                    values["thai_fabric"] = False
                _apply(product, values)
                if rating:
                    product.stars, product.stars_year = rating
                bulk.create(product)
            else:
                before = snapshot(product)
                changed = _apply(product, values)
                if rating:
                    product.stars, product.stars_year = rating
                if changed or rating:
                    product.updated_at = now
                    bulk.update(product, before)
                else:
                    bulk.keep()
            if rating:
                ratings.append((product, *rating))
        if write:
            bulk.write([*self.FIELDS, "stars", "stars_year", "updated_at"])
            self._write_ratings(ratings)
        return bulk.counts()

    @staticmethod
    def _write_ratings(ratings):
        """Upsert one StarRating per (product, year); a rating already held is replaced."""
        if not ratings:
            return
        stored = {}
        for chunk in chunks([p.pk for p, _s, _y in ratings]):
            stored.update(
                {(r.product_id, r.year): r for r in StarRating.objects.filter(product_id__in=chunk)}
            )
        bulk = BulkChanges(StarRating)
        for product, value, year in ratings:
            rating = stored.get((product.pk, year))
            if rating is None:
                bulk.create(StarRating(product=product, year=year, stars=value))
            elif rating.stars != value:
                before = snapshot(rating)
                rating.stars = value
                bulk.update(rating, before)
        bulk.write(["stars"])


# ---------------------------------------------------------------- otop_sales


@register
class SaleResource(Resource):
    """A row for a producer, month, channel and product already stored replaces its amount
    (audited before/after); the same file again changes nothing. The key is
    producer_code+month+channel+product_code; the same key twice in one file is refused."""

    name = "otop_sales"
    label = gettext_lazy("OTOP monthly sales")
    model = Sale
    key = None  # producer_code + month + channel + product_code, checked in validate
    columns = [
        Column("producer_code", gettext_lazy("Producer code"), parsers.text(20)),
        Column("product_code", gettext_lazy("Product code"), parsers.text(30), required=False),
        Column("month", gettext_lazy("Month"), parsers.a_month),
        Column(
            "channel",
            gettext_lazy("Sales channel"),
            parsers.choice(Channel, aliases=CHANNEL_ALIASES),
        ),
        Column("amount", gettext_lazy("Sales (baht)"), parsers.baht()),
        Column("channel_detail", gettext_lazy("Channel detail"), parsers.text(100), required=False),
    ]

    def prepare(self, user, rows):
        producer_codes = {r["producer_code"] for r in rows}
        # code -> (id, code, thai_fabric_group): the stub objects below need only these.
        producers = code_rows(Producer, producer_codes)
        product_codes = {r["product_code"] for r in rows if r["product_code"]}
        products = code_rows(Product, product_codes, values=("pk", "code", "producer_id"))
        months = sorted({r["month"] for r in rows})
        existing = {}
        ids = [p[0] for p in producers.values()]
        for chunk in chunks(ids):
            for sale in Sale.objects.filter(producer_id__in=chunk, month__in=months).values_list(
                "pk",
                "producer_id",
                "product_id",
                "month",
                "channel",
                "amount",
                "channel_detail",
                "updated_at",
            ):
                existing[sale[1:5]] = sale
        return {
            "producers": producers,
            "products": products,
            "allowed": editable_codes(Producer, user, producer_codes),
            "existing": existing,
            "this_month": timezone.localdate().replace(day=1),
            "seen": {},
        }

    def validate(self, ctx, row, number, errors):
        def err(column, message):
            errors.append(RowError(number, column, message))

        code = row["producer_code"]
        producer = ctx["producers"].get(code)
        check_code(
            errors, number, "producer_code", code, ctx["producers"], ctx["allowed"], PRODUCER_CODE
        )
        product_code = row["product_code"]
        if product_code:
            product = ctx["products"].get(product_code)
            if product is None:
                err(
                    "product_code", _("No OTOP product has code %(code)s.") % {"code": product_code}
                )
            elif producer is not None and product[2] != producer[0]:
                err(
                    "product_code",
                    _("Product %(product)s is not a product of producer %(producer)s.")
                    % {"product": product_code, "producer": code},
                )
        if row["month"] > ctx["this_month"]:
            err(
                "month",
                _("%(month)s is in the future: sales are entered for months that have begun.")
                % {"month": row["month"].strftime("%Y-%m")},
            )
        key = (code, product_code, row["month"], row["channel"])
        if key in ctx["seen"]:
            err(
                "producer_code",
                _("Duplicate of row %(row)s in this file.") % {"row": ctx["seen"][key]},
            )
        else:
            ctx["seen"][key] = number

    def save(self, ctx, rows, *, write):
        created, updated = [], []
        unchanged = 0
        now = timezone.now()
        for row in rows:
            producer_id = ctx["producers"][row["producer_code"]][0]
            product_code = row["product_code"] or None
            product_id = ctx["products"][product_code][0] if product_code else None
            amount = row["amount"].quantize(CENT)
            stored = ctx["existing"].get((producer_id, product_id, row["month"], row["channel"]))
            if stored is None:
                # A plain tuple: model instances are built only where the database needs them.
                created.append(
                    NewSale(
                        producer_id,
                        row["producer_code"],
                        product_id,
                        product_code,
                        row["month"],
                        row["channel"],
                        row["channel_detail"] or "",
                        amount,
                    )
                )
                continue
            pk, _p, _pr, _m, _c, old_amount, old_detail, old_time = stored
            old_amount = Decimal(old_amount).quantize(CENT)
            detail = old_detail if row["channel_detail"] is None else row["channel_detail"]
            if old_amount == amount and detail == old_detail:
                unchanged += 1
                continue
            sale = NewSale(
                producer_id,
                row["producer_code"],
                product_id,
                product_code,
                row["month"],
                row["channel"],
                detail,
                amount,
            )
            updated.append((pk, sale, old_amount, old_detail, old_time))
        if write:
            if connection.vendor == "postgresql":
                _copy_sales(created, now)
            else:
                instances = [new.instance(updated_at=now) for new in created]
                Sale.objects.bulk_create(instances, batch_size=SAVE_CHUNK)
                record_bulk(Sale, [("create", sale, None) for sale in instances])
            _update_sales(updated, now)
        return len(created), len(updated), unchanged


class NewSale(NamedTuple):
    producer_id: int
    producer_code: str
    product_id: int | None
    product_code: str | None
    month: date
    channel: str
    channel_detail: str
    amount: Decimal

    def instance(self, **extra) -> Sale:
        """The Sale, with its producer and product known by code (``str(sale)`` in the audit
        entry reads them without a query)."""
        product = None
        if self.product_id is not None:
            product = Product(pk=self.product_id, code=self.product_code)
        return Sale(
            producer=Producer(pk=self.producer_id, code=self.producer_code),
            product=product,
            month=self.month,
            channel=self.channel,
            channel_detail=self.channel_detail,
            amount=self.amount,
            **extra,
        )

    def text(self) -> str:
        """``str()`` of the Sale it becomes."""
        product = f" {self.product_code}" if self.product_id is not None else ""
        return f"{self.producer_code}{product} {self.month:%Y-%m} {self.channel} {self.amount}"


def _copy_sales(sales: list[NewSale], now) -> None:
    """PostgreSQL: COPY new sales rows with ids taken from the table's sequence first, and
    their audit entries with the snapshot ``audit.registry.snapshot`` would give, without
    model instances (several times faster than INSERTs for 100,000 rows)."""
    table = Sale._meta.db_table
    stamp = now.isoformat()
    for chunk in chunks(sales, COPY_CHUNK):
        with connection.cursor() as cursor:
            ids = reserve_ids(cursor, table, len(chunk))
            lines, audit = [], []
            for pk, sale in zip(ids, chunk, strict=True):
                month, amount = sale.month.isoformat(), str(sale.amount)
                product = "" if sale.product_id is None else sale.product_id
                lines.append(
                    [
                        pk,
                        sale.producer_id,
                        product,
                        month,
                        sale.channel,
                        sale.channel_detail,
                        amount,
                        stamp,
                    ]
                )
                after = {
                    "producer": sale.producer_id,
                    "product": sale.product_id,
                    "month": month,
                    "channel": sale.channel,
                    "channel_detail": sale.channel_detail,
                    "amount": amount,
                    "updated_at": stamp,
                }
                audit.append((pk, sale.text(), after))
            copy_csv(cursor, table, SALE_COLUMNS, lines, not_null=["channel_detail"])
        record_created(Sale, audit)


def _update_sales(updated, now) -> None:
    """Write new amounts (and channel details) of stored sales rows in a few statements and
    audit each with its amount before and after. ``updated`` holds ``(pk, NewSale with the
    new values, old amount, old detail, old updated_at)``."""
    if not updated:
        return
    table = Sale._meta.db_table
    stored_now = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "CREATE TEMPORARY TABLE otop_sale_changes (id bigint PRIMARY KEY, "
                "amount numeric(14, 2), channel_detail varchar(100)) ON COMMIT DROP"
            )
            copy_csv(
                cursor,
                "otop_sale_changes",
                ["id", "amount", "channel_detail"],
                ([pk, str(sale.amount), sale.channel_detail] for pk, sale, *_old in updated),
                not_null=["channel_detail"],
            )
            cursor.execute(
                f"UPDATE {table} s SET amount = c.amount, channel_detail = c.channel_detail, "
                "updated_at = %s FROM otop_sale_changes c WHERE s.id = c.id",
                [stored_now],
            )
            cursor.execute("DROP TABLE otop_sale_changes")
        else:
            cursor.executemany(
                f"UPDATE {table} SET amount = %s, channel_detail = %s, updated_at = %s "
                "WHERE id = %s",
                [
                    (str(sale.amount), sale.channel_detail, stored_now, pk)
                    for pk, sale, *_o in updated
                ],
            )
    stamp = now.isoformat()

    def entries():
        for pk, sale, old_amount, old_detail, old_time in updated:
            before, after = {}, {}
            if old_amount != sale.amount:
                before["amount"], after["amount"] = str(old_amount), str(sale.amount)
            if old_detail != sale.channel_detail:
                before["channel_detail"], after["channel_detail"] = old_detail, sale.channel_detail
            before["updated_at"], after["updated_at"] = old_time.isoformat(), stamp
            yield pk, sale.text(), before, after

    record_updated(Sale, entries())
