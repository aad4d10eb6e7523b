"""Generate realistic target-household data into a PostgreSQL database, fast (COPY).

For the benchmarks of the household pages and for later report and dashboard benchmarks.
Writes straight into the tables of an already migrated database (``--setup`` migrates it and
loads the geography first), with psycopg2 ``copy_expert`` in batches, so memory stays flat
whatever the size:

- villages: about ``--villages-per-subdistrict`` (default 10, 7-13 each) per subdistrict of
  the scope, 8-digit code = subdistrict + หมู่ number (``INSERT ... ON CONFLICT DO NOTHING``:
  villages that already exist are kept, and households go to every village of the scope);
- mentor teams (ทีมพี่เลี้ยง): per district, each looking after 10-15 of the plans;
- households: house code = village code + 3-digit number; 1-9 members (mostly 3-5); income
  10,000-60,000 baht per person per year (skewed low); survey year (BE) the current or the
  previous one; ~25% newly found (``new``), the rest ``tpmap``; 1-3 failing dimensions
  weighted to income and living conditions; housing needs for those failing living
  conditions; ~70% with a valid 13-digit national ID (mod-11 checksum), the rest blank;
- development plans for ~40%, made in ``--plan-fy`` (default FY 2569 = 2025-10-01 ..
  2026-09-30, never after ``--as-of``), with needs text and a mentor team;
- assistance for ~60% of households with a plan and ~12% of the others, 1-4 rows each, dated
  in the 12 months up to ``--as-of`` (and not before the plan), mostly in a failing dimension;
- ``helped_<dimension>_on`` = the first assistance date in that dimension (what
  ``households.services.refresh_helped`` computes) and a consistent status: assistance ->
  ``being_helped`` (or ``passed`` for a quarter of those helped in every failing dimension),
  else a plan -> ``has_plan``, else ``target``; 0.6% of the unhelped moved away or died.

No audit entries and no users are written. Every village's households come from their own
random stream seeded with ``--seed`` and the village code, so the same seed, scope and
``--as-of`` always give the same rows (``--as-of`` defaults to today: pass it to reproduce a
data set exactly on another day).

Scales:

    # one province, 250,000 households (about 20 s on 2 cores)
    .venv/bin/python bench/generate.py --database-url postgres://postgres@127.0.0.1/cdd_x \\
        --setup --scale province --province 19 --households 250000 --seed 1
    # the whole country, ~13 million households spread over the 77 provinces by their number of
    # subdistricts and a regional poverty weight (north-east and north heavier); --limit stops
    # after N households and prints the projected time of the full run
    .venv/bin/python bench/generate.py --setup --scale national --limit 1000000
    # villages only (what bench_households.py does before importing a households file)
    .venv/bin/python bench/generate.py --scale province --province 19 --households 0

Secondary indexes and foreign keys of the three household tables are dropped during large
loads (``--drop-indexes auto``: when at least 1,000,000 households are written) and rebuilt
afterwards from their saved definitions; then ``VACUUM ANALYZE``. The households of the scope
must not exist yet (use a fresh database). The last line printed is ``RESULT {json}``.
"""

import argparse
import bisect
import csv
import io
import json
import os
import queue
import random
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NATIONAL_HOUSEHOLDS = 13_000_000
MAX_PER_VILLAGE = 999  # the house code keeps 3 digits for the house number
NULL = "\\N"  # NULL in COPY's text format

DIMS = ["health", "living", "education", "income", "public_services"]
DIM_WEIGHTS = [13, 30, 12, 35, 10]
FAIL_COUNT_WEIGHTS = [55, 32, 13]  # 1, 2 or 3 failing dimensions
MEMBER_WEIGHTS = [8, 14, 20, 20, 15, 10, 6, 4, 3]  # 1..9 members
# Regional weight of poverty by the first digit of the province code (TPMAP: the north-east and
# the north have most target households, Bangkok and the east fewest).
REGION_WEIGHT = {
    "1": 0.6,
    "2": 0.7,
    "3": 1.4,
    "4": 1.5,
    "5": 1.2,
    "6": 1.1,
    "7": 0.8,
    "8": 1.0,
    "9": 1.1,
}

