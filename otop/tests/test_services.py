"""OTOP writes: producers and products stay in the user's area, OPC ratings keep their
history, a re-entered month replaces its amount (audited) and never counts twice, and bad
entries are refused row by row with nothing written."""

from datetime import date, timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import AuditEntry
from cdd.thai import fiscal_year
from otop.models import FabricTargetFactor, Producer, Product, Sale, StarRating
from otop.services import factor_save, producer_save, product_save, sales_save_month

from .conftest import make_producer, make_product, sell


def entry(producer, channel, amount, product=None, detail=""):
    return {
        "producer": producer,
        "product": product,
        "channel": channel,
        "amount": None if amount is None else D(amount),
        "channel_detail": detail,
    }


def next_month():
    return (timezone.localdate().replace(day=28) + timedelta(days=4)).replace(day=1)


# ---------------------------------------------------------------- producers


def test_producer_takes_district_and_province_from_its_subdistrict(staff):
    producer = make_producer(staff, "OT-001", "190105", thai_fabric_group=True)
    producer.refresh_from_db()
    assert (producer.subdistrict_id, producer.district_id, producer.province_id) == (
        "190105",
        "1901",
        "19",
    )
    entry = AuditEntry.objects.get(content_type__model="producer", action="create")
    assert entry.actor == staff and entry.after["code"] == "OT-001"


def test_district_staff_cannot_place_or_edit_a_producer_in_another_district(staff, officer):
    with pytest.raises(ValidationError) as exc:
        make_producer(staff, "OT-002", "190201")
    assert exc.value.message_dict["subdistrict"] == [
        gettext("This subdistrict is outside your area.")
    ]
    neighbour = make_producer(officer, "OT-003", "190201")
    neighbour.name = "เปลี่ยนชื่อ"
    with pytest.raises(PermissionDenied):
        producer_save(user=staff, producer=neighbour, subdistrict=neighbour.subdistrict)
    assert Producer.objects.get(code="OT-003").name == "กลุ่ม OT-003"


def test_producer_code_is_unique(staff, officer):
    make_producer(officer, "OT-010", "190201")
    with pytest.raises(ValidationError) as exc:
        make_producer(staff, "OT-010", "190101")
    assert "OT-010" in exc.value.message_dict["code"][0]
    assert Producer.objects.count() == 1


def test_department_viewer_cannot_add_producers(users):
    with pytest.raises(ValidationError):
        make_producer(users["department_viewer"], "OT-020", "190101")
    assert not Producer.objects.exists()


# ---------------------------------------------------------------- products and stars


def test_stars_are_kept_per_selection_year(staff):
    producer = make_producer(staff, "OT-100")
    product = make_product(staff, producer, "PR-100", stars=3, stars_year=2565)
    product.name = "น้ำพริกเผา"
    product_save(user=staff, product=product, stars=4, stars_year=2567)
    product.refresh_from_db()
    assert (product.stars, product.stars_year) == (4, 2567)
    assert list(StarRating.objects.values_list("year", "stars")) == [(2567, 4), (2565, 3)]
    # Saved again without stars: the rating is left as it is.
    product.price = D("120.00")
    product_save(user=staff, product=product)
    product.refresh_from_db()
    assert (product.stars, product.stars_year, product.price) == (4, 2567, D("120.00"))
    # The same year re-rated replaces that year's rating, not adds one.
    product_save(user=staff, product=product, stars=5, stars_year=2567)
    assert list(StarRating.objects.values_list("year", "stars")) == [(2567, 5), (2565, 3)]


def test_stars_year_defaults_to_the_current_fiscal_year(staff):
    producer = make_producer(staff, "OT-101")
    product = make_product(staff, producer, "PR-101", stars=2)
    this_fy = fiscal_year(timezone.localdate())
    assert product.stars_year == this_fy
    assert StarRating.objects.get(product=product).year == this_fy


def test_stars_outside_0_to_5_are_refused(staff):
    producer = make_producer(staff, "OT-102")
    with pytest.raises(ValidationError) as exc:
        make_product(staff, producer, "PR-102", stars=6)
    assert exc.value.message_dict["stars"] == [
        gettext("OPC stars must be from 0 to 5; got %(value)s.") % {"value": 6}
    ]
    assert not Product.objects.exists() and not StarRating.objects.exists()


def test_product_of_a_producer_outside_the_area_is_refused(staff, officer):
    neighbour = make_producer(officer, "OT-103", "190201")
    with pytest.raises(ValidationError) as exc:
        make_product(staff, neighbour, "PR-103")
    assert "producer" in exc.value.message_dict
    assert not Product.objects.exists()


# ---------------------------------------------------------------- monthly sales


