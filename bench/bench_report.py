"""The governor's-meeting monthly report at province scale and for the whole country.

Targets (the issue): at province scale (250,000 households, 50,000 WDF loans, ~600,000 OTOP
sales rows, 25 districts with narratives and 3 photos each) the JSON in ≤ 2 s, the PDF in
≤ 20 s with a peak worker memory ≤ 600 MB; all 77 provinces with 2 workers in ≤ 30 minutes.

The month is the last full month (``--month``, default: the month before today's), every
figure as of its last day; the generators get that day as ``--as-of``.

**a. Province scale** (``cdd_bench_report_province``): ``migrate``, ``load_geography
--province 34`` (อุบลราชธานี, 25 districts), then ``generate.py`` (250,000 households),
``generate_funds.py`` (50,000 contracts), ``generate_otop.py`` (5,000 producers, about 600,000
sales) and a seeding worker (``seed``, below) for every district. Measured:
- JSON: ``build_report(province, month, charts=False)`` + ``render(report, "json")`` in a
  worker process (Django set up, DEBUG off), ``--runs`` times after a warm-up (median, p95),
  each part of the build timed on its own (the five sections, the indicators, Sustainable
  Villages, the missions' narratives and photos) with its SQL; and ``manage.py
  build_monthly_report --format json`` as a subprocess (Django start-up included), median of
  ``--cli-runs``. With ``--profile`` (or when the median misses the target) a cProfile of
  one build.
- PDF: ``manage.py build_monthly_report --format pdf`` as a subprocess under
  ``/usr/bin/time -v`` (wall time, peak RSS of its largest process) with the summed PSS of
  all its processes polled every 0.1 s (the body is rendered in forked processes,
  ``reports/pdf/split.py``), ``--pdf-runs`` times; ``pdfinfo`` pages,
  ``pdfimages -list`` photos, ``pdftotext`` checked for a stored narrative; the cover, the
  first page with narratives and the first page with a photo rasterised with ``pdftoppm -r 50``
  into ``bench/out/report_pages/`` to look at. One in-process build is split into the build
  (charts included), the HTML and the WeasyPrint render in one piece, then timed as builds
  render it (``report_pdf``, in pieces).

**b. National** (``cdd_bench_report_national``, ``--skip-national`` to leave out): the whole
country's geography and ``generate.py --scale national`` (~13 million households), WDF and
OTOP data in proportion to each province's households (0.2 contracts and 0.02 producers a
household, so 250,000 households give the province-scale 50,000 and 5,000;
``--national-extras`` picks the provinces, ``all`` by default, two generator processes at a
time), and the seeding worker for all 928 districts (3 photos each drawn from a pool of
``--photo-pool`` distinct files). Two real Celery workers (``celery -A cdd worker
--concurrency 1 --pool prefork``, each under ``/usr/bin/time -v``, broker
``redis://127.0.0.1:6379/6``, cache and results on ``/7``) build what
``reports.archive.request_build(province, month, trigger="schedule")`` queues for each of
the 77 provinces (PDF, Excel and JSON: ``REPORT_ARCHIVE_FORMATS``). Measured: the wall time
from the first request to the last version done (target ≤ 30 min), each province's build
time (``built_at - started_at``), and the workers' peak RSS (``/proc`` polled every 0.5 s for
each process of the worker, and GNU time; also the largest sum of PSS (shared pages divided
among the processes sharing them) over a worker's busy processes: the pool child and the
render processes it forks).

**Seeding** (worker ``seed``): per province the 11 key missions and 8 standard headings of
the fiscal year and 11 indicators (one per mission; sum, average or latest); per district a
submission for the month (70% sent on time and approved, 15% sent on time and waiting, 10%
late with a reason, 5% resubmitted after a return), a narrative for every mission × heading
(2-4 Thai sentences built from the mission's topic, the district's subdistricts and villages
and random figures: 150-600 characters), a value for each indicator, and 3 photos attached to
3 different missions (1600 × 1200 JPEGs made with Pillow, an outdoor scene with sensor noise,
100-150 KB, written to a scratch MEDIA_ROOT); กข.คจ. funds for 38% of the villages. Django
runs everywhere on a settings module written to the scratch directory (``cdd.settings.local``
with DEBUG off and MEDIA_ROOT there).

Databases, the scratch directory and the workers are removed/stopped at the end, also after a
failure (``--keep`` keeps the databases and the directory; ``--reuse`` continues in kept
databases instead of regenerating what is already there). Prints a Markdown table and merges
the figures into ``bench/out/results.json`` under ``report``.

    cd bench && ../.venv/bin/python bench_report.py [--province 34] [--month YYYY-MM] \\
        [--runs 15] [--cli-runs 3] [--pdf-runs 3] [--profile] [--max-load 1.5] [--skip-province] \\
        [--skip-national] [--national-extras all|none|P,P,...] [--photo-pool 30] \\
        [--national-timeout 3600] [--prepare-only] [--keep] [--reuse] [--no-merge]
"""

import argparse
import json
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path

from _common import (
    PG,
    PYTHON,
    ROOT,
    TIME,
    Database,
    _peak_rss_mb,
    manage,
    merge_results,
    print_table,
    result_line,
    summary_ms,
    verdict,
)

HERE = Path(__file__).resolve().parent
PROVINCE = "34"
HOUSEHOLDS = 250_000
CONTRACTS = 50_000
PRODUCERS = 5_000
CONTRACTS_PER_HOUSEHOLD = CONTRACTS / HOUSEHOLDS
PRODUCERS_PER_HOUSEHOLD = PRODUCERS / HOUSEHOLDS
TARGET_JSON_S = 2
TARGET_PDF_S = 20
TARGET_PDF_MB = 600
TARGET_NATIONAL_S = 30 * 60
BROKER = "redis://127.0.0.1:6379/6"
RESULTS_REDIS = "redis://127.0.0.1:6379/7"
SETTINGS_MODULE = "bench_report_settings"
SETTINGS = '''"""bench_report.py: the local settings with DEBUG off and a scratch MEDIA_ROOT."""
from cdd.settings.local import *  # noqa: F403

DEBUG = False
MEDIA_ROOT = {media!r}
'''
PAGES_DIR = HERE / "out" / "report_pages"


def last_full_month(today: date | None = None) -> date:
    first = (today or date.today()).replace(day=1)
    return (first - timedelta(days=1)).replace(day=1)


def month_end(month: date) -> date:
    nxt = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return nxt - timedelta(days=1)


def load() -> float:
    return os.getloadavg()[0]


def wait_for_quiet(max_load: float | None, limit_s: int = 900) -> float:
    """Wait (up to ``limit_s``) until the 1-minute load average is below ``max_load``; the
    load measured when going on."""
    deadline = time.time() + limit_s
    while max_load and load() >= max_load and time.time() < deadline:
        print(f"load {load():.2f} >= {max_load}: waiting", flush=True)
        time.sleep(20)
    return round(load(), 2)


# ---------------------------------------------------------------------------------------------
# The scratch directory (settings module + MEDIA_ROOT) and the processes that use it


class Scratch:
    def __init__(self, keep: bool):
        self.keep = keep
        self.dir = Path(tempfile.mkdtemp(prefix="cdd-bench-report-"))
        self.media = self.dir / "media"
        self.media.mkdir()
        (self.dir / f"{SETTINGS_MODULE}.py").write_text(SETTINGS.format(media=str(self.media)))

    def env(self, db: Database, broker: str = "") -> dict:
        env = dict(
            os.environ,
            DATABASE_URL=db.url,
            DJANGO_SETTINGS_MODULE=SETTINGS_MODULE,
            PYTHONPATH=os.pathsep.join([str(self.dir), str(ROOT)]),
            CELERY_BROKER_URL=broker,
        )
        if broker:
            env.update(REDIS_URL=RESULTS_REDIS, CELERY_RESULT_BACKEND=RESULTS_REDIS)
        else:
            env.pop("REDIS_URL", None)
        return env

    def manage(self, db: Database, *args: str) -> dict:
        """``_common.manage`` (GNU time, wall seconds, peak RSS) on the scratch settings."""
        return manage(
            db,
            *args,
            settings=SETTINGS_MODULE,
            extra_env={"PYTHONPATH": self.env(db)["PYTHONPATH"]},
        )

    def worker(self, db: Database, task: str, broker: str = "", **kwargs) -> dict:
        """This script's worker mode: ``task`` in a process with Django set up; its RESULT."""
        proc = subprocess.run(
            [
                PYTHON,
                str(HERE / "bench_report.py"),
                "--worker",
                task,
                json.dumps(kwargs, default=str),
            ],
            env=self.env(db, broker),
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        sys.stdout.write(proc.stdout)
        result = result_line(proc.stdout)
        if proc.returncode or result is None:
            raise RuntimeError(f"worker {task} failed:\n{proc.stdout[-3000:]}\n{proc.stderr}")
        return result

    def remove(self):
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)