MALE = ["สมชาย", "สมศักดิ์", "บุญมี", "ประเสริฐ", "สมบัติ", "ทองดี", "วิชัย", "สุชาติ", "บุญเลิศ", "คำปัน"]
FEMALE = ["สมศรี", "บุญเรือน", "มาลี", "ทองใบ", "สมพร", "คำมี", "บัวผัน", "จันทร์เพ็ญ", "สายทอง", "นงลักษณ์"]
SURNAMES = [
    "ใจดี", "สุขสันต์", "ศรีสุข", "บุญมา", "แก้วมณี", "ทองคำ", "พรหมมา", "ชัยมงคล", "สีดา",
    "วงศ์ใหญ่", "คำแสน", "อินทร์แก้ว", "ปัญญาดี", "มีสุข", "จันทร์หอม", "ศรีวงศ์",
]  # fmt: skip
VILLAGE_NAMES = ["หนองบัว", "โนนสูง", "ดอนแดง", "ห้วยทราย", "ป่าไผ่", "นาคำ", "โคกกลาง", "สระแก้ว"]
PHASES = ["short", "medium", "long"]
PHASE_WEIGHTS = [50, 30, 20]
AGENCIES = [
    "สำนักงานพัฒนาชุมชนอำเภอ", "องค์การบริหารส่วนตำบล", "สำนักงานพัฒนาสังคมและความมั่นคงของมนุษย์จังหวัด",
    "โรงพยาบาลส่งเสริมสุขภาพตำบล", "สำนักงานเกษตรอำเภอ", "ที่ว่าการอำเภอ", "มูลนิธิในพื้นที่",
]  # fmt: skip
HELP = {
    "health": ["ตรวจสุขภาพและส่งต่อ รพ.สต.", "มอบกายอุปกรณ์", "เยี่ยมบ้านผู้ป่วยติดเตียง"],
    "living": ["ซ่อมแซมบ้าน", "มอบเครื่องอุปโภคบริโภค", "สร้างห้องน้ำ"],
    "education": ["ทุนการศึกษา", "มอบอุปกรณ์การเรียน", "ส่งต่อ กศน."],
    "income": ["ส่งเสริมอาชีพเลี้ยงไก่ไข่", "ปลูกผักสวนครัว", "ฝึกอาชีพและจัดหางาน"],
    "public_services": ["ทำบัตรประจำตัวประชาชน", "ลงทะเบียนเบี้ยยังชีพ", "ลงทะเบียนสวัสดิการแห่งรัฐ"],
}
NEEDS = {
    "health": "ต้องการการดูแลสุขภาพต่อเนื่อง",
    "living": "ต้องการซ่อมแซมที่อยู่อาศัย",
    "education": "ต้องการทุนการศึกษาให้บุตร",
    "income": "ต้องการอาชีพเสริมเพิ่มรายได้",
    "public_services": "ต้องการเข้าถึงสวัสดิการของรัฐ",
}
POSITIONS = ["พัฒนากร", "ผู้ใหญ่บ้าน", "อสม.", "ผู้นำชุมชน", "เจ้าหน้าที่ อบต."]

HOUSEHOLD_COLUMNS = (
    "id, house_code, village_id, subdistrict_id, district_id, province_id, head_name, "
    "national_id, members, income_per_person, survey_year, source, status, "
    + ", ".join(f"fails_{d}" for d in DIMS)
    + ", "
    + ", ".join(f"helped_{d}_on" for d in DIMS)
    + ", needs_house_repair, needs_household_goods, needs_toilet, improvement_summary, "
    "created_at, updated_at"
)
PLAN_COLUMNS = (
    "id, household_id, made_on, mentor_team_id, "
    + ", ".join(f"needs_{d}" for d in DIMS)
    + ", commitments"
)
ASSISTANCE_COLUMNS = (
    "id, household_id, date, dimension, phase, agency, description, value, created_by_id, "
    "created_at"
)
TEAM_COLUMNS = "id, district_id, name, members"
TABLES = {
    "households_mentorteam": TEAM_COLUMNS,
    "households_household": HOUSEHOLD_COLUMNS,
    "households_developmentplan": PLAN_COLUMNS,
    "households_assistance": ASSISTANCE_COLUMNS,
}
# Tables whose secondary indexes and foreign keys are dropped during a large load.
INDEXED_TABLES = ["households_household", "households_developmentplan", "households_assistance"]


# ---------------------------------------------------------------------------------------------
# Pure generation (no database): shared with make_households.py


