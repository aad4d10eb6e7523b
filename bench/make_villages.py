"""Generate a village import file (header ``code,name,kind``) over the real subdistricts.

Rows go round-robin over all 7,436 subdistricts from ``geothai``: the first pass gives every
subdistrict village 01, the next village 02, and so on, so 80,000 rows reach village 11.
Names are deterministic ("บ้าน" + a name from a short list + the village number); Bangkok
(province 10) rows are urban communities, the rest villages. The same N gives the same file.

    .venv/bin/python bench/make_villages.py --rows 80000 --out /tmp/villages.csv --out /tmp/v.xlsx
"""

import argparse
import csv
from pathlib import Path

import geothai

NAMES = ["หนองบัว", "โนนสูง", "ดอนแดง", "ห้วยทราย", "ป่าไผ่", "นาคำ", "โคกกลาง", "สระแก้ว", "ท่าช้าง"]
HEADER = ["code", "name", "kind"]


def subdistrict_codes() -> list[str]:
    return [
        s.code
        for p in geothai.provinces()
        for d in geothai.districts(p.code)
        for s in geothai.subdistricts(d.code)
    ]


def village_rows(n: int):
    subs = subdistrict_codes()
    if n > len(subs) * 99:
        raise SystemExit(f"at most {len(subs) * 99} rows (99 villages per subdistrict)")
    for i in range(n):
        sub, moo = subs[i % len(subs)], i // len(subs) + 1
        kind = "community" if sub.startswith("10") else "village"
        yield [f"{sub}{moo:02d}", f"บ้าน{NAMES[i % len(NAMES)]} {moo}", kind]


def write(path: Path, n: int):
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(village_rows(n))
    elif path.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet("villages")
        ws.append(HEADER)
        for row in village_rows(n):
            ws.append(row)
        wb.save(path)
    else:
        raise SystemExit(f"{path}: use a .csv or .xlsx name")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=80_000)
    parser.add_argument("--out", type=Path, action="append", required=True, help="repeatable")
    args = parser.parse_args(argv)
    for path in args.out:
        write(path, args.rows)
        print(f"{path}: {args.rows} rows, {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
