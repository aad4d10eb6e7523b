"""Generate realistic OTOP data for one province into a PostgreSQL database, fast (COPY).

For the OTOP benchmarks (``bench_otop.py``). Writes straight into the tables of an already
migrated database that has the province's geography (``--setup`` runs ``migrate`` and
``load_geography --province P`` first), with psycopg2 ``copy_expert`` in batches:

- producers (``otop_producer``): ``--producers`` (default 5,000) spread over the province's
  subdistricts by a random size weight (0.5-1.5); code = subdistrict code + ``-`` + a 3-digit
  serial (``190101-001``); 10% Thai-fabric weaving groups (``thai_fabric_group``, 90% of them
  community enterprise groups), the others 45% groups, 40% single producers, 15% SMEs; 40%
  sell online (of those 40% have a Shop ชุมชน shop only, 35% other channels only such as
  Facebook, LINE or Shopee, 25% both); 3% stopped producing (``active`` false, their sales end
  inside the period);
- products (``otop_product``): 1-4 per producer (15/35/35/15%, about 2.5), code = producer
  code + ``-`` + 2 digits; weaving groups make textiles (90%, of those 92% Thai fabric), the
  others food 40%, beverages 10%, textiles 18% (40% of them Thai fabric), household goods 20%,
  herbal products 12%: about 15% of the products are Thai fabric; a price by category; 65%
  hold OPC stars (0-5): 1-3 selections two years apart (``otop_starrating``), the latest of
  them copied to ``stars`` and ``stars_year``;
- sales (``otop_sale``, about 600,000 rows at 5,000 producers): every month from 1 October
  of the fiscal year five years before ``--as-of``'s (five whole fiscal years and the current
  one up to ``--as-of``'s month; 62 months for November 2026). Per producer and month: an
  ``offline`` row and, for online sellers once they went online (65% before the period, the
  others during it), an ``online`` row (90% of the months). 65% of the producers report per
  product (from a switch month, 60% before the period): then each product sold that month
  (90% each) has its own rows; before it, and for the others, one row per channel without a
  product. 15% of the producers start during the period, 2-8% of each producer's months
  have no sales at all. Amounts: a monthly level by kind (median: single 12,000, group 45,000,
  weaving group 60,000, SME 180,000 baht; log-normal), yearly growth around 5% (online share
  growing around 18% a year), seasonal factors (December's OTOP City fair and New Year
  gifts, Songkran in April; the rainy season low) and ±25% noise; rounded to hundreds,
  whole baht or satang by the producer's habit.

A Thai-fabric sale is a row whose product is Thai fabric, or a row without product of a
weaving group. The fiscal year runs October-September; its B.E. number is that of the
calendar year it ends in (FY 2570 = 2026-10 .. 2027-09).

Everything comes from random streams seeded with ``--seed``: the producers from one stream
per province, each producer's sales model from a stream seeded with its code and each of its
months from a stream seeded with its code and that month, so a month's rows do not depend on
the period generated. ``make_otop_sales.py`` rebuilds the same model from the producers and
products in the database and writes the months before the period as an import file. The same
seed, province, count and ``--as-of`` (default today; pass it to reproduce a data set on
another day) give identical rows. No audit entries and no users are written.
``--no-sales`` writes the producers, products and ratings only. The province must have no
producers yet.

The last line printed is ``RESULT {json}``: counts, the sums per fiscal year (all sales,
online, Thai fabric), the sums per month and the CONTRACT.md figures (``sales_fy``,
``fabric_sales_prev_fy``, ``fabric_target``, ``fabric_sales_fy``, ``fabric_pct``,
``online_sales_fy``, ``online_sales_prev_same_period``, ``online_growth_pct``) for
``--as-of``'s month, computed here for checking ``otop.selectors``.

    .venv/bin/python bench/generate_otop.py --database-url postgres://postgres@127.0.0.1/DB \\
        [--setup] [--province 19] [--producers 5000] [--seed 1] [--as-of YYYY-MM[-DD]] \\
        [--no-sales]
"""