def national_id_checksum(first12: str) -> str:
    total = sum(int(d) * w for d, w in zip(first12, range(13, 1, -1), strict=True))
    return str((11 - total % 11) % 10)


def fiscal_year_range(fy_be: int) -> tuple[date, date]:
    """FY 2569 (B.E.) = 2025-10-01 .. 2026-09-30."""
    end_ce = fy_be - 543
    return date(end_ce - 1, 10, 1), date(end_ce, 9, 30)


def plan_villages(subdistricts, per_subdistrict: int, seed) -> list[tuple[str, str, str, str]]:
    """(code, subdistrict code, name, kind) of the villages the generator creates.

    Each subdistrict gets per_subdistrict +- 3 villages (at least 1), from its own seeded
    stream, so a subdistrict always gets the same villages whatever the scope.
    """
    villages = []
    for sub in sorted(subdistricts):
        r = random.Random(f"{seed}:villages:{sub}")
        spread = min(3, per_subdistrict - 1)
        n = max(1, min(99, per_subdistrict + r.randint(-spread, spread)))
        kind = "community" if sub.startswith("10") else "village"
        for moo in range(1, n + 1):
            name = f"บ้าน{VILLAGE_NAMES[r.randrange(len(VILLAGE_NAMES))]} {moo}"
            villages.append((f"{sub}{moo:02d}", sub, name, kind))
    return villages


def allocate(total: int, weights: list[float]) -> list[int]:
    """Split total into integers proportional to weights (largest remainder)."""
    if not weights:
        return []
    s = sum(weights)
    raw = [total * w / s for w in weights]
    counts = [int(x) for x in raw]
    rest = total - sum(counts)
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - counts[i], reverse=True)[:rest]:
        counts[i] += 1
    return counts


def village_weight(code: str, seed) -> float:
    """How many households a village has relative to others of its province."""
    weight = random.Random(f"{seed}:size:{code}").uniform(0.5, 1.5)
    return weight * province_weight(code[:2], seed)


def province_weight(province: str, seed) -> float:
    return REGION_WEIGHT.get(province[0], 1.0) * random.Random(f"{seed}:prov:{province}").uniform(
        0.8, 1.2
    )


def household_counts(village_codes: list[str], total: int, seed) -> list[int]:
    """Households per village (same order), proportional-ish to the villages' weights."""
    counts = allocate(total, [village_weight(c, seed) for c in village_codes])
    if counts and max(counts) > MAX_PER_VILLAGE:
        raise SystemExit(
            f"{max(counts)} households in one village: at most {MAX_PER_VILLAGE} fit the 3-digit "
            "house number; use more villages (--villages-per-subdistrict) or fewer households"
        )
    return counts


def cumulative(weights):
    """Running totals of weights, for ``pick`` (and ``bisect`` over a random fraction)."""
    out, acc = [], 0
    for w in weights:
        acc += w
        out.append(acc)
    return out


def pick(r: random.Random, values, cum):
    """One of ``values``, weighted by the running totals ``cum`` (``cumulative``)."""
    return values[bisect.bisect_right(cum, r.random() * cum[-1])]


def baht_text(satang: int) -> str:
    """Satang as baht text with two decimals, as COPY and the import files take it."""
    return f"{satang // 100}.{satang % 100:02d}"


MEMBER_CUM = cumulative(MEMBER_WEIGHTS)
FAIL_COUNT_CUM = cumulative(FAIL_COUNT_WEIGHTS)
PHASE_CUM = cumulative(PHASE_WEIGHTS)


class Clock:
    """Dates the generator uses, fixed by --as-of and --plan-fy."""

    def __init__(self, as_of: date, plan_fy: int):
        self.as_of = as_of
        self.as_of_ord = as_of.toordinal()
        start, end = fiscal_year_range(plan_fy)
        self.plan_start = start.toordinal()
        self.plan_end = min(end, as_of).toordinal()
        if self.plan_end < self.plan_start:  # the fiscal year has not started by --as-of
            self.plan_start = self.plan_end = self.as_of_ord
        self.help_start = (as_of - timedelta(days=364)).toordinal()
        be = as_of.year + 543
        self.survey_years = (be - 1, be)
        first = min(self.plan_start, self.help_start)
        self.iso = {o: date.fromordinal(o).isoformat() for o in range(first, self.as_of_ord + 1)}


