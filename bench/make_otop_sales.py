"""Write an `otop_sales` import file (CONTRACT.md columns producer_code, product_code,
month, channel, amount) of valid rows for the OTOP producers of a database made by
``generate_otop.py``.

The producers and their products are read from the database (``--database-url`` or
DATABASE_URL). Each producer's sales come from the same model as ``generate_otop.py``
(``SalesModel``: rebuilt from the producer's code, kind, weaving group, online seller and
active flags and its products, with the same seeded streams), for the months *before* the
generator's period, the months a province would enter when it types in its older records:
whole months going back from the month before the period's first (September five fiscal
years before ``--as-of``'s), until there are ``--rows`` rows; the earliest month used is cut
to a seeded random subset so the file holds exactly ``--rows`` rows. Keys already stored in
the database (producer, product, month, channel) are left out, so every row is new: the
import must print ``created N, updated 0, unchanged 0``, and a re-import of the same file
``created 0, updated 0, unchanged N``. Keys are unique within the file.

Rows are in month order, then producer and product code, offline before online (rows without
a product have an empty product_code). CSV: months as ``YYYY-MM``, amounts with 2 decimals.
XLSX: openpyxl write-only, the month as the text ``YYYY-MM`` and the amount as a number.

    .venv/bin/python bench/make_otop_sales.py --database-url postgres://postgres@127.0.0.1/DB \\
        [--province 19] [--rows 100000] [--seed 1] [--as-of YYYY-MM[-DD]] \\
        --out /tmp/otop_sales.csv --out /tmp/otop_sales.xlsx
"""

import random
import time
from datetime import date
from pathlib import Path

import generate
import generate_otop as go

HEADER = ["producer_code", "product_code", "month", "channel", "amount"]


def producers_from_db(url: str, province: str, before: date) -> tuple[list[tuple], set]:
    """The province's producers as SalesModel arguments (code order) and the sale keys already
    stored before ``before``: {(producer code, product code or '', month key, channel)}."""
    conn = generate.connect(url)
    with conn.cursor() as cur:
        cur.execute(
            "SELECT id, code, kind, thai_fabric_group, shop_chumchon OR other_online <> '', "
            "active FROM otop_producer WHERE province_id = %s ORDER BY code",
            [province],
        )
        producers = cur.fetchall()
        cur.execute(
            "SELECT q.producer_id, q.code, q.thai_fabric FROM otop_product q "
            "JOIN otop_producer p ON p.id = q.producer_id WHERE p.province_id = %s "
            "ORDER BY q.code",
            [province],
        )
        products = {}
        for producer_id, code, fabric in cur.fetchall():
            products.setdefault(producer_id, []).append((code, fabric))
        cur.execute(
            "SELECT p.code, coalesce(q.code, ''), s.month, s.channel FROM otop_sale s "
            "JOIN otop_producer p ON p.id = s.producer_id "
            "LEFT JOIN otop_product q ON q.id = s.product_id "
            "WHERE p.province_id = %s AND s.month < %s",
            [province, before],
        )
        stored = {(p, q, go.month_key(m), c) for p, q, m, c in cur.fetchall()}
    conn.close()
    return [
        (code, kind, weaving, online, active, products.get(pk, []))
        for pk, code, kind, weaving, online, active in producers
    ], stored


def sale_rows(producers, stored: set, n: int, seed, as_of: date):
    """Exactly n rows [(month key, producer code, product code or '', channel, satang)]."""
    first, _last = go.period(as_of)
    models = [go.SalesModel(seed, as_of, *p) for p in producers]
    out = []
    k = first - 1
    while len(out) < n:
        month = []
        for model in models:
            for product, channel, _detail, value, _fabric in model.month(k):
                key = (model.code, product or "", k, channel)
                if key not in stored:
                    month.append((k, model.code, product or "", channel, value))
        if not month and k < first - 240:
            raise SystemExit(f"only {len(out)} rows possible for these producers")
        room = n - len(out)
        if len(month) > room:  # the earliest month: a seeded subset
            keep = set(random.Random(f"{seed}:otop-import:{k}").sample(range(len(month)), room))
            month = [row for i, row in enumerate(month) if i in keep]
        out = month + out
        k -= 1
    out.sort(key=lambda row: (row[0], row[1], row[2], row[3] != "offline"))
    return out


def write(path: Path, rows) -> int:
    """Write the rows to a .csv or .xlsx file; return the count."""

    def csv_row(row):
        k, producer, product, channel, value = row
        return [producer, product, go.month_text(k), channel, go.baht_text(value)]

    def xlsx_row(row):
        k, producer, product, channel, value = row
        return [producer, product or None, go.month_text(k), channel, value / 100]

    return generate.write_table(
        path, HEADER, rows, sheet="otop_sales", csv_row=csv_row, xlsx_row=xlsx_row
    )


def main(argv=None) -> dict:
    args = generate.import_file_args(
        __doc__, argv, rows=100_000, as_of_type=go.parse_month, as_of_help="YYYY-MM or YYYY-MM-DD"
    )
    started = time.perf_counter()
    first, _last = go.period(args.as_of)
    producers, stored = producers_from_db(args.database_url, args.province, go.month_date(first))
    if not producers:
        raise SystemExit(f"no OTOP producers in province {args.province}: run generate_otop.py")
    rows = sale_rows(producers, stored, args.rows, args.seed, args.as_of)
    result = {
        "producers": len(producers),
        "producers_in_file": len({row[1] for row in rows}),
        "rows": len(rows),
        "with_product": sum(bool(row[2]) for row in rows),
        "online": sum(row[3] == "online" for row in rows),
        "amount": go.baht_text(sum(row[4] for row in rows)),
        "first_month": go.month_text(rows[0][0]) if rows else None,
        "last_month": go.month_text(rows[-1][0]) if rows else None,
    }
    return generate.write_import_files(result, args.out, lambda path: write(path, rows), started)


if __name__ == "__main__":
    main()