import bisect
import json
import math
import random
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import generate
from generate import baht_text, cumulative, pick

NULL = "\\N"
PERIOD_YEARS = 5  # whole fiscal years before the current one
KINDS = ["group", "single", "sme"]
KIND_WEIGHTS = [45, 40, 15]
WEAVING_SHARE = 0.10
ONLINE_SHARE = 0.40
INACTIVE_SHARE = 0.03
PRODUCT_COUNTS = [1, 2, 3, 4]
PRODUCT_COUNT_WEIGHTS = [15, 35, 35, 15]
CATEGORIES = ["food", "beverage", "textile", "household", "herbal"]
CATEGORY_WEIGHTS = [40, 10, 18, 20, 12]
STARS = [None, 0, 1, 2, 3, 4, 5]
STAR_WEIGHTS = [35, 2, 10, 13, 20, 13, 7]
# Monthly level by producer kind: (median baht, sigma of the log-normal)
LEVELS = {"single": (12_000, 0.7), "group": (45_000, 0.8), "sme": (180_000, 0.7)}
WEAVING_LEVEL = (60_000, 0.7)
# Seasonal factor by calendar month (1 = January): New Year gifts, Songkran, the rainy season
# low, Mother's Day and the mid-year fair in August, OTOP City in December.
SEASON = {
    1: 1.15,
    2: 0.95,
    3: 1.00,
    4: 1.15,
    5: 0.90,
    6: 0.85,
    7: 0.85,
    8: 0.95,
    9: 0.85,
    10: 0.95,
    11: 1.05,
    12: 1.35,
}
OTHER_ONLINE = [
    "Facebook",
    "Facebook, LINE",
    "LINE",
    "Shopee",
    "Facebook, Shopee, Lazada",
    "TikTok",
]
OFFLINE_DETAIL = ["", "", "", "ตลาดชุมชน", "งาน OTOP City", "ร้านของฝาก", "งานกาชาด"]
PRODUCT_NAMES = {
    "food": ["น้ำพริกเผา", "กล้วยตาก", "ข้าวเกรียบ", "ทองม้วน", "หมูแผ่น", "ขนมเปี๊ยะ", "ข้าวกล้องงอก"],
    "beverage": ["น้ำกระเจี๊ยบ", "ชาใบหม่อน", "กาแฟคั่วบด", "น้ำผึ้งดอกลำไย", "น้ำมะขามป้อม"],
    "textile": ["กระเป๋าผ้า", "เสื้อยืดสกรีนลาย", "หมวกผ้า", "ผ้าพันคอ"],
    "household": ["ตะกร้าสาน", "เครื่องปั้นดินเผา", "ไม้กวาดดอกหญ้า", "โคมไฟไม้ไผ่", "เทียนหอม"],
    "herbal": ["สบู่สมุนไพร", "ยาหม่อง", "ลูกประคบ", "น้ำมันเหลือง", "แชมพูมะกรูด"],
}
FABRIC_NAMES = ["ผ้าไหมมัดหมี่", "ผ้าฝ้ายทอมือ", "ผ้าขาวม้า", "ผ้าซิ่นตีนจก", "ผ้าฝ้ายย้อมคราม", "ผ้าไหมแพรวา"]
PRICES = {  # (low, high) baht
    "food": (35, 250),
    "beverage": (40, 350),
    "textile": (150, 900),
    "household": (80, 1500),
    "herbal": (50, 450),
}
FABRIC_PRICE = (350, 6000)
GROUP_PREFIXES = ["วิสาหกิจชุมชนกลุ่ม", "กลุ่มแม่บ้าน", "กลุ่มอาชีพ"]
SME_PREFIXES = ["บริษัท", "ห้างหุ้นส่วนจำกัด"]