def village_households(code: str, count: int, seed, clock: Clock):
    """The households of one village: a list of dicts (see generate.py's docstring)."""
    r = random.Random(f"{seed}:hh:{code}")
    rnd, rint, rrange = r.random, r.randint, r.randrange
    out = []
    for n in range(1, count + 1):
        female = rnd() < 0.55
        if female:
            head = (
                f"{'นาง' if rnd() < 0.8 else 'นางสาว'}{FEMALE[rrange(10)]} {SURNAMES[rrange(16)]}"
            )
        else:
            head = f"นาย{MALE[rrange(10)]} {SURNAMES[rrange(16)]}"
        national_id = ""
        if rnd() < 0.70:
            first12 = f"{'1133358'[rrange(7)]}{rrange(10**11):011d}"
            national_id = first12 + national_id_checksum(first12)
        k = bisect.bisect_right(FAIL_COUNT_CUM, rnd() * FAIL_COUNT_CUM[-1]) + 1
        failing, pool, weights = [], list(DIMS), list(DIM_WEIGHTS)
        for _ in range(k):
            x = rnd() * sum(weights)
            i = bisect.bisect_right(cumulative(weights), x)
            failing.append(pool.pop(i))
            weights.pop(i)
        living = "living" in failing
        plan = rint(clock.plan_start, clock.plan_end) if rnd() < 0.40 else None
        helps = []
        if rnd() < (0.60 if plan else 0.12):
            low = max(clock.help_start, plan or 0)
            for _ in range(1 + (rnd() > 0.45) + (rnd() > 0.67) + (rnd() > 0.90)):
                dim = failing[rrange(len(failing))] if rnd() < 0.9 else DIMS[rrange(5)]
                phase = PHASES[bisect.bisect_right(PHASE_CUM, rnd() * 100)]
                if phase == "short":
                    value = f"{rint(5, 30) * 100}.00"
                elif phase == "medium":
                    value = f"{rint(10, 100) * 100}.00" if rnd() < 0.5 else None
                else:
                    value = f"{rint(30, 300) * 100}.00"
                helps.append(
                    (
                        rint(low, clock.as_of_ord),
                        dim,
                        phase,
                        AGENCIES[rrange(len(AGENCIES))],
                        HELP[dim][rrange(3)],
                        value,
                    )
                )
        helped = {}
        for h in helps:
            if h[1] not in helped or h[0] < helped[h[1]]:
                helped[h[1]] = h[0]
        if helps:
            done = all(d in helped for d in failing)
            status = "passed" if done and rnd() < 0.25 else "being_helped"
        else:
            x = rnd()
            status = "moved" if x < 0.004 else "deceased" if x < 0.006 else None
            status = status or ("has_plan" if plan else "target")
        out.append(
            {
                "house_code": f"{code}{n:03d}",
                "village_code": code,
                "head_name": head,
                "national_id": national_id,
                "members": bisect.bisect_right(MEMBER_CUM, rnd() * MEMBER_CUM[-1]) + 1,
                "income_per_person": int(r.triangular(10_000, 60_000, 22_000)),
                "survey_year": clock.survey_years[rnd() < 0.3],
                "source": "new" if rnd() < 0.25 else "tpmap",
                "status": status,
                "failing": failing,
                "needs": (
                    living and rnd() < 0.4,
                    living and rnd() < 0.3,
                    living and rnd() < 0.2,
                ),
                "plan": plan,
                "helps": helps,
                "helped": helped,
            }
        )
    return out


# ---------------------------------------------------------------------------------------------
# Database


def connect(url: str):
    import psycopg2

    return psycopg2.connect(url)


def manage(url: str, *args: str):
    env = dict(os.environ, DATABASE_URL=url, DJANGO_SETTINGS_MODULE="cdd.settings.local")
    env["CELERY_BROKER_URL"] = ""
    print("manage.py", *args, flush=True)
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


# ---------------------------------------------------------------------------------------------
# Import files (the make_*.py generators)


