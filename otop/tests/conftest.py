from datetime import date
from decimal import Decimal

from otop.models import Producer, Product
from otop.services import producer_save, product_save, sales_save_month
from villages.models import Subdistrict


def make_producer(user, code, subdistrict="190101", name=None, **fields):
    producer = Producer(code=code, name=name or f"กลุ่ม {code}", kind="group", **fields)
    return producer_save(
        user=user, producer=producer, subdistrict=Subdistrict.objects.get(pk=subdistrict)
    )


def make_product(user, producer, code, category="food", thai_fabric=False, **kwargs):
    product = Product(
        producer=producer,
        code=code,
        name=f"สินค้า {code}",
        category=category,
        thai_fabric=thai_fabric,
    )
    return product_save(user=user, product=product, **kwargs)


def sell(user, producer, month, channel, amount, product=None, detail=""):
    """Enter one month's sales of one producer on one channel; ``month`` is ``YYYY-MM`` (or a
    date)."""
    return sales_save_month(
        user=user,
        month=month if isinstance(month, date) else date.fromisoformat(f"{month}-01"),
        entries=[
            {
                "producer": producer,
                "product": product,
                "channel": channel,
                "amount": Decimal(amount),
                "channel_detail": detail,
            }
        ],
    )