PRODUCER_COLUMNS = (
    "id, code, name, kind, registration_no, province_id, district_id, subdistrict_id, "
    "contact_name, phone, address, shop_chumchon, other_online, thai_fabric_group, active, "
    "created_at, updated_at"
)
PRODUCT_COLUMNS = (
    "id, code, producer_id, name, category, stars, stars_year, thai_fabric, price, photo, "
    "active, created_at, updated_at"
)
RATING_COLUMNS = "id, product_id, year, stars, created_at"
SALE_COLUMNS = "id, producer_id, product_id, month, channel, channel_detail, amount, updated_at"
TABLES = {
    "otop_producer": PRODUCER_COLUMNS,
    "otop_product": PRODUCT_COLUMNS,
    "otop_starrating": RATING_COLUMNS,
    "otop_sale": SALE_COLUMNS,
}


KIND_CUM = cumulative(KIND_WEIGHTS)
PRODUCT_COUNT_CUM = cumulative(PRODUCT_COUNT_WEIGHTS)
CATEGORY_CUM = cumulative(CATEGORY_WEIGHTS)
STAR_CUM = cumulative(STAR_WEIGHTS)


# ---------------------------------------------------------------------------------------------
# Months as integers: k = year * 12 + month - 1


def month_key(d: date) -> int:
    return d.year * 12 + d.month - 1


