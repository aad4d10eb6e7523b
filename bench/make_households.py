"""Write an N-row households import file (CONTRACT.md columns) for the villages of a province.

Columns: house_code, village_code, head_name, national_id, members, income_per_person,
survey_year, source, failed_dimensions, plan_date. The rows are the households
``generate.py`` would create with the same ``--seed`` and ``--as-of`` (same names, IDs,
dimensions and plan dates; its assistance is not part of this resource), spread over the
villages in proportion to their generated size.

Villages come from the database when ``--database-url`` (or DATABASE_URL) is given (every
village whose code starts with the province code), otherwise from the codes ``generate.py``
creates for the province's subdistricts in ``geothai`` (``--villages-per-subdistrict``,
``--seed``), so a database prepared with ``generate.py --households 0`` matches either way.
The format follows the extension: .csv (UTF-8) or .xlsx (openpyxl write-only mode, codes and
IDs written as text, inline strings); ``--out`` may be repeated. ``--dimension`` adds the
``<dimension>`` element that Excel writes and openpyxl's write-only mode leaves out (without it
openpyxl's read-only reader parses the whole sheet an extra time just to find its size).

    .venv/bin/python bench/make_households.py --province 19 --rows 100000 \\
        --out /tmp/households.xlsx --out /tmp/households.csv [--database-url URL]
"""

import argparse
import os
import shutil
import zipfile
from datetime import date
from pathlib import Path

import generate

HEADER = [
    "house_code",
    "village_code",
    "head_name",
    "national_id",
    "members",
    "income_per_person",
    "survey_year",
    "source",
    "failed_dimensions",
    "plan_date",
]


def village_codes(province: str, database_url=None, per_subdistrict=10, seed="1") -> list[str]:
    if database_url:
        conn = generate.connect(database_url)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT code FROM villages_village WHERE code LIKE %s ORDER BY code",
                [f"{province}%"],
            )
            codes = [row[0] for row in cur.fetchall()]
        conn.close()
        if not codes:
            raise SystemExit(f"no villages of province {province} in the database")
        return codes
    import geothai

    subs = [s.code for d in geothai.districts(province) for s in geothai.subdistricts(d.code)]
    return [v[0] for v in generate.plan_villages(subs, per_subdistrict, seed)]


def household_rows(villages: list[str], n: int, seed="1", as_of: date | None = None):
    """Yield n import rows (lists in HEADER order)."""
    clock = generate.Clock(as_of or date.today(), 2569)
    counts = generate.household_counts(villages, n, seed)
    for code, count in zip(villages, counts, strict=True):
        for h in generate.village_households(code, count, seed, clock):
            yield [
                h["house_code"],
                code,
                h["head_name"],
                h["national_id"],
                h["members"],
                h["income_per_person"],
                h["survey_year"],
                h["source"],
                ",".join(h["failing"]),
                clock.iso[h["plan"]] if h["plan"] else "",
            ]


def add_dimension(path: Path, rows: int, cols: int = len(HEADER)):
    """Add the ``<dimension ref="A1:J100001"/>`` element Excel writes (openpyxl's write-only mode
    leaves it out, which makes its reader parse the whole sheet once more just to size it)."""
    from openpyxl.utils import get_column_letter

    element = f'</sheetPr><dimension ref="A1:{get_column_letter(cols)}{rows}"/>'.encode()
    tmp = path.with_name(path.name + ".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            with src.open(info) as f, dst.open(info, "w") as out:
                if info.filename.startswith("xl/worksheets/sheet"):
                    head = f.read(4096)
                    assert b"</sheetPr>" in head, "unexpected sheet XML"
                    out.write(head.replace(b"</sheetPr>", element, 1))
                shutil.copyfileobj(f, out, 1 << 20)
    tmp.replace(path)


def write(path: Path, rows, *, dimension: bool = False) -> int:
    """Write rows (an iterable) to path; return how many. ``dimension``: see add_dimension."""
    n = generate.write_table(path, HEADER, rows, sheet="households")
    if dimension and path.suffix == ".xlsx":
        add_dimension(path, n + 1)
    return n


def main(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--province", default="19")
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--out", type=Path, action="append", required=True, help="repeatable")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--villages-per-subdistrict", type=int, default=10)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today())
    parser.add_argument(
        "--dimension", action="store_true", help="xlsx: add <dimension> like Excel does"
    )
    args = parser.parse_args(argv)
    villages = village_codes(
        args.province, args.database_url, args.villages_per_subdistrict, args.seed
    )
    for path in args.out:
        rows = household_rows(villages, args.rows, args.seed, args.as_of)
        n = write(path, rows, dimension=args.dimension)
        print(f"{path}: {n} rows over {len(villages)} villages, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