def write_table(path: Path, header, rows, *, sheet: str, csv_row=None, xlsx_row=None) -> int:
    """Write an import file, .csv (UTF-8) or .xlsx (openpyxl write-only, one sheet named
    ``sheet``): the header, then each row's cells as ``csv_row(row)`` / ``xlsx_row(row)`` give
    them (the row itself by default). Returns how many rows were written."""
    n = 0
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            for row in rows:
                writer.writerow(csv_row(row) if csv_row else row)
                n += 1
    elif path.suffix == ".xlsx":
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet)
        ws.append(header)
        for row in rows:
            ws.append(xlsx_row(row) if xlsx_row else row)
            n += 1
        wb.save(path)
    else:
        raise SystemExit(f"{path}: use a .csv or .xlsx name")
    return n


def import_file_args(doc: str, argv, *, rows: int, as_of_type, as_of_help: str):
    """The options of make_payments.py and make_otop_sales.py, read from ``argv``."""
    parser = province_parser(doc)
    parser.add_argument("--rows", type=int, default=rows)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", type=as_of_type, default=date.today(), help=as_of_help)
    parser.add_argument("--out", action="append", type=Path, required=True, help=".csv or .xlsx")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("--database-url (or DATABASE_URL) is required")
    return args


def write_import_files(result: dict, paths, write, started: float) -> dict:
    """Call ``write(path)`` for each path, note each file's size and time in ``result["files"]``
    and the seconds since ``started``, print the ``RESULT`` line; return ``result``."""
    files = result["files"] = {}
    for path in paths:
        t0 = time.perf_counter()
        write(path)
        files[str(path)] = {
            "mb": round(path.stat().st_size / 1e6, 2),
            "seconds": round(time.perf_counter() - t0, 1),
        }
        print(f"wrote {path} ({files[str(path)]['mb']} MB)", flush=True)
    result["seconds"] = round(time.perf_counter() - started, 1)
    print("RESULT " + json.dumps(result))
    return result


# ---------------------------------------------------------------------------------------------
# Generating into the database (shared with generate_funds.py and generate_otop.py)


def require_postgres(parser, args):
    if not args.database_url or not args.database_url.startswith(("postgres", "postgresql")):
        parser.error("a PostgreSQL --database-url (or DATABASE_URL) is required")


def check_columns(cur, tables: dict[str, str], script: str):
    """Fail clearly when a table gained a NOT NULL column ``script`` does not fill."""
    for table, columns in tables.items():
        filled = {c.strip() for c in columns.split(",")}
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s "
            "AND is_nullable = 'NO' AND column_default IS NULL AND is_identity = 'NO'",
            [table],
        )
        missing = sorted({row[0] for row in cur.fetchall()} - filled)
        if missing:
            raise SystemExit(f"{table} has NOT NULL columns {script} does not fill: {missing}")


def _next_id(cur, table: str) -> int:
    cur.execute(f"SELECT coalesce(max(id), 0) + 1 FROM {table}")
    return cur.fetchone()[0]