def month_date(k: int) -> date:
    return date(k // 12, k % 12 + 1, 1)


def month_text(k: int) -> str:
    return f"{k // 12:04d}-{k % 12 + 1:02d}"


def fiscal_year(k: int) -> int:
    """B.E. fiscal year of month k: October-September, numbered by the year it ends in."""
    year, month = k // 12, k % 12 + 1
    return year + 543 + (month >= 10)


def fy_start(k: int) -> int:
    """Month key of 1 October of month k's fiscal year."""
    year, month = k // 12, k % 12 + 1
    return (year - (month < 10)) * 12 + 9


def period(as_of: date) -> tuple[int, int]:
    """(first, last) month keys generated: five whole fiscal years and the current one."""
    last = month_key(as_of)
    return fy_start(last) - 12 * PERIOD_YEARS, last


def parse_month(text: str) -> date:
    """YYYY-MM or YYYY-MM-DD -> that date (the 1st for YYYY-MM)."""
    return date.fromisoformat(text if len(text) > 7 else text + "-01")


# ---------------------------------------------------------------------------------------------
# Pure generation (no database): shared with make_otop_sales.py


def plan_producers(subdistricts: list[str], n: int, seed, as_of: date, province: str):
    """The producers and their products: a list of dicts in code order."""
    weights = [random.Random(f"{seed}:otop-size:{s}").uniform(0.5, 1.5) for s in subdistricts]
    cum = cumulative(weights)
    r = random.Random(f"{seed}:otop-producers:{province}")
    latest_selection = as_of.year + 543 - (as_of.year + 543) % 2  # every two years, even BE
    serial: dict[str, int] = {}
    producers = []
    for _ in range(n):
        sub = subdistricts[bisect.bisect_right(cum, r.random() * cum[-1])]
        serial[sub] = serial.get(sub, 0) + 1
        code = f"{sub}-{serial[sub]:03d}"
        weaving = r.random() < WEAVING_SHARE
        if weaving:
            kind = "group" if r.random() < 0.9 else "single"
        else:
            kind = pick(r, KINDS, KIND_CUM)
        village = generate.VILLAGE_NAMES[r.randrange(len(generate.VILLAGE_NAMES))]
        female = r.random() < 0.7
        first_name = (generate.FEMALE if female else generate.MALE)[r.randrange(10)]
        person = f"{first_name} {generate.SURNAMES[r.randrange(len(generate.SURNAMES))]}"
        online = r.random() < ONLINE_SHARE
        shop, other = False, ""
        if online:
            x = r.random()
            shop = x < 0.40 or x >= 0.75
            if x >= 0.40:
                other = OTHER_ONLINE[r.randrange(len(OTHER_ONLINE))]
        products = []
        for p in range(1, pick(r, PRODUCT_COUNTS, PRODUCT_COUNT_CUM) + 1):
            if weaving:
                category = (
                    "textile" if r.random() < 0.9 else ("herbal", "household")[r.randrange(2)]
                )
                fabric = category == "textile" and r.random() < 0.92
            else:
                category = pick(r, CATEGORIES, CATEGORY_CUM)
                fabric = category == "textile" and r.random() < 0.40
            names = FABRIC_NAMES if fabric else PRODUCT_NAMES[category]
            low, high = FABRIC_PRICE if fabric else PRICES[category]
            price = round(r.uniform(low, high) / 5) * 5
            stars = pick(r, STARS, STAR_CUM)
            ratings = []
            if stars is not None:
                year = latest_selection - 2 * (r.random() < 0.3)
                count = r.randint(1, 3)
                value = stars
                for j in range(count):  # the latest first, earlier ones ±1
                    ratings.append((year - 2 * j, value))
                    value = min(5, max(0, value + r.choice((-1, 0, 0, 1))))
            products.append(
                {
                    "code": f"{code}-{p:02d}",
                    "name": f"{names[r.randrange(len(names))]}บ้าน{village}",
                    "category": category,
                    "thai_fabric": fabric,
                    "price": price,
                    "ratings": ratings,
                }
            )
        if kind == "group":
            if weaving:
                name = f"กลุ่มทอผ้าบ้าน{village} หมู่ {r.randint(1, 15)}"
            else:
                prefix = GROUP_PREFIXES[r.randrange(len(GROUP_PREFIXES))]
                name = f"{prefix}{products[0]['name']}"
            registration = f"{sub[0]}-{sub[:2]}-{sub[2:4]}-{sub[4:]}/1-{r.randint(1, 999):04d}"
        elif kind == "sme":
            prefix = SME_PREFIXES[r.randrange(2)]
            name = f"{prefix} {village}{PRODUCT_NAMES['food'][r.randrange(3)]} จำกัด"
            registration = f"0{sub[:2]}{r.randint(0, 10**10 - 1):010d}"
        else:
            name = f"{products[0]['name']} ({person})"
            registration = ""
        producers.append(
            {
                "code": code,
                "subdistrict": sub,
                "kind": kind,
                "name": name,
                "registration_no": registration,
                "contact_name": f"{'นาง' if female else 'นาย'}{person}",
                "phone": f"0{r.choice('689')}{r.randint(0, 99_999_999):08d}",
                "address": f"หมู่ {r.randint(1, 15)} บ้าน{village}",
                "shop_chumchon": shop,
                "other_online": other,
                "thai_fabric_group": weaving,
                "active": r.random() >= INACTIVE_SHARE,
                "products": products,
            }
        )
    producers.sort(key=lambda p: p["code"])
    return producers


class SalesModel:
    """One producer's monthly sales, rebuilt the same way from the generator's plan and from the
    database (``make_otop_sales.py``): it depends on the code, kind, weaving group, online
    seller, active and the product codes (with their Thai-fabric flag) only."""

    def __init__(self, seed, as_of: date, code, kind, weaving, online, active, products):
        self.seed, self.code = seed, code
        self.weaving = weaving
        self.products = products  # [(code, thai_fabric)] in code order
        first, last = period(as_of)
        self.last = last
        span = last - first + 1
        r = random.Random(f"{seed}:otop-sales:{code}")
        median, sigma = WEAVING_LEVEL if weaving else LEVELS[kind]
        self.level = median * math.exp(r.gauss(0, sigma))
        self.growth = min(0.4, max(-0.2, r.gauss(0.05, 0.08)))
        self.start = first + r.randint(1, span - 4) if r.random() < 0.15 else None
        self.end = first + r.randint(span // 4, span - 2) if not active else None
        self.online_start = None
        if online:
            self.online_start = first - 60 if r.random() < 0.65 else first + r.randrange(span)
        self.online_share = r.uniform(0.08, 0.45)
        self.online_growth = r.gauss(0.18, 0.12)
        self.by_product_from = None
        if r.random() < 0.65:
            self.by_product_from = first - 60 if r.random() < 0.6 else first + r.randrange(span)
        self.weights = [r.uniform(0.5, 2.0) for _ in products]
        self.skip = r.uniform(0.02, 0.08)
        self.habit = r.choice((0, 0, 1, 1, 1, 2))  # hundreds, whole baht, satang

    def _satang(self, r: random.Random, baht: float) -> int:
        baht = max(baht, 20.0)
        if self.habit == 0:
            return max(100, round(baht / 100)) * 10_000
        if self.habit == 1:
            return round(baht) * 100
        return round(baht * 100)

    def month(self, k: int) -> list[tuple[str | None, str, str, int, bool]]:
        """Rows of month k: [(product code or None, channel, detail, satang, thai fabric)]."""
        if (self.start is not None and k < self.start) or (self.end is not None and k > self.end):
            return []
        r = random.Random(f"{self.seed}:{self.code}:{k}")
        if r.random() < self.skip:
            return []
        years = (k - self.last) / 12
        offline = self.level * (1 + self.growth) ** years * SEASON[k % 12 + 1]
        offline *= math.exp(r.gauss(0, 0.25))
        online = 0.0
        if self.online_start is not None and k >= self.online_start and r.random() < 0.9:
            share = min(0.9, self.online_share * (1 + self.online_growth) ** years)
            online = offline * share * math.exp(r.gauss(0, 0.2))
        channels = [("offline", offline, OFFLINE_DETAIL[r.randrange(len(OFFLINE_DETAIL))])]
        if online:
            channels.append(("online", online, "Shop ชุมชน" if r.random() < 0.5 else ""))
        rows = []
        if self.by_product_from is not None and k >= self.by_product_from:
            sold = [i for i in range(len(self.products)) if r.random() < 0.9]
            sold = sold or [r.randrange(len(self.products))]
            total = sum(self.weights[i] for i in sold)
            for channel, amount, detail in channels:
                for i in sold:
                    product, fabric = self.products[i]
                    value = self._satang(r, amount * self.weights[i] / total)
                    rows.append((product, channel, detail, value, fabric))
        else:
            for channel, amount, detail in channels:
                rows.append((None, channel, detail, self._satang(r, amount), self.weaving))
        return rows


def model_of(producer: dict, seed, as_of: date) -> SalesModel:
    return SalesModel(
        seed,
        as_of,
        producer["code"],
        producer["kind"],
        producer["thai_fabric_group"],
        producer["shop_chumchon"] or bool(producer["other_online"]),
        producer["active"],
        [(p["code"], p["thai_fabric"]) for p in producer["products"]],
    )


# ---------------------------------------------------------------------------------------------
# The CONTRACT.md figures, from monthly sums {k: [all, online, fabric]} in satang


def _sum(monthly, first: int, last: int, i: int) -> int:
    return sum(monthly.get(k, (0, 0, 0))[i] for k in range(first, last + 1))


def _pct(part: Decimal, whole: Decimal):
    if not whole:
        return None
    return float((part / whole * 100).quantize(Decimal("0.01"), ROUND_HALF_UP))


def figures(monthly: dict[int, list[int]], k: int, factor: Decimal = Decimal("1.10")) -> dict:
    """The figures of month k's report: the fiscal year to the end of month k, the whole
    previous fiscal year (Thai fabric) and the same months a year earlier (online)."""
    start = fy_start(k)
    prev_fabric = Decimal(_sum(monthly, start - 12, start - 1, 2)) / 100
    target = (prev_fabric * factor).quantize(Decimal("0.01"), ROUND_HALF_UP)
    fabric = Decimal(_sum(monthly, start, k, 2)) / 100
    online = Decimal(_sum(monthly, start, k, 1)) / 100
    online_prev = Decimal(_sum(monthly, start - 12, k - 12, 1)) / 100
    return {
        "month": month_text(k),
        "fiscal_year": fiscal_year(k),
        "sales_fy": f"{Decimal(_sum(monthly, start, k, 0)) / 100:.2f}",
        "fabric_sales_prev_fy": f"{prev_fabric:.2f}",
        "fabric_target": f"{target:.2f}",
        "fabric_sales_fy": f"{fabric:.2f}",
        "fabric_pct": _pct(fabric, target),
        "online_sales_fy": f"{online:.2f}",
        "online_sales_prev_same_period": f"{online_prev:.2f}",
        "online_growth_pct": _pct(online - online_prev, online_prev),
    }


def monthly_from_json(data: dict) -> dict[int, list[int]]:
    """The ``monthly`` of a RESULT line ({"YYYY-MM": [all, online, fabric] baht text}) back to
    {k: [satang, ...]}."""
    out = {}
    for text, values in data.items():
        k = month_key(parse_month(text))
        out[k] = [int(Decimal(v) * 100) for v in values]
    return out


# ---------------------------------------------------------------------------------------------
# Database


def _flag(value: bool) -> str:
    return "t" if value else "f"


class Writer(generate.CopyWriter):
    """COPY text lines per table, sent in batches; monthly sums kept for the RESULT."""

    tables = TABLES

    def __init__(self, conn):
        super().__init__(conn)
        self.monthly: dict[int, list[int]] = {}
        self.rows_by = {"offline": 0, "online": 0, "with_product": 0, "no_product": 0}

    def add(self, p: dict, stamp: str, model: SalesModel | None, months: range):
        pid = self._id("otop_producer")
        sub = p["subdistrict"]
        self.lines["otop_producer"].append(
            f"{pid}\t{p['code']}\t{p['name']}\t{p['kind']}\t{p['registration_no']}\t{sub[:2]}\t"
            f"{sub[:4]}\t{sub}\t{p['contact_name']}\t{p['phone']}\t{p['address']}\t"
            f"{_flag(p['shop_chumchon'])}\t{p['other_online']}\t{_flag(p['thai_fabric_group'])}\t"
            f"{_flag(p['active'])}\t{stamp}\t{stamp}\n"
        )
        product_ids = {}
        for product in p["products"]:
            prod_id = product_ids[product["code"]] = self._id("otop_product")
            ratings = product["ratings"]
            stars, year = (ratings[0][1], ratings[0][0]) if ratings else (NULL, NULL)
            self.lines["otop_product"].append(
                f"{prod_id}\t{product['code']}\t{pid}\t{product['name']}\t{product['category']}\t"
                f"{stars}\t{year}\t{_flag(product['thai_fabric'])}\t{product['price']}.00\t\t"
                f"t\t{stamp}\t{stamp}\n"
            )
            for year, value in ratings:
                self.lines["otop_starrating"].append(
                    f"{self._id('otop_starrating')}\t{prod_id}\t{year}\t{value}\t"
                    f"{year - 543}-08-15 10:00:00+07\n"
                )
        if model is None:
            return
        sales = self.lines["otop_sale"]
        for k in months:
            rows = model.month(k)
            if not rows:
                continue
            sums = self.monthly.setdefault(k, [0, 0, 0])
            month = month_date(k).isoformat()
            updated = month_date(k + 1).isoformat()
            for product, channel, detail, value, fabric in rows:
                sales.append(
                    f"{self._id('otop_sale')}\t{pid}\t{product_ids[product] if product else NULL}"
                    f"\t{month}\t{channel}\t{detail}\t{baht_text(value)}\t{updated} 09:00:00+07\n"
                )
                sums[0] += value
                if channel == "online":
                    sums[1] += value
                if fabric:
                    sums[2] += value
                self.rows_by[channel] += 1
                self.rows_by["with_product" if product else "no_product"] += 1


def main(argv=None) -> dict:
    parser = generate.province_parser(__doc__)
    parser.add_argument("--producers", type=int, default=5_000)
    parser.add_argument("--seed", default="1")
    parser.add_argument(
        "--as-of", type=parse_month, default=date.today(), help="YYYY-MM or YYYY-MM-DD"
    )
    parser.add_argument("--no-sales", action="store_true", help="producers and products only")
    parser.add_argument("--batch-size", type=int, default=500, help="producers per COPY")
    args = generate.parse_province_args(parser, argv)

    started = time.perf_counter()
    conn, subdistricts = generate.province_connection(
        args, "generate_otop.py", TABLES, "otop_producer", "OTOP producers"
    )

    t0 = time.perf_counter()
    producers = plan_producers(subdistricts, args.producers, args.seed, args.as_of, args.province)
    first, last = period(args.as_of)
    months = range(first, last + 1)
    writer = Writer(conn)
    created = f"{month_date(first - 12).isoformat()} 10:00:00+07"
    for i, p in enumerate(producers, start=1):
        model = None if args.no_sales else model_of(p, args.seed, args.as_of)
        writer.add(p, created, model, months)
        if i % args.batch_size == 0 or i == len(producers):
            writer.copy()
            if i % (args.batch_size * 4) == 0 or i == len(producers):
                print(f"  {i:>6,} producers, {writer.counts['otop_sale']:>8,} sales", flush=True)
    writer.reset_sequences()
    t_copy = time.perf_counter() - t0
    t0 = time.perf_counter()
    generate.vacuum_analyze(conn, TABLES)
    t_vacuum = time.perf_counter() - t0

    monthly = writer.monthly
    per_fy: dict[int, list[int]] = {}
    for k, sums in monthly.items():
        acc = per_fy.setdefault(fiscal_year(k), [0, 0, 0])
        for i in range(3):
            acc[i] += sums[i]
    products = [q for p in producers for q in p["products"]]
    result = {
        "province": args.province,
        "seed": args.seed,
        "as_of_month": month_text(last),
        "first_month": month_text(first),
        "months": len(months),
        "producers": writer.counts["otop_producer"],
        "producer_kinds": {k: sum(p["kind"] == k for p in producers) for k in KINDS},
        "weaving_groups": sum(p["thai_fabric_group"] for p in producers),
        "online_sellers": sum(p["shop_chumchon"] or bool(p["other_online"]) for p in producers),
        "shop_chumchon": sum(p["shop_chumchon"] for p in producers),
        "inactive": sum(not p["active"] for p in producers),
        "products": writer.counts["otop_product"],
        "thai_fabric_products": sum(q["thai_fabric"] for q in products),
        "products_with_stars": sum(bool(q["ratings"]) for q in products),
        "star_ratings": writer.counts["otop_starrating"],
        "sales": writer.counts["otop_sale"],
        "sales_rows": writer.rows_by,
        "per_fiscal_year": {
            fy: {
                "sales": baht_text(v[0]),
                "online": baht_text(v[1]),
                "thai_fabric": baht_text(v[2]),
            }
            for fy, v in sorted(per_fy.items())
        },
        "monthly": {month_text(k): [baht_text(x) for x in monthly[k]] for k in sorted(monthly)},
        "figures": figures(monthly, last) if monthly else None,
        "seconds": {
            "generate_and_copy": round(t_copy, 1),
            "vacuum_analyze": round(t_vacuum, 1),
            "total": round(time.perf_counter() - started, 1),
        },
    }
    print("RESULT " + json.dumps(result, ensure_ascii=False))
    return result


if __name__ == "__main__":
    main()
