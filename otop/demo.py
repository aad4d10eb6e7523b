"""Demo OTOP records for the demo province (`manage.py load_demo`): a few producers per
district, their products and 18 months of sales, so the OTOP pages show real figures."""

import random
from datetime import date
from decimal import Decimal

from django.utils import timezone

from villages.models import District, Subdistrict

from .models import Producer, Product
from .services import producer_save, product_save, sales_save_month

# (name, kind, Thai-fabric group, Shop ชุมชน, other online, products: (name, category, fabric))
PRODUCERS = [
    (
        "กลุ่มทอผ้าไหมบ้าน{place}",
        "group",
        True,
        True,
        "Facebook",
        [
            ("ผ้าไหมมัดหมี่", "textile", True),
            ("ผ้าขาวม้าทอมือ", "textile", True),
            ("กระเป๋าผ้าไหม", "household", True),
        ],
    ),
    (
        "กลุ่มแม่บ้านเกษตรกร{place}",
        "group",
        False,
        True,
        "LINE",
        [("น้ำพริกเผาสมุนไพร", "food", False), ("กล้วยอบเนย", "food", False)],
    ),
    (
        "ร้านเครื่องดื่มสมุนไพร{place}",
        "sme",
        False,
        False,
        "Shopee",
        [("น้ำตะไคร้ใบเตย", "beverage", False)],
    ),
    ("กลุ่มจักสานไม้ไผ่{place}", "group", False, False, "", [("ตะกร้าไม้ไผ่", "household", False)]),
    (
        "นางบุญมี ใจงาม (สบู่สมุนไพร{place})",
        "single",
        False,
        False,
        "Facebook",
        [("สบู่ขมิ้นชัน", "herbal", False)],
    ),
]
MONTHS = 18


def _add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def load_otop_demo(user, province: str = "19", districts: int = 4) -> int:
    """Producers with products and 18 months of sales in the first districts of the province.
    Idempotent: does nothing when the province already has producers."""
    if Producer.objects.filter(province_id=province).exists():
        return 0
    rng = random.Random(2569)
    producers = []
    for d_index, district in enumerate(
        District.objects.filter(province_id=province).order_by("code")[:districts]
    ):
        subdistricts = list(Subdistrict.objects.filter(district=district).order_by("code"))
        if not subdistricts:
            continue
        for p_index, (name, kind, fabric, shop, other, products) in enumerate(PRODUCERS):
            sub = subdistricts[p_index % len(subdistricts)]
            producer = producer_save(
                user=user,
                producer=Producer(
                    code=f"OTOP-{district.code}-{p_index + 1:03d}",
                    name=name.format(place=sub.name_th),
                    kind=kind,
                    thai_fabric_group=fabric,
                    shop_chumchon=shop,
                    other_online=other,
                    contact_name=f"นาง{rng.choice(['สมศรี', 'มาลี', 'วันเพ็ญ'])} รักถิ่น",
                    phone=f"08{rng.randint(10000000, 99999999)}",
                    # One producer in the last district has stopped producing.
                    active=not (d_index == districts - 1 and p_index == 4),
                ),
                subdistrict=sub,
            )
            for n, (product_name, category, thai_fabric) in enumerate(products, start=1):
                product_save(
                    user=user,
                    product=Product(
                        producer=producer,
                        code=f"{producer.code}-{n:02d}",
                        name=product_name,
                        category=category,
                        thai_fabric=thai_fabric,
                        price=Decimal(rng.choice([60, 120, 250, 450, 1200, 3500])),
                    ),
                    stars=rng.choice([None, 3, 4, 5]),
                    stars_year=2566,
                )
            # The first two kinds report offline sales by product (as an import would).
            by_product = list(producer.products.order_by("code")) if p_index < 2 else []
            producers.append((producer, rng.uniform(0.5, 2.0), shop or bool(other), by_product))
    this_month = timezone.localdate().replace(day=1)
    first = _add_months(this_month, -MONTHS)
    for i in range(MONTHS):
        month = _add_months(first, i)
        growth = 1 + i / MONTHS  # sales grow over the months, online faster
        entries = []
        for producer, size, online, by_product in producers:
            if not producer.active or rng.random() < 0.1:
                continue  # some months go unreported
            base = Decimal(rng.randint(40, 160) * 100) * Decimal(str(round(size * growth, 2)))
            if by_product:
                for product in by_product:
                    share = (base / len(by_product)).quantize(Decimal("1"))
                    entries.append(_entry(producer, "offline", share, product))
            else:
                entries.append(_entry(producer, "offline", base.quantize(Decimal("1"))))
            if online:
                amount = base * Decimal(str(round(0.2 + 0.4 * i / MONTHS, 2)))
                entries.append(_entry(producer, "online", amount.quantize(Decimal("1"))))
        if entries:
            sales_save_month(user=user, month=month, entries=entries)
    return len(producers)


def _entry(producer, channel, amount, product=None):
    return {
        "producer": producer,
        "product": product,
        "channel": channel,
        "amount": amount,
        "channel_detail": "",
    }