def province_parser(doc: str):
    """The options of a generator into one province (generate_funds.py, generate_otop.py):
    ``--database-url`` and ``--province`` first; ``parse_province_args`` adds ``--setup``."""
    parser = argparse.ArgumentParser(
        description=doc.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--province", default="19")
    return parser


def parse_province_args(parser, argv):
    parser.add_argument("--setup", action="store_true", help="migrate and load_geography first")
    args = parser.parse_args(argv)
    require_postgres(parser, args)
    return args


def province_connection(args, script: str, tables, empty: str, what: str):
    """(connection, subdistrict codes) for generating into ``args.province``: ``migrate`` and
    ``load_geography`` first with ``--setup``; the tables checked (``check_columns``); refused
    when the province has no subdistricts or already has rows in the table ``empty`` (``what``
    names them); synchronous commit off for the COPYs."""
    url, province = args.database_url, args.province
    if args.setup:
        manage(url, "migrate", "--noinput")
        manage(url, "load_geography", "--province", province)
    conn = connect(url)
    with conn.cursor() as cur:
        check_columns(cur, tables, script)
        subdistricts = _scope_subdistricts(cur, [province])
        if not subdistricts:
            raise SystemExit(f"no subdistricts in province {province}: run load_geography")
        cur.execute(f"SELECT count(*) FROM {empty} WHERE province_id = %s", [province])
        if cur.fetchone()[0]:
            raise SystemExit(f"{what} already exist in this province: use a fresh database")
        cur.execute("SET synchronous_commit = off")
    return conn, subdistricts


def vacuum_analyze(conn, tables):
    """VACUUM ANALYZE the tables written, then close the connection."""
    conn.autocommit = True
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(f"VACUUM ANALYZE {table}")
    conn.close()


class CopyWriter:
    """COPY text lines buffered per table (``tables``: table -> its column list) and sent in
    batches with psycopg2 ``copy_expert``; ids continue after the largest stored one."""

    tables: dict[str, str] = {}

    def __init__(self, conn):
        self.conn = conn
        with conn.cursor() as cur:
            self.ids = {t: _next_id(cur, t) for t in self.tables}
        self.lines = {t: [] for t in self.tables}
        self.counts = {t: 0 for t in self.tables}

    def _id(self, table):
        value = self.ids[table]
        self.ids[table] += 1
        return value

    def take(self) -> dict[str, list[str]]:
        """The buffered lines, handed over for copying; the buffers start empty again."""
        batch, self.lines = self.lines, {t: [] for t in self.tables}
        return batch

    def copy(self, batch: dict[str, list[str]] | None = None):
        """COPY a batch (by default what is buffered now) and commit."""
        if batch is None:
            batch = self.take()
        with self.conn.cursor() as cur:
            for table, columns in self.tables.items():
                lines = batch[table]
                if lines:
                    data = io.StringIO("".join(lines))
                    cur.copy_expert(f"COPY {table} ({columns}) FROM STDIN", data, size=1 << 20)
                    self.counts[table] += len(lines)
        self.conn.commit()

    def reset_sequences(self, extra=()):
        """Move the id sequences of the tables (and ``extra`` ones) past the ids written."""
        with self.conn.cursor() as cur:
            for table in [*self.tables, *extra]:
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
        self.conn.commit()


def _scope_subdistricts(cur, provinces: list[str] | None) -> list[str]:
    if provinces:
        cur.execute(
            "SELECT s.code FROM villages_subdistrict s JOIN villages_district d "
            "ON d.code = s.district_id WHERE d.province_id = ANY(%s) ORDER BY s.code",
            [provinces],
        )
    else:
        cur.execute("SELECT code FROM villages_subdistrict ORDER BY code")
    return [row[0] for row in cur.fetchall()]


def ensure_villages(conn, provinces, per_subdistrict: int, seed) -> list[tuple[int, str, str]]:
    """Create the planned villages that do not exist yet; return (id, code, subdistrict) of
    every village of the scope, in code order."""
    from psycopg2.extras import execute_values

    with conn.cursor() as cur:
        subs = _scope_subdistricts(cur, provinces)
        if not subs:
            where = f"province {', '.join(provinces)}" if provinces else "the database"
            raise SystemExit(f"no subdistricts in {where}: run load_geography (or use --setup)")
        execute_values(
            cur,
            "INSERT INTO villages_village (code, subdistrict_id, name, kind) VALUES %s "
            "ON CONFLICT (code) DO NOTHING",
            plan_villages(subs, per_subdistrict, seed),
            page_size=5000,
        )
        cur.execute(
            "SELECT id, code, subdistrict_id FROM villages_village "
            "WHERE subdistrict_id = ANY(%s) ORDER BY code",
            [subs],
        )
        villages = cur.fetchall()
    conn.commit()
    return villages


def _secondary_indexes(cur) -> tuple[list[tuple[str, str, str]], list[tuple[str, str]]]:
    """(table, name, definition) of FK and unique constraints, and (name, CREATE INDEX ...) of
    the other non-primary indexes, of the household tables."""
    cur.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype IN ('f', 'u') ORDER BY contype, conname",
        [INDEXED_TABLES],
    )
    constraints = cur.fetchall()
    cur.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS "
        "(SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
        [INDEXED_TABLES],
    )
    return constraints, cur.fetchall()


def drop_indexes(conn):
    with conn.cursor() as cur:
        constraints, indexes = _secondary_indexes(cur)
        for table, name, _definition in constraints:
            cur.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cur.execute(f"DROP INDEX {name}")
    conn.commit()
    return constraints, indexes


def restore_indexes(conn, saved):
    constraints, indexes = saved
    with conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        # Unique constraints first: they rebuild their own index.
        for table, name, definition in sorted(constraints, key=lambda c: "FOREIGN" in c[2]):
            cur.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            conn.commit()
        for _name, definition in indexes:
            cur.execute(definition)
            conn.commit()


