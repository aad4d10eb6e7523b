"""otop_producers, otop_products, otop_sales imports: CONTRACT columns, Thai row errors naming
row and column, all-or-nothing, re-import changes nothing, a changed amount is replaced and
audited, and the month's year must read clearly as B.E. or C.E."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.management import call_command
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditEntry, ImportBatch
from audit.registry import snapshot
from imports.engine import run_import
from imports.tests.test_parsers import year_messages
from otop.models import Producer, Product, Sale, StarRating

from .conftest import make_producer

PRODUCERS = (
    "code,name,kind,subdistrict_code\n"
    "OT-001,กลุ่มทอผ้าบ้านหนองโน,group,190108\n"
    "OT-002,นางมาลี ขนมไทย,ผู้ผลิตรายเดียว,190101\n"
    "OT-003,บริษัท สระบุรีเฮิร์บ จำกัด,sme,190105\n"
)
PRODUCTS = (
    "code,producer_code,name,category,stars,thai_fabric,stars_year\n"
    "P-001,OT-001,ผ้าทอมือลายดอกพิกุล,textile,4,yes,2567\n"
    "P-002,OT-002,ขนมเปี๊ยะ,food,,no,\n"
    "P-003,OT-003,ยาหม่องสมุนไพร,herbal,3,no,2565\n"
)
SALES = (
    "producer_code,product_code,month,channel,amount\n"
    'OT-001,P-001,2025-09,offline,"120,000.00"\n'
    "OT-001,,2568-10,online,35000\n"  # B.E. month: October 2025
    "OT-002,P-002,10/2568,offline,8500.50\n"
    "OT-002,,ต.ค. 2568,online,1200\n"
)


def csv(text):
    return ("\ufeff" + text).encode()


def run(resource, text, user, dry_run=False):
    return run_import(resource, csv(text), f"{resource}.csv", user=user, dry_run=dry_run)


def errors(result):
    return [(e.row, e.column, e.message) for e in result.errors]


@pytest.fixture
def producers(staff):
    result = run("otop_producers", PRODUCERS, staff)
    assert result.ok, result.errors
    return result


@pytest.fixture
def products(staff, producers):
    result = run("otop_products", PRODUCTS, staff)
    assert result.ok, result.errors
    return result


@pytest.fixture
def sales(staff, products):
    result = run("otop_sales", SALES, staff)
    assert result.ok, result.errors
    return result


# ---------------------------------------------------------------- producers


def test_producers_import_and_reimport_changes_nothing(staff, producers):
    assert (producers.created, producers.updated, producers.unchanged) == (3, 0, 0)
    p1 = Producer.objects.get(code="OT-001")
    assert (p1.kind, p1.subdistrict_id, p1.district_id, p1.province_id) == (
        "group",
        "190108",
        "1901",
        "19",
    )
    assert Producer.objects.get(code="OT-002").kind == "single"  # the Thai name
    assert AuditEntry.objects.filter(content_type__model="producer", action="create").count() == 3
    again = run("otop_producers", PRODUCERS, staff)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)


def test_optional_producer_columns_and_an_empty_cell_keeps_what_is_stored(staff, producers):
    p2 = Producer.objects.get(code="OT-002")
    p2.phone = "081-234-5678"
    p2.save()
    extra = (
        "code,name,kind,subdistrict_code,registration_no,contact_name,phone,shop_chumchon,"
        "other_online,thai_fabric_group\n"
        "OT-001,กลุ่มทอผ้าบ้านหนองโน,group,190108,1190100012345,นางสมใจ,,yes,Facebook,yes\n"
        "OT-002,นางมาลี ขนมไทย,single,190101,,,,,,\n"
    )
    result = run("otop_producers", extra, staff)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    p1 = Producer.objects.get(code="OT-001")
    assert (p1.registration_no, p1.contact_name, p1.shop_chumchon, p1.thai_fabric_group) == (
        "1190100012345",
        "นางสมใจ",
        True,
        True,
    )
    assert p1.other_online == "Facebook" and p1.sells_online
    assert Producer.objects.get(code="OT-002").phone == "081-234-5678"
    update = AuditEntry.objects.get(
        content_type__model="producer", action="update", batch=result.batch
    )
    assert update.before["thai_fabric_group"] is False and update.after["thai_fabric_group"]


def test_producer_outside_the_area_or_in_a_missing_subdistrict_is_refused(staff):
    text = PRODUCERS + "OT-004,กลุ่มแก่งคอย,group,190201\nOT-005,ไม่มีตำบล,group,199999\n"
    result = run("otop_producers", text, staff)
    assert errors(result) == [
        (
            5,
            "subdistrict_code",
            gettext("Subdistrict %(code)s is outside your area.") % {"code": "190201"},
        ),
        (6, "subdistrict_code", gettext("No subdistrict has code %(code)s.") % {"code": "199999"}),
    ]
    assert not Producer.objects.exists()


def test_a_producer_code_of_another_district_is_refused(staff, officer):
    make_producer(officer, "OT-001", "190201")
    result = run("otop_producers", PRODUCERS, staff)
    assert [(e.row, e.column) for e in result.errors] == [(2, "code")]
    assert "OT-001" in result.errors[0].message and "แก่งคอย" in result.errors[0].message
    assert Producer.objects.count() == 1


def test_unknown_kind_is_refused(staff):
    result = run("otop_producers", PRODUCERS.replace("sme", "company"), staff)
    assert [(e.row, e.column) for e in result.errors] == [(4, "kind")]
    assert "company" in result.errors[0].message
    assert not Producer.objects.exists()


# ---------------------------------------------------------------- products


def test_products_import_keeps_ratings_and_reimport_changes_nothing(staff, products):
    assert (products.created, products.updated, products.unchanged) == (3, 0, 0)
    p1 = Product.objects.get(code="P-001")
    assert (p1.producer.code, p1.category, p1.stars, p1.stars_year, p1.thai_fabric) == (
        "OT-001",
        "textile",
        4,
        2567,
        True,
    )
    assert Product.objects.get(code="P-002").stars is None
    assert sorted(StarRating.objects.values_list("product__code", "year", "stars")) == [
        ("P-001", 2567, 4),
        ("P-003", 2565, 3),
    ]
    again = run("otop_products", PRODUCTS, staff)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    # The next selection: 5 stars in 2569. The 2567 rating stays in the history.
    newer = PRODUCTS.replace("textile,4,yes,2567", "textile,5,yes,2569")
    third = run("otop_products", newer, staff)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 2)
    assert list(StarRating.objects.filter(product__code="P-001").values_list("year", "stars")) == [
        (2569, 5),
        (2567, 4),
    ]
    update = AuditEntry.objects.get(content_type__model="product", action="update")
    assert (update.before["stars"], update.after["stars"]) == (4, 5)


def test_bad_product_cells_are_refused_by_row_and_column(staff, producers):
    text = PRODUCTS + (
        "P-004,OT-001,ผ้าพันคอ,textile,6,yes,\n"
        "P-005,OT-001,ของเล่นไม้,toys,,no,\n"
        "P-006,OT-001,ผ้าขาวม้า,textile,-1,yes,\n"
    )
    result = run("otop_products", text, staff)
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "stars"),
        (6, "category"),
        (7, "stars"),
    ]
    by_row = {e.row: e.message for e in result.errors}
    assert by_row[5] == gettext("OPC stars must be from 0 to 5; got %(value)s.") % {"value": "6"}
    assert "ต้องเป็นค่าใดค่าหนึ่งใน food, beverage, textile, household, herbal" in by_row[6]
    assert "toys" in by_row[6]
    assert not Product.objects.exists()


def test_products_of_unknown_or_other_producers_are_refused(staff, officer, producers):
    neighbour = make_producer(officer, "OT-900", "190201")
    Product.objects.create(producer=neighbour, code="P-900", name="ของแก่งคอย", category="food")
    text = PRODUCTS + (
        "P-006,OT-404,ไม่มีผู้ผลิต,food,,no,\n"
        "P-900,OT-001,ย้ายผู้ผลิต,food,,no,\n"
        "P-007,OT-900,ของคนอื่น,food,,no,\n"
    )
    result = run("otop_products", text, staff)
    assert [(e.row, e.column) for e in result.errors] == [
        (5, "producer_code"),
        (6, "code"),
        (7, "producer_code"),
    ]
    by_row = {e.row: e.message for e in result.errors}
    assert "OT-404" in by_row[5]
    assert "P-900" in by_row[6] and "OT-900" in by_row[6]
    assert "OT-900" in by_row[7]
    assert Product.objects.count() == 1  # only the neighbour's own product


# ---------------------------------------------------------------- sales


def test_sales_import_reads_ce_and_be_months_and_reimport_changes_nothing(staff, sales):
    assert (sales.created, sales.updated, sales.unchanged) == (4, 0, 0)
    stored = sorted(
        Sale.objects.values_list("producer__code", "product__code", "month", "channel", "amount"),
        key=lambda r: (r[0], r[1] or ""),
    )
    assert stored == [
        ("OT-001", None, date(2025, 10, 1), "online", D("35000.00")),
        ("OT-001", "P-001", date(2025, 9, 1), "offline", D("120000.00")),
        ("OT-002", None, date(2025, 10, 1), "online", D("1200.00")),
        ("OT-002", "P-002", date(2025, 10, 1), "offline", D("8500.50")),
    ]
    # Each new row has its own audit entry, the same snapshot however it was written (COPY
    # on PostgreSQL).
    entries = AuditEntry.objects.filter(content_type__model="sale", action="create")
    assert entries.count() == 4
    for entry in entries:
        sale = Sale.objects.get(pk=entry.object_pk)
        assert entry.after == snapshot(sale) and entry.object_repr == str(sale)
        assert entry.batch == sales.batch and entry.actor == staff
    again = run("otop_sales", SALES, staff)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert Sale.objects.count() == 4


def test_a_changed_amount_replaces_the_old_one_and_is_audited(staff, sales):
    changed = SALES.replace("8500.50", "9000")
    result = run("otop_sales", changed, staff)
    assert (result.created, result.updated, result.unchanged) == (0, 1, 3)
    assert Sale.objects.filter(producer__code="OT-002").aggregate(s=Sum("amount"))["s"] == D(
        "10200.00"
    )  # 9,000 + 1,200: replaced, not added
    update = AuditEntry.objects.get(content_type__model="sale", action="update")
    assert (update.before["amount"], update.after["amount"]) == ("8500.50", "9000.00")
    assert update.object_repr == "OT-002 P-002 2025-10 offline 9000.00"
    sale = Sale.objects.get(producer__code="OT-002", product__code="P-002")
    assert update.after["updated_at"] == sale.updated_at.isoformat()
    assert update.before["updated_at"] < update.after["updated_at"]
    assert update.batch == result.batch and update.actor == staff
    creates = AuditEntry.objects.filter(content_type__model="sale", action="create")
    assert sorted(creates.values_list("object_pk", flat=True)) == sorted(
        str(pk) for pk in Sale.objects.values_list("pk", flat=True)
    )


def test_dry_run_writes_nothing(staff, products):
    result = run("otop_sales", SALES, staff, dry_run=True)
    assert result.ok and (result.created, result.updated, result.unchanged) == (4, 0, 0)
    assert not Sale.objects.exists()
    assert not ImportBatch.objects.filter(resource="otop_sales").exists()


def next_month() -> str:
    first = (timezone.localdate().replace(day=28) + timedelta(days=4)).replace(day=1)
    return first.strftime("%Y-%m")


def test_bad_sales_cells_are_refused_and_nothing_is_written(staff, products):
    text = SALES + (
        "OT-001,,2025-08,online,-500\n"  # row 6: negative
        "OT-001,,2025-08,fair,100\n"  # row 7: unknown channel
    )
    result = run("otop_sales", text, staff)
    assert [(e.row, e.column) for e in result.errors] == [(6, "amount"), (7, "channel")]
    assert result.errors[0].message == "จำนวนเงินติดลบไม่ได้ แต่ได้ -500"
    assert "fair" in result.errors[1].message
    assert not Sale.objects.exists()


def test_bad_sales_rows_are_refused_and_nothing_is_written(staff, officer, products):
    neighbour = make_producer(officer, "OT-900", "190201")
    Product.objects.create(producer=neighbour, code="P-900", name="ของแก่งคอย", category="food")
    text = SALES + (
        f"OT-001,,{next_month()},online,100\n"  # row 6: a month in the future
        "OT-404,,2025-08,online,100\n"  # row 7: unknown producer
        "OT-001,P-002,2025-08,online,100\n"  # row 8: OT-002's product
        "OT-900,,2025-08,online,100\n"  # row 9: another district's producer
        "OT-001,P-404,2025-08,online,100\n"  # row 10: unknown product
        "OT-001,P-001,2025-09,offline,1\n"  # row 11: the same key as row 2
    )
    result = run("otop_sales", text, staff)
    assert [(e.row, e.column) for e in result.errors] == [
        (6, "month"),
        (7, "producer_code"),
        (8, "product_code"),
        (9, "producer_code"),
        (10, "product_code"),
        (11, "producer_code"),
    ]
    by_row = {e.row: e.message for e in result.errors}
    assert next_month() in by_row[6]
    assert "OT-404" in by_row[7]
    assert "P-002" in by_row[8] and "OT-001" in by_row[8]
    assert "OT-900" in by_row[9]
    assert "P-404" in by_row[10]
    assert by_row[11] == "ข้อมูลซ้ำกับแถวที่ 2 ในไฟล์นี้"
    assert not Sale.objects.exists()


@pytest.mark.parametrize("month", ["69-10", "10/69", "ต.ค. 68", "2300-10", "1800-10", "1999-10"])
def test_a_month_whose_year_reads_as_neither_be_nor_ce_is_refused(staff, products, month):
    result = run(
        "otop_sales", f"producer_code,month,channel,amount\nOT-001,{month},online,1\n", staff
    )
    assert [(e.row, e.column) for e in result.errors] == [(2, "month")]
    assert result.errors[0].message in year_messages(month)
    assert not Sale.objects.exists()


def test_import_command_prints_the_row_and_column(staff, products, tmp_path, capsys):
    path = tmp_path / "sales.csv"
    path.write_bytes(csv(SALES))
    call_command("import_data", "otop_sales", str(path), "--user", "staff1901")
    assert "created 4, updated 0, unchanged 0" in capsys.readouterr().out
    path.write_bytes(csv(SALES + "OT-001,,2025-08,online,-1\n"))
    with pytest.raises(SystemExit) as exc:
        call_command("import_data", "otop_sales", str(path), "--user", "staff1901")
    assert exc.value.code == 1
    assert "row 6, column amount: จำนวนเงินติดลบไม่ได้" in capsys.readouterr().out