def pg_db(name: str, reuse: bool) -> tuple[Database, bool]:
    """``cdd_bench_<name>``: a fresh one, or with ``reuse`` the existing one (True) if any."""
    pg_name = f"cdd_bench_{name}"
    if reuse:
        exists = subprocess.run(
            ["psql", *PG, "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{pg_name}'"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        if exists:
            db = Database.__new__(Database)
            db.backend, db.pg_name = "postgres", pg_name
            db.url = f"postgres://postgres@127.0.0.1:5432/{pg_name}"
            return db, True
    return Database("postgres", name), False


def sql(db: Database, query: str, params=None) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(db.url)
    try:
        with conn.cursor() as cur:
            cur.execute(query, params)
            rows = cur.fetchall() if cur.description else []
        conn.commit()
        return rows
    finally:
        conn.close()


def data_sizes(db: Database, province: str | None = None) -> dict:
    """Row counts of what the report reads (for ``province`` or the whole database)."""
    tables = {
        "households": ("households_household", "province_id"),
        "plans": ("households_developmentplan", None),
        "assistance": ("households_assistance", None),
        "villages": ("villages_village", None),
        "wdf_contracts": ("funds_wdfloan", "province_id"),
        "wdf_payments": ("funds_wdfpayment", None),
        "kkj_funds": ("funds_kkjfund", "province_id"),
        "otop_producers": ("otop_producer", None),
        "otop_sales": ("otop_sale", None),
        "districts": ("villages_district", "province_id"),
        "submissions": ("reports_submission", "province_id"),
        "narratives": ("reports_narrative", None),
        "photos": ("reports_attachment", None),
    }
    out = {}
    for key, (table, column) in tables.items():
        where = f" WHERE {column} = %s" if province and column else ""
        out[key] = sql(db, f"SELECT count(*) FROM {table}{where}", [province] if where else None)[
            0
        ][0]
    size = sql(db, "SELECT pg_database_size(current_database())")[0][0]
    out["database_gb"] = round(size / 1024**3, 2)
    return out


# ---------------------------------------------------------------------------------------------
# a. Province scale


def generate_province(db: Database, scratch: Scratch, province: str, month: date, seed: str):
    import generate
    import generate_funds
    import generate_otop

    as_of = month_end(month).isoformat()
    common = ["--database-url", db.url, "--province", province, "--seed", seed, "--as-of", as_of]
    gen = {}
    t0 = time.perf_counter()
    manage(db, "migrate", "--noinput")
    manage(db, "load_geography", "--province", province)
    gen["setup_s"] = round(time.perf_counter() - t0, 1)
    hh = generate.main(["--scale", "province", "--households", str(HOUSEHOLDS), *common])
    gen["households"] = {k: hh.get(k) for k in ("households", "plans", "assistance", "seconds")}
    funds = generate_funds.main(["--contracts", str(CONTRACTS), *common])
    gen["funds"] = {k: funds.get(k) for k in ("contracts", "payments", "seconds")}
    otop = generate_otop.main(["--producers", str(PRODUCERS), *common])
    gen["otop"] = {k: otop.get(k) for k in ("producers", "products", "sales", "seconds")}
    gen["seed"] = scratch.worker(
        db, "seed", provinces=[province], month=month.isoformat(), seed=seed, pool=0
    )
    return gen


def pdf_facts(path: Path, needle: str, pages_dir: Path, label: str) -> dict:
    """Pages, photos and text checks of a PDF; three pages rasterised to look at."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))
    images = subprocess.run(["pdfimages", "-list", str(path)], capture_output=True, text=True)
    image_rows = [r.split() for r in images.stdout.splitlines()[2:] if r.strip()]
    photo_pages = sorted({int(r[0]) for r in image_rows if int(r[3]) >= 1000})  # width
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    by_page = [re.sub(r"\s+", "", t) for t in text.split("\f")]
    needle = re.sub(r"\s+", "", needle)[:30]
    mission_pages = [i + 1 for i, t in enumerate(by_page) if needle and needle in t]
    first_missions = next(
        (i + 1 for i, t in enumerate(by_page) if "ภารกิจที่ 1" in t and "1. " in t), None
    )
    chosen = {"cover": 1}
    if mission_pages:
        chosen["narrative"] = mission_pages[0]
    elif first_missions:
        chosen["narrative"] = first_missions
    if photo_pages:
        chosen["photo"] = photo_pages[0]
    pages_dir.mkdir(parents=True, exist_ok=True)
    pngs = {}
    for what, page in chosen.items():
        prefix = pages_dir / f"{label}-{what}"
        subprocess.run(
            ["pdftoppm", "-r", "50", "-png", "-f", str(page), "-l", str(page), str(path), prefix],
            check=True,
        )
        made = sorted(pages_dir.glob(f"{prefix.name}-*.png"))
        if made:
            final = pages_dir / f"{label}-{what}-p{page}.png"
            made[-1].rename(final)
            pngs[what] = str(final)
    return {
        "pages": pages,
        "bytes": path.stat().st_size,
        "photos": len([r for r in image_rows if int(r[3]) >= 1000]),
        "pages_with_photos": len(photo_pages),
        "narrative_found": bool(mission_pages),
        "narrative_pages_sample": mission_pages[:3],
        "rasterised": pngs,
    }


def _pss_kb(pid: int) -> int:
    """The process's proportional set size (KiB): its resident memory with pages shared with
    other processes (a forked render process and its parent) divided among them, so the sum
    over processes is the memory they use together."""
    try:
        rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    return next((int(x.split()[1]) for x in rollup.splitlines() if x.startswith("Pss:")), 0)


def manage_tree(scratch: Scratch, db: Database, *args: str) -> dict:
    """``manage.py ARGS`` under GNU time (wall seconds, peak RSS of its largest process) in
    a session of its own, with the summed PSS of all its processes polled every 0.1 s
    (``tree_peak_mb``: the PDF is rendered in forked processes)."""
    env = scratch.env(db)
    env["DJANGO_SETTINGS_MODULE"] = SETTINGS_MODULE
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rusage:
        start = time.perf_counter()
        proc = subprocess.Popen(
            [TIME, "-v", "-o", rusage.name, PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        peak_kb = 0
        while proc.poll() is None:
            peak_kb = max(peak_kb, sum(_pss_kb(pid) for pid in _descendants(proc.pid)))
            time.sleep(0.1)
        stdout, stderr = proc.communicate()
        seconds = time.perf_counter() - start
        report = rusage.read() + stderr
    if proc.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{stdout}\n{stderr}")
    return {
        "command": "manage.py " + " ".join(args),
        "seconds": round(seconds, 2),
        "peak_rss_mb": _peak_rss_mb(report),
        "tree_peak_mb": round(peak_kb / 1024, 1),
        "stdout": stdout.strip(),
    }


def bench_province(args, scratch: Scratch) -> dict:
    month = args.month
    db, reused = pg_db("report_province", args.reuse)
    out = {"province": args.province, "month": f"{month:%Y-%m}", "as_of": str(month_end(month))}
    try:
        if reused and sql(db, "SELECT count(*) FROM reports_submission")[0][0]:
            print("province database reused", flush=True)
            if not any(scratch.media.iterdir()):  # photos live in the scratch directory
                scratch.worker(db, "photos", pool=0)
        else:
            out["generate"] = generate_province(db, scratch, args.province, month, args.seed)
        out["data"] = data_sizes(db, args.province)
        print(json.dumps(out["data"]), flush=True)
        # 1. JSON in-process
        out["load_before_json"] = wait_for_quiet(args.max_load)
        out["json"] = scratch.worker(
            db,
            "json",
            province=args.province,
            month=month.isoformat(),
            runs=args.runs,
            profile=args.profile,
            target_s=TARGET_JSON_S,
        )
        # 1b. JSON through manage.py
        tmp = scratch.dir / "out"
        tmp.mkdir(exist_ok=True)
        cli = []
        for _ in range(args.cli_runs):
            cli.append(
                scratch.manage(
                    db,
                    "build_monthly_report",
                    *("--province", args.province, "--month", f"{month:%Y-%m}"),
                    *("--format", "json", "--out", str(tmp / "report.json")),
                )
            )
            print(f"manage.py build_monthly_report --format json: {cli[-1]['seconds']} s")
        secs = [r["seconds"] for r in cli]
        out["json_cli"] = {
            "runs": secs,
            "median_s": round(statistics.median(secs), 2),
            "max_s": max(secs),
            "peak_rss_mb": max(r["peak_rss_mb"] or 0 for r in cli),
            "bytes": (tmp / "report.json").stat().st_size,
            "load_after": load(),
        }
        # 2. PDF through manage.py
        out["load_before_pdf"] = wait_for_quiet(args.max_load)
        runs = []
        for i in range(args.pdf_runs):
            path = tmp / f"report-{i}.pdf"
            runs.append(
                manage_tree(
                    scratch,
                    db,
                    "build_monthly_report",
                    *("--province", args.province, "--month", f"{month:%Y-%m}"),
                    *("--format", "pdf", "--out", str(path)),
                )
            )
            print(
                f"manage.py build_monthly_report --format pdf: {runs[-1]['seconds']} s, "
                f"{runs[-1]['peak_rss_mb']} MB, all processes {runs[-1]['tree_peak_mb']} MB "
                f"(load {load():.2f})",
                flush=True,
            )
        secs = [r["seconds"] for r in runs]
        facts = pdf_facts(tmp / "report-0.pdf", out["json"]["sample_narrative"], PAGES_DIR, "pdf")
        out["pdf_cli"] = {
            "runs": secs,
            "median_s": round(statistics.median(secs), 2),
            "max_s": max(secs),
            "peak_rss_mb": [r["peak_rss_mb"] for r in runs],
            "max_peak_rss_mb": max(r["peak_rss_mb"] or 0 for r in runs),
            # The command with the render processes it forks (reports.pdf.split), summed.
            "tree_peak_mb": [r["tree_peak_mb"] for r in runs],
            "max_tree_peak_mb": max(r["tree_peak_mb"] for r in runs),
            "stdout": runs[0]["stdout"],
            **facts,
            "load_after": load(),
        }
        if args.split_pdf:
            out["pdf_parts"] = scratch.worker(
                db,
                "pdf_parts",
                province=args.province,
                month=month.isoformat(),
                profile=args.profile,
            )
    finally:
        if not args.keep:
            db.drop()
    return out


# ---------------------------------------------------------------------------------------------
# b. National: 77 provinces, 2 Celery workers


def _province_households(db: Database) -> dict[str, int]:
    rows = sql(
        db,
        "SELECT p.code, count(h.id) FROM villages_province p LEFT JOIN households_household h "
        "ON h.province_id = p.code GROUP BY p.code ORDER BY p.code",
    )
    return dict(rows)


def _generate_extras(db: Database, provinces: list[str], month: date, seed: str) -> dict:
    """WDF and OTOP data for each of ``provinces`` in proportion to its households, two
    generator processes at a time (one WDF, one OTOP chain); provinces that already have
    contracts / producers are left as they are (--reuse)."""
    households = _province_households(db)
    has_loans = {p for (p,) in sql(db, "SELECT DISTINCT province_id FROM funds_wdfloan")}
    has_producers = {p for (p,) in sql(db, "SELECT DISTINCT province_id FROM otop_producer")}
    as_of = month_end(month).isoformat()
    log = {"funds": {}, "otop": {}}

    def chain(kind: str):
        script, flag, per, done = {
            "funds": ("generate_funds.py", "--contracts", CONTRACTS_PER_HOUSEHOLD, has_loans),
            "otop": ("generate_otop.py", "--producers", PRODUCERS_PER_HOUSEHOLD, has_producers),
        }[kind]
        for p in provinces:
            if p in done:
                continue
            n = max(100, round(households.get(p, 0) * per))
            t0 = time.perf_counter()
            proc = subprocess.run(
                [PYTHON, script, "--database-url", db.url, "--province", p, flag, str(n)]
                + ["--seed", seed, "--as-of", as_of],
                cwd=HERE,
                capture_output=True,
                text=True,
            )
            if proc.returncode:
                raise RuntimeError(f"{script} {p} failed:\n{proc.stdout[-2000:]}{proc.stderr}")
            res = result_line(proc.stdout) or {}
            log[kind][p] = {
                "n": n,
                "rows": res.get("payments", res.get("sales")),
                "seconds": round(time.perf_counter() - t0, 1),
            }
            print(f"{script} {p}: {n:,} ({log[kind][p]['seconds']} s)", flush=True)

    t0 = time.perf_counter()
    with ThreadPoolExecutor(2) as pool:
        for f in [pool.submit(chain, "funds"), pool.submit(chain, "otop")]:
            f.result()
    log["seconds"] = round(time.perf_counter() - t0, 1)
    return log


def _pdf_pages(path: Path) -> int | None:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    pages = [x.split()[-1] for x in info.splitlines() if x.startswith("Pages:")]
    return int(pages[0]) if pages else None


def _builds(db: Database, month: date, start: float, media: Path) -> dict:
    """Each province's version of the month: status, build seconds, when it was done (seconds
    after ``start``, an epoch time), its PDF's pages and size."""
    rows = sql(
        db,
        "SELECT province_id, status, attempts, extract(epoch from started_at)::float8, "
        "extract(epoch from built_at)::float8, pdf, length(build_log), error "
        "FROM reports_monthlyreport WHERE month = %s ORDER BY province_id",
        [month],
    )
    per = {}
    for code, status, attempts, started, built, pdf, log_len, error in rows:
        path = media / pdf if pdf else None
        exists = bool(path and path.exists())
        per[code] = {
            "status": status,
            "attempts": attempts,
            "seconds": round(built - started, 1) if built and started else None,
            "done_after_s": round(built - start, 1) if built else None,
            "pdf": pdf,
            "pages": _pdf_pages(path) if exists else None,
            "pdf_bytes": path.stat().st_size if exists else None,
            "build_log_chars": log_len,
            "error": (error or "")[:300],
        }
    return per


def _descendants(root: int) -> list[int]:
    """Processes of the session ``root`` leads (the worker's GNU time and everything below)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == root:  # session id
            pids.append(int(entry))
    return pids


class RssWatch(threading.Thread):
    """Polls VmRSS/VmHWM of every process of the worker sessions every 0.5 s."""

    def __init__(self, roots: list[int]):
        super().__init__(daemon=True)
        self.roots = roots
        self.peak: dict[int, dict] = {}
        # Per worker: the largest sum of PSS over its processes at one poll (the pool child
        # and the render processes it forks, reports.pdf.split), minus the worker's main.
        self.tree_peak_kb: dict[int, int] = {}
        self.stop = threading.Event()

    def run(self):
        while not self.stop.is_set():
            for root in self.roots:
                busy = 0
                for pid in _descendants(root):
                    try:
                        status = Path(f"/proc/{pid}/status").read_text()
                        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
                    except OSError:
                        continue
                    vals = dict(
                        (line.split(":")[0], int(line.split()[1]))
                        for line in status.splitlines()
                        if line.startswith(("VmRSS", "VmHWM", "PPid"))
                    )
                    if "VmHWM" not in vals or b"celery" not in cmd:
                        continue
                    seen = self.peak.setdefault(
                        pid, {"worker": root, "ppid": vals["PPid"], "hwm_kb": 0}
                    )
                    seen["hwm_kb"] = max(seen["hwm_kb"], vals["VmHWM"], vals.get("VmRSS", 0))
                    if seen["ppid"] not in self.roots:  # not the worker's main process
                        busy += _pss_kb(pid)
                self.tree_peak_kb[root] = max(self.tree_peak_kb.get(root, 0), busy)
            self.stop.wait(0.5)


def _start_workers(scratch: Scratch, db: Database, n: int) -> list[dict]:
    workers = []
    for i in range(n):
        log = scratch.dir / f"worker{i}.log"
        rusage = scratch.dir / f"worker{i}.time"
        cmd = [TIME, "-v", "-o", str(rusage)] if os.path.exists(TIME) else []
        cmd += [str(ROOT / ".venv" / "bin" / "celery"), "-A", "cdd", "worker"]
        cmd += ["--concurrency", "1", "--pool", "prefork", "-n", f"bench_report{i}@%h"]
        cmd += ["--loglevel", "INFO", "--without-gossip", "--without-mingle"]
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=scratch.env(db, BROKER),
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        workers.append({"proc": proc, "log": log, "rusage": rusage, "cmd": " ".join(cmd)})
    deadline = time.time() + 120
    while time.time() < deadline:
        if all(" ready." in w["log"].read_text() for w in workers):
            return workers
        if any(w["proc"].poll() is not None for w in workers):
            break
        time.sleep(1)
    raise RuntimeError("workers did not start:\n" + workers[0]["log"].read_text()[-3000:])


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _stop_workers(workers: list[dict]):
    """SIGTERM (warm shutdown) to each celery main process (the child of GNU time, which then
    writes its report), SIGKILL to the worker's own process group after 60 s."""
    for w in workers:
        for pid in _children(w["proc"].pid):
            try:
                os.kill(pid, signal.SIGTERM)  # a process this script started
            except ProcessLookupError:
                pass
    for w in workers:
        try:
            w["proc"].wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(w["proc"].pid, signal.SIGKILL)
            w["proc"].wait()


def _redis_flush():
    for url in (BROKER, RESULTS_REDIS):
        n = url.rsplit("/", 1)[1]
        subprocess.run(["redis-cli", "-n", n, "flushdb"], capture_output=True, check=False)


def bench_national(args, scratch: Scratch) -> dict:
    import generate

    month = args.month
    db, reused = pg_db("report_national", args.reuse)
    out = {"month": f"{month:%Y-%m}"}
    workers: list[dict] = []
    try:
        gen = {}
        have = sql(db, "SELECT count(*) FROM villages_province")[0][0] if reused else 0
        if not have:
            t0 = time.perf_counter()
            manage(db, "migrate", "--noinput")
            manage(db, "load_geography")
            gen["setup_s"] = round(time.perf_counter() - t0, 1)
        if not sql(db, "SELECT count(*) FROM (SELECT 1 FROM households_household LIMIT 1) x")[0][0]:
            res = generate.main(
                ["--database-url", db.url, "--scale", "national", "--seed", args.seed]
                + ["--as-of", month_end(month).isoformat()]
            )
            gen["households"] = {k: res.get(k) for k in ("households", "plans", "seconds")}
        provinces = [p for (p,) in sql(db, "SELECT code FROM villages_province ORDER BY code")]
        if args.national_extras == "all":
            extras = provinces
        elif args.national_extras == "none":
            extras = []
        else:
            extras = args.national_extras.split(",")
        out["extras_provinces"] = extras if len(extras) < len(provinces) else "all"
        gen["extras"] = _generate_extras(db, extras, month, args.seed)
        if not sql(db, "SELECT count(*) FROM reports_submission WHERE month = %s", [month])[0][0]:
            gen["seed"] = scratch.worker(
                db,
                "seed",
                provinces=provinces,
                month=month.isoformat(),
                seed=args.seed,
                pool=args.photo_pool,
            )
        elif not any(scratch.media.iterdir()):
            scratch.worker(db, "photos", pool=args.photo_pool)
        out["generate"] = gen
        out["data"] = data_sizes(db)
        out["households_by_province"] = _province_households(db)
        print(json.dumps(out["data"]), flush=True)
        if args.prepare_only:
            return out
        sql(db, "DELETE FROM reports_monthlyreport WHERE month = %s", [month])

        # The build: 2 workers, 77 requests.
        _redis_flush()
        wait_for_quiet(args.max_load)
        workers = _start_workers(scratch, db, 2)
        watch = RssWatch([w["proc"].pid for w in workers])
        watch.start()
        out["load_before"] = load()
        loads = []
        start = time.time()
        out["enqueue"] = scratch.worker(
            db, "enqueue", broker=BROKER, provinces=provinces, month=month.isoformat()
        )
        enqueued = time.time()
        done_at = None
        last = None
        while time.time() - start < args.national_timeout:
            counts = dict(
                sql(
                    db,
                    "SELECT status, count(*) FROM reports_monthlyreport WHERE month = %s "
                    "GROUP BY status",
                    [month],
                )
            )
            finished = counts.get("done", 0) + counts.get("failed", 0)
            loads.append(load())
            if counts != last:
                print(f"{time.time() - start:7.0f} s  {counts}  load {load():.2f}", flush=True)
                last = counts
            if finished >= len(provinces):
                done_at = time.time()
                break
            if any(w["proc"].poll() is not None for w in workers):
                raise RuntimeError("a worker died:\n" + workers[0]["log"].read_text()[-3000:])
            time.sleep(2)
        watch.stop.set()
        watch.join()
        per = _builds(db, month, start, scratch.media)
        built = [r["done_after_s"] for r in per.values() if r["done_after_s"] is not None]
        durations = sorted(
            ((r["seconds"], code) for code, r in per.items() if r["seconds"] is not None),
            reverse=True,
        )
        slowest = durations[0] if durations else (None, None)
        hh = out["households_by_province"]
        mains = {
            pid for pid, v in watch.peak.items() if v["ppid"] in [w["proc"].pid for w in workers]
        }
        pool_children = {pid: v for pid, v in watch.peak.items() if v["ppid"] in mains}
        mains_peak = max((watch.peak[pid]["hwm_kb"] for pid in mains), default=0)
        out["build"] = {
            "workers": "2 × celery -A cdd worker --concurrency 1 --pool prefork",
            "worker_cmd": workers[0]["cmd"],
            "requested": len(provinces),
            "enqueue_s": round(enqueued - start, 1),
            "done": sum(r["status"] == "done" for r in per.values()),
            "failed": sum(r["status"] == "failed" for r in per.values()),
            "total_s": round(max(built) if built else time.time() - start, 1),
            "all_finished": done_at is not None,
            "per_build_s": summary_ms([r["seconds"] for r in per.values() if r["seconds"]]),
            "pages": sum(r["pages"] or 0 for r in per.values()),
            "slowest": {
                "province": slowest[1],
                "seconds": slowest[0],
                "households": hh.get(slowest[1]),
                "pages": per.get(slowest[1], {}).get("pages"),
            },
            "slowest_5": [(c, s, hh.get(c), per[c]["pages"]) for s, c in durations[:5]],
            "peak_rss_mb_polled": round(
                max((v["hwm_kb"] for v in watch.peak.values()), default=0) / 1024, 1
            ),
            "peak_rss_mb_pool_child": round(
                max((v["hwm_kb"] for v in pool_children.values()), default=0) / 1024, 1
            ),
            "peak_rss_mb_main": round(mains_peak / 1024, 1),
            "peak_rss_mb_busy_worker_sum": round(
                max(watch.tree_peak_kb.values(), default=0) / 1024, 1
            ),
            "pool_processes_seen": len(pool_children),
            "load_during": {
                "median": round(statistics.median(loads), 2) if loads else None,
                "max": round(max(loads), 2) if loads else None,
            },
            "per_province": per,
        }
    finally:
        _stop_workers(workers)
        for w in workers:
            text = w["rusage"].read_text() if w["rusage"].exists() else ""
            out.setdefault("build", {}).setdefault("gnu_time_peak_rss_mb", []).append(
                _peak_rss_mb(text)
            )
        _redis_flush()
        if not args.keep:
            db.drop()
    return out


# ---------------------------------------------------------------------------------------------
# Worker mode: Django set up on the scratch settings (DATABASE_URL, DEBUG off)

MISSIONS = [
    ("โคก หนอง นา โมเดล", "แปลงโคก หนอง นา", "แปลง", "ขุดปรับพื้นที่และปลูกพืชผสมผสานในแปลง"),
    (
        "หมู่บ้านเศรษฐกิจพอเพียงต้นแบบ",
        "หมู่บ้านเศรษฐกิจพอเพียงต้นแบบ",
        "หมู่บ้าน",
        "จัดเวทีประชาคมและทบทวนแผนชุมชน",
    ),
    (
        "ผ้าไทยใส่ให้สนุก",
        "กลุ่มทอผ้าและผู้ประกอบการผ้าไทย",
        "กลุ่ม",
        "พัฒนาลวดลายผ้าอัตลักษณ์และส่งเสริมการสวมใส่ผ้าไทย",
    ),
    (
        "OTOP และเศรษฐกิจฐานราก",
        "ผู้ผลิตผู้ประกอบการ OTOP",
        "ราย",
        "พัฒนาบรรจุภัณฑ์และเพิ่มช่องทางการตลาดออนไลน์",
    ),
    (
        "กองทุนหมู่บ้านและ กข.คจ.",
        "กองทุนโครงการแก้ไขปัญหาความยากจน (กข.คจ.)",
        "หมู่บ้าน",
        "ตรวจสุขภาพทางการเงินและเร่งรัดติดตามหนี้ค้างชำระ",
    ),
    (
        "แก้ไขปัญหาความยากจน (ครัวเรือนเป้าหมาย TPMAP)",
        "ครัวเรือนเป้าหมาย TPMAP",
        "ครัวเรือน",
        "จัดทำแผนพัฒนาครัวเรือนและส่งต่อความช่วยเหลือให้หน่วยงานภาคี",
    ),
    ("สัมมาชีพชุมชน", "ครัวเรือนสัมมาชีพ", "ครัวเรือน", "ฝึกอาชีพโดยปราชญ์ชุมชน"),
    ("ตลาดนัดชุมชน", "ตลาดนัดชุมชน", "แห่ง", "จัดตลาดนัดจำหน่ายสินค้าเกษตรและสินค้าชุมชน"),
    (
        "พัฒนาบทบาทสตรี",
        "โครงการกองทุนพัฒนาบทบาทสตรี",
        "โครงการ",
        "สนับสนุนเงินทุนและพัฒนาศักยภาพสมาชิกกองทุน",
    ),
    (
        "ข้อมูลเพื่อการพัฒนาชุมชน (จปฐ./กชช. 2ค)",
        "การจัดเก็บข้อมูล จปฐ.",
        "ครัวเรือน",
        "จัดเก็บ บันทึก และตรวจสอบคุณภาพข้อมูล",
    ),
    (
        "ภารกิจเร่งด่วนของจังหวัด",
        "กิจกรรมตามนโยบายเร่งด่วนของจังหวัด",
        "กิจกรรม",
        "บูรณาการการทำงานร่วมกับส่วนราชการในพื้นที่",
    ),
]
HEADING_SENTENCES = [
    [  # 1. results
        "สำนักงานพัฒนาชุมชนอำเภอ{district}ดำเนินการ{act}ในเดือน{month} รวม {n} {unit} "
        "จากเป้าหมาย {target} {unit} คิดเป็นร้อยละ {pct}",
        "ผลการดำเนินงานสะสมตั้งแต่ต้นปีงบประมาณ {cum} {unit}",
        "มีผู้เข้าร่วมกิจกรรมทั้งสิ้น {people} คน ประกอบด้วยผู้นำชุมชน คณะกรรมการหมู่บ้าน และครัวเรือนเป้าหมาย",
        "พัฒนากรประจำตำบล{sub}ลงพื้นที่ติดตามและให้คำแนะนำแก่{topic}อย่างต่อเนื่อง",
        "{village} ตำบล{sub} ดำเนินการแล้วเสร็จก่อนกำหนด",
    ],
    [  # 2. problems
        "งบประมาณได้รับการจัดสรรล่าช้า ทำให้ต้องเลื่อนกิจกรรมบางส่วนไปในเดือนถัดไป",
        "ช่วงฤดูเก็บเกี่ยวข้าว ประชาชนไม่สะดวกเข้าร่วมกิจกรรมในเวลากลางวัน",
        "บางหมู่บ้านในตำบล{sub}ประสบปัญหาน้ำท่วมขัง การเดินทางเข้าพื้นที่ไม่สะดวก",
        "{topic}บางส่วนยังขาดความรู้ด้านการตลาดและการบันทึกบัญชีรายรับรายจ่าย",
        "เจ้าหน้าที่มีภารกิจซ้อนหลายด้านในช่วงเดียวกัน",
    ],
    [  # 3. solutions
        "ปรับแผนการจัดกิจกรรมเป็นช่วงเย็นและวันหยุดราชการ",
        "ประสานองค์การบริหารส่วนตำบล{sub}สนับสนุนงบประมาณและวัสดุอุปกรณ์",
        "มอบหมายพัฒนากรผู้รับผิดชอบตำบลติดตามเป็นรายหมู่บ้านทุกสัปดาห์",
        "จัดอบรมเชิงปฏิบัติการให้{topic}ร่วมกับสำนักงานเกษตรอำเภอ{district}",
    ],
    [  # 4. suggestions
        "ควรจัดสรรงบประมาณให้ทันตามแผนในไตรมาสแรกของปีงบประมาณ",
        "ควรจัดเวทีแลกเปลี่ยนเรียนรู้ระหว่างอำเภอที่มีผลการดำเนินงานดีเด่น",
        "ควรบูรณาการแผนงานกับหน่วยงานภาคีเพื่อลดความซ้ำซ้อนของกิจกรรมในพื้นที่",
    ],
    [  # 5. support needed from the Department
        "ขอรับการสนับสนุนวิทยากรด้านการตลาดออนไลน์และการถ่ายภาพสินค้าจากกรมการพัฒนาชุมชน",
        "ขอให้กรมพิจารณาเชื่อมโยงระบบรายงานกับฐานข้อมูล TPMAP เพื่อลดการบันทึกข้อมูลซ้ำ",
        "ขอรับการสนับสนุนงบประมาณเพิ่มเติมสำหรับ{topic}จำนวน {amount} บาท",
    ],
    [  # 6. next steps
        "ในเดือน{next_month} มีแผน{act}เพิ่มเติมอีก {n2} {unit}",
        "จัดประชุมติดตามความก้าวหน้าร่วมกับผู้นำชุมชนในวันที่ {day} {next_month}",
        "ลงพื้นที่ตรวจเยี่ยม{topic}ในตำบล{sub}ร่วมกับนายอำเภอ{district}",
    ],
    [  # 7. best practice
        "{village} ตำบล{sub} เป็นตัวอย่างที่ดีในการ{act} ครัวเรือนมีรายได้เพิ่มขึ้นเฉลี่ยเดือนละ {income} บาท",
        "กลุ่มแม่บ้าน{village}รวมกลุ่มผลิตและจำหน่ายสินค้าร่วมกัน มีสมาชิก {members} คน",
        "ผู้นำชุมชนตำบล{sub}ใช้ข้อมูล จปฐ. วางแผนแก้ไขปัญหาร่วมกับครัวเรือนเป้าหมาย",
    ],
    [  # 8. publicity
        "เผยแพร่ผลการดำเนินงานผ่านเพจเฟซบุ๊กสำนักงานพัฒนาชุมชนอำเภอ{district} จำนวน {posts} ครั้ง",
        "ประชาสัมพันธ์ผ่านหอกระจายข่าวประจำหมู่บ้านและกลุ่มไลน์ผู้นำชุมชนตำบล{sub}",
        "ให้สัมภาษณ์สถานีวิทยุกระจายเสียงแห่งประเทศไทยจังหวัดในรายการข่าวท้องถิ่น",
    ],
]
INDICATORS = [  # (mission number, name, unit, aggregation, low, high)
    (1, "แปลงโคก หนอง นา ที่ขุดปรับพื้นที่แล้วเสร็จ", "แปลง", "latest", 5, 80),
    (2, "หมู่บ้านที่ผ่านการประเมินเศรษฐกิจพอเพียง", "หมู่บ้าน", "latest", 2, 30),
    (3, "กลุ่มทอผ้าที่ได้รับการพัฒนาลวดลาย", "กลุ่ม", "sum", 0, 6),
    (4, "ผู้ประกอบการ OTOP ที่ขายออนไลน์ได้", "ราย", "sum", 1, 25),
    (5, "กองทุน กข.คจ. ที่ได้รับการตรวจสุขภาพการเงิน", "กองทุน", "sum", 0, 12),
    (6, "ครัวเรือนเป้าหมายที่ได้รับการช่วยเหลือ", "ครัวเรือน", "sum", 10, 400),
    (7, "ครัวเรือนสัมมาชีพที่ประกอบอาชีพได้", "ครัวเรือน", "sum", 5, 120),
    (8, "ตลาดนัดชุมชนที่เปิดจำหน่าย", "แห่ง", "latest", 1, 8),
    (9, "สมาชิกกองทุนพัฒนาบทบาทสตรีที่ได้รับการอบรม", "คน", "sum", 0, 150),
    (10, "ความครบถ้วนของข้อมูล จปฐ. ที่บันทึกแล้ว", "ร้อยละ", "avg", 60, 100),
    (11, "กิจกรรมตามนโยบายเร่งด่วนที่ดำเนินการ", "กิจกรรม", "sum", 0, 10),
]


def _setup():
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()


def make_photo(seed: str, width: int = 1600, height: int = 1200) -> bytes:
    """An outdoor scene with sensor noise, 1600 × 1200, JPEG quality 82: about 100-150 KB."""
    import io

    from PIL import Image, ImageDraw

    rng = random.Random(seed)
    sw, sh = 200, 150
    img = Image.new("RGB", (sw, sh))
    draw = ImageDraw.Draw(img)
    horizon = rng.randint(45, 80)
    top = (rng.randint(90, 140), rng.randint(140, 180), rng.randint(200, 240))
    bottom = (rng.randint(190, 230), rng.randint(210, 235), rng.randint(230, 250))
    for y in range(horizon):
        t = y / horizon
        draw.line(
            [(0, y), (sw, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    ground = (rng.randint(60, 110), rng.randint(110, 160), rng.randint(40, 80))
    for y in range(horizon, sh):
        t = (y - horizon) / (sh - horizon)
        draw.line([(0, y), (sw, y)], fill=tuple(int(c * (0.8 + 0.4 * t)) for c in ground))
    colours = [(30, 80, 30), (200, 200, 200), (180, 40, 40), (240, 200, 60), (60, 60, 140)]
    for _ in range(rng.randint(8, 20)):  # trees, tents, people
        x, y, r = rng.randint(0, sw), rng.randint(horizon - 20, sh), rng.randint(3, 18)
        colour = rng.choice(colours + [(120, 80, 50)])
        if rng.random() < 0.5:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        else:
            draw.rectangle([x - r, y - r // 2, x + r, y + r], fill=colour)
    img = img.resize((width, height), Image.BICUBIC)
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height)).convert("RGB")
    img = Image.blend(img, noise, rng.uniform(0.025, 0.04))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=82)
    return buf.getvalue()


def _write_photos(names: list[str]) -> int:
    """Write the photo files the attachments name (once each); total bytes."""
    from django.core.files.storage import default_storage

    total = 0
    for name in dict.fromkeys(names):
        path = Path(default_storage.path(name))
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make_photo(name)
        path.write_bytes(data)
        total += len(data)
    return total


def task_photos(pool: int) -> dict:
    """Write (again) the photo files the attachments name (a reused database, a new scratch
    directory)."""
    _setup()
    from reports.models import Attachment

    names = list(Attachment.objects.values_list("file", flat=True))
    return {"bytes": _write_photos(names), "files": len(set(names))}


def task_seed(provinces: list[str], month: str, seed: str, pool: int) -> dict:
    """Missions, headings, indicators, submissions, narratives, photos and กข.คจ. funds."""
    _setup()
    from zoneinfo import ZoneInfo

    from django.db import transaction

    from cdd.thai import fiscal_year, thai_month
    from funds.models import KkjFund
    from reports import cycle
    from reports.models import (
        Attachment,
        Indicator,
        IndicatorValue,
        Mission,
        Narrative,
        Submission,
    )
    from villages.models import District, Subdistrict, Village

    t0 = time.perf_counter()
    bkk = ZoneInfo("Asia/Bangkok")
    month = date.fromisoformat(month)
    fy = fiscal_year(month)
    nxt = month_end(month) + timedelta(days=1)
    as_of = month_end(month)
    month_th = thai_month(month.year, month.month)
    next_th = thai_month(nxt.year, nxt.month)
    dues = cycle.due_dates(provinces, [month])
    districts = list(
        District.objects.filter(province_id__in=provinces)
        .order_by("code")
        .values_list("code", "name_th", "province_id")
    )
    subs: dict[str, list[str]] = {}
    for code, name in Subdistrict.objects.filter(district__province_id__in=provinces).values_list(
        "district_id", "name_th"
    ):
        subs.setdefault(code, []).append(name)
    villages: dict[str, list[str]] = {}
    for code, name in Village.objects.filter(
        subdistrict__district__province_id__in=provinces
    ).values_list("subdistrict__district_id", "name"):
        if len(villages.setdefault(code, [])) < 60:
            villages[code].append(name)
    counts = {"narratives": 0, "photos": 0, "indicator_values": 0, "chars": 0}
    with transaction.atomic():
        missions, headings, indicators = {}, {}, {}
        for p in provinces:
            Mission.objects.bulk_create(
                [
                    Mission(province_id=p, fiscal_year=fy, number=n, name=m[0])
                    for n, m in enumerate(MISSIONS, start=1)
                ],
                ignore_conflicts=True,
            )
            missions[p] = cycle.missions_for(p, fy)
            headings[p] = cycle.headings_for(p, fy)
            by_number = {m.number: m for m in missions[p]}
            Indicator.objects.bulk_create(
                [
                    Indicator(
                        province_id=p,
                        fiscal_year=fy,
                        number=i,
                        name=name,
                        unit=unit,
                        mission=by_number[mission],
                        aggregation=agg,
                    )
                    for i, (mission, name, unit, agg, _lo, _hi) in enumerate(INDICATORS, start=1)
                ],
                ignore_conflicts=True,
            )
            indicators[p] = list(
                Indicator.objects.filter(province_id=p, fiscal_year=fy).order_by("number")
            )
        rng = random.Random(f"report-{seed}")
        submissions = []
        for code, _name, p in districts:
            due = dues[(p, month)]
            roll = rng.random()
            if roll < 0.70:
                status, sent, reason = "approved", due - timedelta(days=rng.randint(0, 6)), ""
            elif roll < 0.85:
                status, sent, reason = "submitted", due - timedelta(days=rng.randint(0, 4)), ""
            elif roll < 0.95:
                status, sent = "approved", due + timedelta(days=rng.randint(1, 6))
                reason = "รอข้อมูลผลการดำเนินงานจากพัฒนากรประจำตำบลให้ครบถ้วน"
            else:
                status, sent, reason = "resubmitted", due - timedelta(days=2), ""
            first = datetime(sent.year, sent.month, sent.day, rng.randint(9, 16), tzinfo=bkk)
            last = first + timedelta(days=3 if status == "resubmitted" else 0)
            submissions.append(
                Submission(
                    province_id=p,
                    district_id=code,
                    month=month,
                    status=status,
                    first_submitted_at=first,
                    submitted_at=last,
                    late_reason=reason,
                    approved_at=last + timedelta(days=1) if status == "approved" else None,
                )
            )
        Submission.objects.bulk_create(submissions, batch_size=2000)
        by_code = {
            s.district_id: s
            for s in Submission.objects.filter(province_id__in=provinces, month=month)
        }
        narratives, values, attachments = [], [], []
        photo_names: list[str] = []
        for code, name, p in districts:
            sub = by_code[code]
            drng = random.Random(f"report-{seed}-{code}")
            sub_names = subs.get(code) or [name]
            village_names = villages.get(code) or [f"บ้าน{name}"]
            for m in missions[p]:
                _mname, topic, unit, act = MISSIONS[m.number - 1]
                for h in headings[p]:
                    bank = HEADING_SENTENCES[(h.number - 1) % len(HEADING_SENTENCES)]
                    k = drng.randint(2, min(4, len(bank)))
                    target = drng.randint(5, 120)
                    n = drng.randint(1, target)
                    fill = {
                        "district": name,
                        "sub": drng.choice(sub_names),
                        "village": f"{drng.choice(village_names)} หมู่ที่ {drng.randint(1, 15)}",
                        "topic": topic,
                        "unit": unit,
                        "act": act,
                        "month": month_th,
                        "next_month": next_th,
                        "n": f"{n:,}",
                        "target": f"{target:,}",
                        "pct": f"{100 * n / target:.2f}",
                        "cum": f"{n + drng.randint(0, 3 * target):,}",
                        "people": f"{drng.randint(20, 450):,}",
                        "n2": drng.randint(1, 30),
                        "day": drng.randint(1, 28),
                        "amount": f"{drng.randint(2, 60) * 5000:,}",
                        "income": f"{drng.randint(8, 60) * 100:,}",
                        "members": drng.randint(12, 60),
                        "posts": drng.randint(2, 12),
                    }
                    text = " ".join(s.format(**fill) for s in drng.sample(bank, k))
                    counts["chars"] += len(text)
                    narratives.append(Narrative(submission=sub, mission=m, heading=h, text=text))
            for ind in indicators[p]:
                lo, hi = INDICATORS[ind.number - 1][4:6]
                values.append(
                    IndicatorValue(submission=sub, indicator=ind, value=drng.randint(lo, hi))
                )
            for i, m in enumerate(drng.sample(missions[p], 3)):
                if pool:
                    file = f"submissions/{nxt:%Y/%m}/pool-{drng.randrange(pool):03d}.jpg"
                else:
                    file = f"submissions/{nxt:%Y/%m}/{code}-{i + 1}.jpg"
                photo_names.append(file)
                attachments.append(
                    Attachment(
                        submission=sub,
                        mission=m,
                        kind="photo",
                        file=file,
                        name=f"IMG_{drng.randint(1000, 9999)}.jpg",
                        size=0,
                        caption=f"{MISSIONS[m.number - 1][1]} อำเภอ{name}",
                    )
                )
            if len(narratives) >= 20_000:
                Narrative.objects.bulk_create(narratives, batch_size=5000)
                counts["narratives"] += len(narratives)
                narratives = []
        Narrative.objects.bulk_create(narratives, batch_size=5000)
        counts["narratives"] += len(narratives)
        IndicatorValue.objects.bulk_create(values, batch_size=5000)
        counts["indicator_values"] = len(values)
        t_photos = time.perf_counter()
        counts["photo_bytes"] = _write_photos(photo_names)
        counts["photo_files"] = len(set(photo_names))
        counts["photo_seconds"] = round(time.perf_counter() - t_photos, 1)
        from django.core.files.storage import default_storage

        for a in attachments:
            a.size = Path(default_storage.path(a.file.name)).stat().st_size
        Attachment.objects.bulk_create(attachments, batch_size=5000)
        counts["photos"] = len(attachments)
        # กข.คจ. funds: 38% of the villages
        funds = []
        for vid, vcode, sub_code, dist, prov in Village.objects.filter(
            subdistrict__district__province_id__in=provinces
        ).values_list(
            "id",
            "code",
            "subdistrict_id",
            "subdistrict__district_id",
            "subdistrict__district__province_id",
        ):
            vr = random.Random(f"kkj-{seed}-{vcode}")
            if vr.random() >= 0.38:
                continue
            accelerated = vr.random() < 0.08
            funds.append(
                KkjFund(
                    village_id=vid,
                    subdistrict_id=sub_code,
                    district_id=dist,
                    province_id=prov,
                    capital=280_000 + vr.randint(0, 170) * 1000,
                    governance_level=vr.choices([1, 2, 3], [15, 45, 40])[0],
                    assessed_on=as_of - timedelta(days=vr.randint(0, 700)),
                    accelerated=accelerated,
                    problem_amount=vr.randint(5, 80) * 1000 if accelerated else 0,
                    damaged_amount=vr.randint(10, 100) * 1000 if vr.random() < 0.02 else 0,
                )
            )
        KkjFund.objects.bulk_create(funds, batch_size=5000, ignore_conflicts=True)
        counts["kkj_funds"] = len(funds)
    counts["districts"] = len(districts)
    counts["submissions"] = len(submissions)
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    print(f"seeded {counts}", flush=True)
    return counts


def task_json(province: str, month: str, runs: int, profile: bool, target_s: float) -> dict:
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from reports import builder, indicators
    from reports.builder import BUILDER, build_report, render
    from reports.models import Narrative
    from reports.sections import get_section

    first = date.fromisoformat(month)
    as_of = month_end(first)

    def once():
        report = build_report(province, first, charts=False)
        return report, render(report, "json")

    report, data = once()  # warm-up
    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        once()
        seconds.append(time.perf_counter() - t)
    out = {**summary_ms(seconds), "bytes": len(data), "checksum": report.data_checksum[:12]}
    print(f"build_report + render json: median {out['median_ms']} ms, p95 {out['p95_ms']} ms")
    with CaptureQueriesContext(connection) as q:
        once()
    out["queries"] = len(q.captured_queries)

    # Each part on its own: median of 5 and its SQL.
    from cdd.thai import fiscal_year

    fy = fiscal_year(first)
    names = dict(
        builder.District.objects.filter(province_id=province)
        .order_by("code")
        .values_list("code", "name_th")
    )
    totals = indicators.province_totals(user=BUILDER, province=province, month=first)

    def sv():
        from villages.sv_selectors import sv_totals

        return sv_totals(user=BUILDER, fiscal_year=fy, month=first, level="province", code=province)

    parts = {
        **{
            f"section {name}": (
                lambda name=name: get_section(name)(
                    user=BUILDER, province=province, as_of=as_of, district=None
                )
            )
            for name in builder.SECTIONS
        },
        "indicators.province_totals": lambda: indicators.province_totals(
            user=BUILDER, province=province, month=first
        ),
        "sv_totals": sv,
        "missions (narratives, photos)": lambda: builder._missions(
            province, first, fy, names, as_of, totals
        ),
        "render json (as_json + dumps)": lambda: render(report, "json"),
        "data_checksum": lambda: report.data_checksum,
    }
    out["parts"] = {}
    for label, fn in parts.items():
        times = []
        for _ in range(5):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        with CaptureQueriesContext(connection) as q:
            fn()
        slow = sorted(q.captured_queries, key=lambda x: -float(x["time"]))[:3]
        out["parts"][label] = {
            "median_ms": round(statistics.median(times) * 1000, 1),
            "queries": len(q.captured_queries),
            "sql_ms": round(sum(float(x["time"]) for x in q.captured_queries) * 1000, 1),
            "slowest_sql": [(round(float(x["time"]) * 1000, 1), x["sql"][:400]) for x in slow],
        }
        print(f"  {label:<34} {out['parts'][label]['median_ms']:>8} ms", flush=True)
    if profile or out["median_ms"] > target_s * 1000:
        import cProfile
        import io
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        once()
        prof.disable()
        stream = io.StringIO()
        pstats.Stats(prof, stream=stream).sort_stats("cumulative").print_stats(30)
        out["profile_top"] = stream.getvalue().splitlines()[:60]
    sections = report.sections
    out["figures"] = {
        "households": sections["households"]["total"]["total"],
        "wdf_contracts": sections["wdf"]["contracts"],
        "kkj_funds": sections["kkj"]["funds"],
        "otop_sales_fy": str(sections["otop"]["sales_fy"]),
        "submissions_on_time": sections["submissions"]["on_time"],
        "submissions_late": sections["submissions"]["late"],
        "narratives": sum(len(d.texts) for m in report.missions for d in m.districts),
        "photos": sum(len(d.photos) for m in report.missions for d in m.districts),
        "indicators": len(report.indicators),
        "sustainable_villages": report.sustainable is not None,
    }
    out["sample_narrative"] = (
        Narrative.objects.filter(
            submission__province_id=province, submission__month=first, mission__number=1
        )
        .order_by("submission__district_id", "heading__number")
        .values_list("text", flat=True)
        .first()
        or ""
    )
    return out


def task_pdf_parts(province: str, month: str, profile: bool = False) -> dict:
    """One PDF build in-process, split: build_report (charts), the HTML, WeasyPrint. With
    ``profile`` also a render without the Thai text map (``exact_text=False``) and a cProfile
    of the render, its own time summed by module."""
    _setup()
    import resource

    from reports import document
    from reports.archive import settings_for
    from reports.builder import build_report
    from reports.pdf import render_pdf

    first = date.fromisoformat(month)
    out = {}
    t = time.perf_counter()
    report = build_report(province, first, charts=True)
    out["build_report_charts_s"] = round(time.perf_counter() - t, 2)
    chosen = settings_for(province)
    warnings: list = []
    t = time.perf_counter()
    html = document.report_html(
        report,
        for_pdf=True,
        thai_numerals=chosen.thai_numerals,
        office_name=chosen.office_name or None,
        warnings=warnings,
    )
    out["html_s"] = round(time.perf_counter() - t, 2)
    out["html_chars"] = len(html)
    t = time.perf_counter()
    pdf = render_pdf(html, warnings=warnings)
    out["weasyprint_s"] = round(time.perf_counter() - t, 2)
    out["pdf_bytes"] = len(pdf)
    out["warnings"] = warnings[:5]
    # The way builds render: the body in pieces in parallel processes (reports.pdf.split).
    from django.conf import settings

    from reports.document import body_parts, report_pdf

    doc = document.document(report, for_pdf=True)
    out["pieces"] = len(
        body_parts(
            doc,
            processes=settings.REPORT_PDF_PROCESSES,
            min_weight=settings.REPORT_PDF_SPLIT_MIN_WEIGHT,
        )
    )
    t = time.perf_counter()
    report_pdf(report, thai_numerals=chosen.thai_numerals, office_name=chosen.office_name or None)
    out["report_pdf_in_pieces_s"] = round(time.perf_counter() - t, 2)
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(f"pdf parts: {out}", flush=True)
    if profile:
        t = time.perf_counter()
        render_pdf(html, exact_text=False)
        out["weasyprint_without_textmap_s"] = round(time.perf_counter() - t, 2)
        import cProfile
        import pstats

        prof = cProfile.Profile()
        prof.enable()
        render_pdf(html)
        prof.disable()
        stats = pstats.Stats(prof).stats
        by_module: dict[str, float] = {}
        for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.items():
            parts = Path(filename).parts
            if "site-packages" in parts:
                rest = parts[parts.index("site-packages") + 1 :]
                key = "/".join(rest[:2]) if len(rest) > 1 else rest[0]
            elif "reports" in parts:
                key = "/".join(parts[parts.index("reports") :])
            else:
                key = filename if filename.startswith("<") else Path(filename).name
            by_module[key] = by_module.get(key, 0) + tottime
        total = sum(by_module.values())
        out["profile_total_s"] = round(total, 2)
        out["profile_by_module"] = [
            (k, round(v, 2), round(100 * v / total, 1))
            for k, v in sorted(by_module.items(), key=lambda kv: -kv[1])[:20]
        ]
        top = sorted(stats.items(), key=lambda kv: -kv[1][2])[:25]
        out["profile_top_tottime"] = [
            (f"{Path(f).name}:{line}({name})", n, round(tt, 2), round(ct, 2))
            for (f, line, name), (_cc, n, tt, ct, _c) in top
        ]
    return out


def task_enqueue(provinces: list[str], month: str) -> dict:
    """``request_build`` of the month for each province (scheduled trigger): queued on commit
    through the broker."""
    _setup()
    from cdd.celery import app
    from reports.archive import request_build
    from reports.models import BuildTrigger

    with app.connection_for_write() as conn:  # request_build swallows a broker error
        conn.ensure_connection(max_retries=2)

    t = time.perf_counter()
    ids = [
        request_build(p, date.fromisoformat(month), trigger=BuildTrigger.SCHEDULE).pk
        for p in provinces
    ]
    return {"versions": len(ids), "seconds": round(time.perf_counter() - t, 2)}


TASKS = {
    "seed": task_seed,
    "photos": task_photos,
    "json": task_json,
    "pdf_parts": task_pdf_parts,
    "enqueue": task_enqueue,
}


# ---------------------------------------------------------------------------------------------
# The table


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    table = []
    prov = results.get("province_scale")
    if prov:
        d = prov["data"]
        scale = (
            f"province {prov['province']}, {prov['month']}: {d['households']:,} households, "
            f"{d['wdf_contracts']:,} loans, {d['otop_sales']:,} sales, {d['districts']} "
            f"districts, {d['narratives']:,} narratives, {d['photos']} photos"
        )
        table.append(("data", scale, "", "info"))
        j = prov["json"]
        table.append(
            (
                f"report JSON, build_report + render in-process (n={j['n']}, "
                f"load {prov['load_before_json']:.1f})",
                f"median {j['median_ms'] / 1000:.2f} s, p95 {j['p95_ms'] / 1000:.2f} s, "
                f"{j['queries']} queries",
                f"≤ {TARGET_JSON_S} s",
                verdict(j["p95_ms"] <= TARGET_JSON_S * 1000),
            )
        )
        c = prov["json_cli"]
        table.append(
            (
                f"manage.py build_monthly_report --format json (n={len(c['runs'])}; a new "
                "process: Django start-up and imports included)",
                f"median {c['median_s']:.2f} s, max {c['max_s']:.2f} s, {c['peak_rss_mb']:.0f} MB",
                "",
                "info",
            )
        )
        p = prov["pdf_cli"]
        table.append(
            (
                f"manage.py build_monthly_report --format pdf (n={len(p['runs'])}, "
                f"load {prov['load_before_pdf']:.1f})",
                f"median {p['median_s']:.1f} s, max {p['max_s']:.1f} s, peak "
                f"{p['max_peak_rss_mb']:.0f} MB per process, {p['max_tree_peak_mb']:.0f} MB "
                f"all processes; {p['pages']} pages, {p['photos']} photos, "
                f"{p['bytes'] / 1e6:.1f} MB",
                f"≤ {TARGET_PDF_S} s, ≤ {TARGET_PDF_MB} MB",
                verdict(p["max_s"] <= TARGET_PDF_S and p["max_tree_peak_mb"] <= TARGET_PDF_MB),
            )
        )
    nat = results.get("national")
    if nat and "requested" in nat.get("build", {}):
        b, d = nat["build"], nat["data"]
        table.append(
            (
                "national data",
                f"{d['households']:,} households, {d['wdf_contracts']:,} loans, "
                f"{d['otop_sales']:,} sales, {d['narratives']:,} narratives, "
                f"{d['photos']:,} photos, {d['database_gb']} GB",
                "",
                "info",
            )
        )
        ok = b["all_finished"] and b["failed"] == 0 and b["total_s"] <= TARGET_NATIONAL_S
        table.append(
            (
                f"77 provinces, 2 Celery workers (pdf+xlsx+json; load median "
                f"{b['load_during']['median']})",
                f"{b['total_s'] / 60:.1f} min, {b['done']} done, {b['failed']} failed; "
                f"slowest {b['slowest']['province']} {b['slowest']['seconds']} s; "
                f"peak worker RSS {b['peak_rss_mb_pool_child']:.0f} MB per process, "
                f"{b['peak_rss_mb_busy_worker_sum']:.0f} MB with its render processes",
                "≤ 30 min",
                verdict(ok),
            )
        )
    return table


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--province", default=PROVINCE)
    parser.add_argument(
        "--month",
        type=lambda s: date.fromisoformat(s + "-01"),
        default=last_full_month(),
        help="YYYY-MM (default: the last full month)",
    )
    parser.add_argument("--seed", default="1")
    parser.add_argument("--runs", type=int, default=15, help="in-process JSON builds")
    parser.add_argument("--cli-runs", type=int, default=3)
    parser.add_argument("--pdf-runs", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="cProfile one JSON build")
    parser.add_argument("--no-split-pdf", dest="split_pdf", action="store_false")
    parser.add_argument("--skip-province", action="store_true")
    parser.add_argument("--skip-national", action="store_true")
    parser.add_argument("--national-extras", default="all", help="all, none or P,P,...")
    parser.add_argument("--photo-pool", type=int, default=30)
    parser.add_argument(
        "--max-load",
        type=float,
        default=1.5,
        help="wait (up to 15 min) for a 1-minute load average below this before timing; 0: no",
    )
    parser.add_argument(
        "--prepare-only",
        action="store_true",
        help="national: stop once the data is there (with --keep, for a later --reuse)",
    )
    parser.add_argument("--national-timeout", type=int, default=3600)
    parser.add_argument("--keep", action="store_true", help="keep databases and scratch dir")
    parser.add_argument("--reuse", action="store_true", help="continue in kept databases")
    parser.add_argument("--no-merge", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("TASK", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        task, kwargs = args.worker
        result = TASKS[task](**json.loads(kwargs))
        print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))
        return result

    results = {
        "month": f"{args.month:%Y-%m}",
        "machine": {"nproc": os.cpu_count(), "load_at_start": os.getloadavg()},
    }
    scratch = Scratch(args.keep)
    print(f"scratch directory {scratch.dir}", flush=True)
    try:
        if not args.skip_province:
            results["province_scale"] = bench_province(args, scratch)
        if not args.skip_national:
            results["national"] = bench_national(args, scratch)
    finally:
        scratch.remove()
    print_table(rows(results))
    if not args.no_merge:
        merge_results("report", results)
    return results


if __name__ == "__main__":
    main()