class Writer(CopyWriter):
    """Buffers COPY text lines per table and sends them in batches."""

    tables = TABLES

    def __init__(self, conn, clock: Clock, seed):
        super().__init__(conn)
        stamp = f"{clock.as_of.isoformat()} 09:00:00+07"
        self.stamp = stamp
        self.iso = clock.iso
        self.teams = {}  # district -> [team id, plans left]
        self.team_rng = random.Random(f"{seed}:teams")
        self.team_numbers = {}

    def _team(self, district: str) -> int:
        team = self.teams.get(district)
        if team is None or team[1] == 0:
            r = self.team_rng
            number = self.team_numbers[district] = self.team_numbers.get(district, 0) + 1
            team_id = self.ids["households_mentorteam"]
            self.ids["households_mentorteam"] += 1
            people = "\\n".join(
                f"{FEMALE[r.randrange(10)]} {SURNAMES[r.randrange(16)]}, {POSITIONS[i]}"
                for i in range(r.randint(3, 5))
            )
            self.lines["households_mentorteam"].append(
                f"{team_id}\t{district}\tทีมพี่เลี้ยง {district} ชุดที่ {number}\t{people}\n"
            )
            team = self.teams[district] = [team_id, r.randint(10, 15)]
        team[1] -= 1
        return team[0]

    def add_village(self, village_id: int, code: str, subdistrict: str, households):
        iso, stamp = self.iso, self.stamp
        district, province = subdistrict[:4], subdistrict[:2]
        hh_lines = self.lines["households_household"]
        plan_lines = self.lines["households_developmentplan"]
        help_lines = self.lines["households_assistance"]
        for h in households:
            hid = self.ids["households_household"]
            self.ids["households_household"] += 1
            failing, helped = h["failing"], h["helped"]
            fails = "\t".join("t" if d in failing else "f" for d in DIMS)
            helped_on = "\t".join(iso[helped[d]] if d in helped else "\\N" for d in DIMS)
            needs = "\t".join("t" if x else "f" for x in h["needs"])
            hh_lines.append(
                f"{hid}\t{h['house_code']}\t{village_id}\t{subdistrict}\t{district}\t{province}\t"
                f"{h['head_name']}\t{h['national_id']}\t{h['members']}\t"
                f"{h['income_per_person']}.00\t{h['survey_year']}\t{h['source']}\t{h['status']}\t"
                f"{fails}\t{helped_on}\t{needs}\t\t{stamp}\t{stamp}\n"
            )
            if h["plan"]:
                pid = self.ids["households_developmentplan"]
                self.ids["households_developmentplan"] += 1
                plan_needs = "\t".join(NEEDS[d] if d in failing else "" for d in DIMS)
                plan_lines.append(
                    f"{pid}\t{hid}\t{iso[h['plan']]}\t{self._team(district)}\t{plan_needs}\t"
                    "ทำบัญชีครัวเรือนและลดรายจ่ายที่ไม่จำเป็น\n"
                )
            for day, dim, phase, agency, what, value in h["helps"]:
                aid = self.ids["households_assistance"]
                self.ids["households_assistance"] += 1
                help_lines.append(
                    f"{aid}\t{hid}\t{iso[day]}\t{dim}\t{phase}\t{agency}\t{what}\t"
                    f"{value or NULL}\t{NULL}\t{stamp}\n"
                )

    def pending(self) -> int:
        return len(self.lines["households_household"])


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--scale", choices=["province", "national"], default="province")
    parser.add_argument("--province", default="19", help="with --scale province (default 19)")
    parser.add_argument(
        "--households",
        type=int,
        help=f"total households (default 250000 for a province, {NATIONAL_HOUSEHOLDS} national)",
    )
    parser.add_argument("--limit", type=int, help="stop after this many households; project time")
    parser.add_argument("--villages-per-subdistrict", type=int, default=10)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today(), help="ISO date")
    parser.add_argument("--plan-fy", type=int, default=2569, help="fiscal year (B.E.) of plans")
    parser.add_argument("--batch-size", type=int, default=50_000, help="households per COPY")
    parser.add_argument("--drop-indexes", choices=["auto", "yes", "no"], default="auto")
    parser.add_argument(
        "--setup", action="store_true", help="migrate and load_geography (scope) first"
    )
    args = parser.parse_args(argv)
    require_postgres(parser, args)
    if args.households is None:
        args.households = 250_000 if args.scale == "province" else NATIONAL_HOUSEHOLDS

    started = time.perf_counter()
    if args.setup:
        manage(args.database_url, "migrate", "--noinput")
        geo = ["--province", args.province] if args.scale == "province" else []
        manage(args.database_url, "load_geography", *geo)
    conn = connect(args.database_url)
    provinces = [args.province] if args.scale == "province" else None
    with conn.cursor() as cur:
        check_columns(cur, TABLES, "generate.py")
    villages = ensure_villages(conn, provinces, args.villages_per_subdistrict, args.seed)
    t_villages = time.perf_counter() - started
    print(f"villages in scope: {len(villages)} ({t_villages:.1f} s)", flush=True)
    result = {"scale": args.scale, "province": args.province if provinces else None}
    result.update(villages=len(villages), households_planned=args.households, seed=args.seed)
    result["as_of"] = args.as_of.isoformat()
    if args.households == 0:
        conn.close()
        result["seconds"] = round(time.perf_counter() - started, 2)
        print("RESULT " + json.dumps(result))
        return result

    with conn.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM households_household WHERE village_id = ANY(%s)",
            [[v[0] for v in villages]],
        )
        if cur.fetchone()[0]:
            raise SystemExit("households already exist in this scope: use a fresh database")
        cur.execute("SET synchronous_commit = off")
    counts = household_counts([v[1] for v in villages], args.households, args.seed)
    target = min(args.households, args.limit or args.households)
    drop = args.drop_indexes == "yes" or (args.drop_indexes == "auto" and target >= 1_000_000)
    saved = drop_indexes(conn) if drop else None
    clock = Clock(args.as_of, args.plan_fy)
    writer = Writer(conn, clock, args.seed)
    t_gen = time.perf_counter()
    # One thread generates the rows while this one copies the previous batch (2 cores: Python
    # and the PostgreSQL backend work at the same time; psycopg2 releases the GIL in COPY).
    batches = queue.Queue(maxsize=2)

    def produce():
        written = 0
        try:
            for (village_id, code, sub), count in zip(villages, counts, strict=True):
                if written >= target:
                    break
                count = min(count, target - written)
                households = village_households(code, count, args.seed, clock)
                writer.add_village(village_id, code, sub, households)
                written += count
                if writer.pending() >= args.batch_size:
                    batches.put((written, writer.take()))
            batches.put((written, writer.take()))
            batches.put(None)
        except BaseException as exc:  # hand it to the copying thread
            batches.put(exc)

    producer = threading.Thread(target=produce, daemon=True)
    producer.start()
    written = 0
    try:
        while (item := batches.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            written, batch = item
            writer.copy(batch)
            rate = written / (time.perf_counter() - t_gen)
            print(f"  {written:>10,} households  {rate:,.0f}/s", flush=True)
        producer.join()
        writer.reset_sequences()
    finally:
        t_load = time.perf_counter() - t_gen
        if saved:
            print("rebuilding indexes and foreign keys ...", flush=True)
            t0 = time.perf_counter()
            restore_indexes(conn, saved)
            t_index = time.perf_counter() - t0
        else:
            t_index = 0.0
    t0 = time.perf_counter()
    vacuum_analyze(conn, ["villages_village", "households_mentorteam", *INDEXED_TABLES])
    t_vacuum = time.perf_counter() - t0
    total = time.perf_counter() - started
    result.update(
        households=writer.counts["households_household"],
        plans=writer.counts["households_developmentplan"],
        assistance=writer.counts["households_assistance"],
        mentor_teams=writer.counts["households_mentorteam"],
        indexes_dropped=bool(saved),
        seconds={
            "villages": round(t_villages, 1),
            "generate_and_copy": round(t_load, 1),
            "rebuild_indexes": round(t_index, 1),
            "vacuum_analyze": round(t_vacuum, 1),
            "total": round(total, 1),
        },
        households_per_second=round(written / t_load),
    )
    if written < args.households:
        # Loading is linear in rows; index builds are n log n, close enough to linear here.
        factor = args.households / written
        result["projected_full_seconds"] = round(
            t_villages + (t_load + t_index + t_vacuum) * factor
        )
        print(
            f"projected for {args.households:,} households: "
            f"{result['projected_full_seconds'] / 60:.1f} min",
            flush=True,
        )
    print("RESULT " + json.dumps(result))
    return result


if __name__ == "__main__":
    main()