def test_reentered_month_replaces_the_amount_and_is_audited(staff):
    producer = make_producer(staff, "OT-200")
    assert sell(staff, producer, "2026-09", "offline", "15000") == (1, 0, 0)
    # The office corrects the month: the amount is replaced, never added.
    assert sell(staff, producer, "2026-09", "offline", "12500.50") == (0, 1, 0)
    assert sell(staff, producer, "2026-09", "offline", "12500.50") == (0, 0, 1)
    assert Sale.objects.count() == 1
    assert Sale.objects.aggregate(s=Sum("amount"))["s"] == D("12500.50")
    update = AuditEntry.objects.get(content_type__model="sale", action="update")
    assert update.before["amount"] == "15000.00" and update.after["amount"] == "12500.50"
    assert update.actor == staff


def test_one_call_creates_updates_and_skips_empty_amounts(staff):
    producer = make_producer(staff, "OT-201")
    food = make_product(staff, producer, "PR-201")
    sell(staff, producer, "2026-08", "offline", "1000")
    result = sales_save_month(
        user=staff,
        month=date(2026, 8, 17),  # any day: the month is what counts
        entries=[
            entry(producer, "offline", "1200"),
            entry(producer, "online", "300", detail="Facebook"),
            entry(producer, "online", "450", product=food),
            entry(producer, "offline", None, product=food),  # nothing typed: left alone
        ],
    )
    assert result == (2, 1, 1)
    stored = {
        (s.channel, s.product_id): (s.amount, s.channel_detail)
        for s in Sale.objects.filter(month=date(2026, 8, 1))
    }
    assert stored == {
        ("offline", None): (D("1200.00"), ""),
        ("online", None): (D("300.00"), "Facebook"),
        ("online", food.pk): (D("450.00"), ""),
    }


def test_bad_entries_are_refused_by_row_and_nothing_is_written(staff, officer):
    mine = make_producer(staff, "OT-300")
    neighbour = make_producer(officer, "OT-301", "190201")
    other_product = make_product(officer, neighbour, "PR-301")
    with pytest.raises(ValidationError) as exc:
        sales_save_month(
            user=staff,
            month=date(2026, 9, 1),
            entries=[
                entry(mine, "offline", "100"),
                entry(mine, "offline", "-5"),
                entry(neighbour, "offline", "100"),
                entry(mine, "online", "100", product=other_product),
                entry(mine, "fair", "100"),
            ],
        )
    messages = exc.value.messages
    row = gettext("Row %(n)s: %(message)s")
    assert len(messages) == 4
    assert messages[0] == row % {
        "n": 2,
        "message": gettext("The amount cannot be negative; got %(value)s.") % {"value": "-5.00"},
    }
    assert "แถว 2: จำนวนเงินติดลบไม่ได้" in messages[0]
    assert messages[1].startswith("แถว 3:") and "OT-301" in messages[1]
    assert messages[2].startswith("แถว 4:") and "PR-301" in messages[2] and "OT-300" in messages[2]
    assert messages[3].startswith("แถว 5:") and "fair" in messages[3]
    assert not Sale.objects.exists()  # row 1 was fine, but nothing is written


def test_a_month_in_the_future_is_refused(staff):
    producer = make_producer(staff, "OT-302")
    with pytest.raises(ValidationError) as exc:
        sales_save_month(user=staff, month=next_month(), entries=[entry(producer, "online", "1")])
    assert exc.value.message_dict["month"] == ["เดือนต้องไม่เป็นเดือนในอนาคต"]
    this_month = timezone.localdate().replace(day=1)
    assert sales_save_month(
        user=staff, month=this_month, entries=[entry(producer, "online", "1")]
    ) == (1, 0, 0)


def test_the_same_row_twice_in_one_call_is_refused(staff):
    producer = make_producer(staff, "OT-303")
    with pytest.raises(ValidationError) as exc:
        sales_save_month(
            user=staff,
            month=date(2026, 9, 1),
            entries=[entry(producer, "online", "1"), entry(producer, "online", "2")],
        )
    assert exc.value.messages[0].startswith("แถว 2:")
    assert not Sale.objects.exists()


def test_department_viewer_cannot_enter_sales(users, officer):
    producer = make_producer(officer, "OT-304")
    with pytest.raises(ValidationError):
        sell(users["department_viewer"], producer, "2026-09", "online", "1")
    assert not Sale.objects.exists()


# ---------------------------------------------------------------- Thai-fabric factor


def test_only_system_admins_set_the_national_fabric_factor(users):
    for role in ("provincial_admin", "provincial_officer", "district_staff", "department_viewer"):
        with pytest.raises(PermissionDenied):
            factor_save(user=users[role], fiscal_year=2570, factor=D("1.15"))
    admin = users["system_admin"]
    factor_save(user=admin, fiscal_year=2570, factor=D("1.15"))
    factor_save(user=admin, fiscal_year=2570, factor=D("1.20"))
    assert list(FabricTargetFactor.objects.values_list("fiscal_year", "factor")) == [
        (2570, D("1.20"))
    ]
    with pytest.raises(ValidationError) as exc:
        factor_save(user=admin, fiscal_year=2570, factor=D("0"))
    assert "factor" in exc.value.message_dict
