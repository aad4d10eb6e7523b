"""Helpers shared by the benchmarks: throw-away databases, timed `manage.py` runs, worker
subprocesses with Django set up, timings (median, p95) and the Markdown table of results."""

import argparse
import json
import math
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
PG = ["-h", "127.0.0.1", "-U", "postgres"]
TIME = "/usr/bin/time"
# Fallback when GNU time is missing: run the child and read its peak RSS (kB on Linux).
RSS_WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print('Maximum resident set size (kbytes):', "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)"
)


class Database:
    """A fresh database: a temporary SQLite file or a PostgreSQL database ``cdd_bench_<name>``.

    With ``template`` the new database starts as a copy of that one.
    """

    def __init__(self, backend: str, name: str, template: "Database | None" = None):
        self.backend = backend
        if backend == "sqlite":
            self.dir = tempfile.mkdtemp(prefix="cdd-bench-")
            self.path = f"{self.dir}/{name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            if template:
                shutil.copy(template.path, self.path)
        else:
            self.pg_name = f"cdd_bench_{name}"
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.pg_name}"
            self.drop()
            copy = ["-T", template.pg_name] if template else []
            subprocess.run(["createdb", *PG, *copy, self.pg_name], check=True)

    def drop(self):
        if self.backend == "sqlite":
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
            subprocess.run(["dropdb", *PG, "--if-exists", self.pg_name], check=True, env=quiet)


def _env(db: Database, settings: str = "cdd.settings.local", extra_env: dict | None = None):
    return dict(
        os.environ,
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE=settings,
        CELERY_BROKER_URL="",
        **(extra_env or {}),
    )


def _peak_rss_mb(report: str) -> float | None:
    match = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", report)
    return round(int(match.group(1)) / 1024, 1) if match else None


def manage(
    db: Database,
    *args: str,
    check: bool = True,
    settings: str = "cdd.settings.local",
    extra_env: dict | None = None,
) -> dict:
    """Run ``manage.py ARGS`` on ``db``; return wall seconds, peak RSS (MB), exit code, output.

    ``settings`` is the DJANGO_SETTINGS_MODULE (``cdd.settings.local``, DEBUG on, by default);
    ``extra_env`` adds environment variables (e.g. SECRET_KEY for the production settings).
    """
    env = _env(db, settings, extra_env)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rusage:
        if os.path.exists(TIME):
            prefix = [TIME, "-v", "-o", rusage.name]
        else:
            prefix = [PYTHON, "-c", RSS_WRAPPER]
        start = time.perf_counter()
        proc = subprocess.run(
            [*prefix, PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        report = rusage.read() + proc.stderr
    result = {
        "command": "manage.py " + " ".join(args),
        "seconds": round(seconds, 2),
        "peak_rss_mb": _peak_rss_mb(report),
        "exit": proc.returncode,
        "stdout": proc.stdout.strip(),
    }
    if check and proc.returncode != 0:
        raise RuntimeError(f"{result['command']} failed:\n{proc.stdout}\n{proc.stderr}")
    return result


def manage_with_timeout(db: Database, *args: str, timeout: int, tail: int | None = None) -> dict:
    """``manage.py ARGS`` as ``manage`` runs it (GNU time, ``cdd.settings.local``), but in its
    own process group, killed after ``timeout`` seconds (``timed_out``). ``tail``: keep only the
    last that many characters of the output."""
    env = _env(db)
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rusage:
        prefix = [TIME, "-v", "-o", rusage.name] if os.path.exists(TIME) else []
        start = time.perf_counter()
        proc = subprocess.Popen(
            [*prefix, PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        timed_out = False
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            os.killpg(proc.pid, signal.SIGTERM)  # the group this call started, by its id
            stdout, stderr = proc.communicate()
        seconds = time.perf_counter() - start
        report = rusage.read() + stderr
    stdout = stdout.strip()
    return {
        "command": "manage.py " + " ".join(args),
        "seconds": round(seconds, 2),
        "peak_rss_mb": _peak_rss_mb(report),
        "exit": proc.returncode,
        "stdout": stdout[-tail:] if tail else stdout,
        "stderr": stderr.strip()[-2000:] if proc.returncode else "",
        "timed_out": timed_out,
    }


def show(label: str, run: dict):
    print(f"{label:<34} {run['seconds']:>7.2f} s {run['peak_rss_mb'] or 0:>7.1f} MB  ", end="")
    print(run["stdout"].splitlines()[-1] if run["stdout"] else "", flush=True)


# ---------------------------------------------------------------------------------------------
# Bench databases (``--db-suffix``, ``--keep``) and what is in them


DB_SUFFIX = {"value": ""}  # --db-suffix, appended to the PostgreSQL database names


def bench_db(name: str, template: Database | None = None) -> Database:
    """A fresh PostgreSQL database ``cdd_bench_<name><--db-suffix>``."""
    return Database("postgres", name + DB_SUFFIX["value"], template=template)


@contextmanager
def scratch_db(name: str, template: Database | None = None, keep: bool = False):
    """``bench_db``, dropped when the block ends unless ``keep``."""
    db = bench_db(name, template)
    try:
        yield db
    finally:
        if not keep:
            db.drop()


def migrate_province(db: Database, province: str):
    """``migrate`` and ``load_geography --province`` on a fresh bench database."""
    manage(db, "migrate", "--noinput")
    manage(db, "load_geography", "--province", province)


def count_rows(url: str, table: str) -> int:
    """How many rows ``table`` has in the database at ``url``."""
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        n = cur.fetchone()[0]
    conn.close()
    return n


def import_files(directory, stem: str, xlsx: bool = True) -> list[Path]:
    """``STEM.csv`` (and ``STEM.xlsx``) in ``directory``: the files an import benchmark writes."""
    return [Path(directory, f"{stem}.{ext}") for ext in ("csv", "xlsx")[: 1 + xlsx]]


def out_args(files) -> list[str]:
    """``--out FILE`` for each file, for the make_*.py generators."""
    return [arg for f in files for arg in ("--out", str(f))]


def file_sizes(made: dict) -> dict:
    """The ``files`` of a make_*.py RESULT by format: {"csv": {...}, "xlsx": {...}}."""
    return {Path(k).suffix[1:]: v for k, v in made["files"].items()}


# ---------------------------------------------------------------------------------------------
# Subprocesses that print ``RESULT {json}`` last


def result_line(stdout: str) -> dict | None:
    """The JSON of the last ``RESULT {json}`` line of ``stdout``; None when there is none."""
    last = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    return json.loads(last[-1].removeprefix("RESULT ")) if last else None


def run_worker(script: str, flag: str, db: Database, *args: str, what: str = "worker") -> dict:
    """Run ``script FLAG DATABASE_URL ARGS`` (the script's worker mode) and return its RESULT."""
    proc = subprocess.run(
        [PYTHON, script, flag, db.url, *args],
        capture_output=True,
        text=True,
        cwd=HERE,
    )
    print(proc.stdout, end="", flush=True)
    result = result_line(proc.stdout)
    if proc.returncode or result is None:
        raise RuntimeError(f"{what} failed:\n{proc.stdout}\n{proc.stderr}")
    return result


def setup_django(url: str):
    """In a worker process: Django set up on the bench database (``cdd.settings.local``) with
    DEBUG switched off (no query log, no debug templates)."""
    os.environ.update(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="cdd.settings.local", CELERY_BROKER_URL=""
    )
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def officer_client(province: str):
    """(user, client): the provincial officer ``bench_officer`` of ``province`` and Django's
    test ``Client`` logged in as that officer (all middleware, database sessions)."""
    from django.test import Client

    from accounts.models import User

    user, _created = User.objects.update_or_create(
        username="bench_officer",
        defaults={"role": "provincial_officer", "province_id": province, "is_active": True},
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)
    return user, client


def sql_of(queries, width: int = 300) -> list[tuple[float, str]]:
    """(ms, the first ``width`` characters of the SQL) of each captured query."""
    return [(round(float(q["time"]) * 1000, 1), q["sql"][:width]) for q in queries]


def explain_slowest(captured) -> dict:
    """EXPLAIN (ANALYZE, BUFFERS) of the slowest captured statement, run again as it was sent
    (whatever SQL the selector builds today)."""
    from django.db import connection

    slowest = max(captured, key=lambda q: float(q["time"]))
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
        plan = [row[0] for row in cursor.fetchall()]
    return {"ms": round(float(slowest["time"]) * 1000, 1), "sql": slowest["sql"], "plan": plan}


# ---------------------------------------------------------------------------------------------
# Timings


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(0.95 * len(ordered)) - 1)]


def summary_ms(seconds: list[float]) -> dict:
    ms = [s * 1000 for s in seconds]
    return {
        "n": len(ms),
        "median_ms": round(statistics.median(ms), 1),
        "p95_ms": round(p95(ms), 1),
        "min_ms": round(min(ms), 1),
        "max_ms": round(max(ms), 1),
    }


def rounds(fn, keys, order, label: str, per: str, describe, self_timed: bool = False) -> dict:
    """Call ``fn(key)`` once for each of ``keys`` (warm-up), then time it for each key of
    ``order``: the summary of every call and, under ``per``, of each key with ``describe(key)``
    (e.g. {"date": ...}). ``self_timed``: ``fn`` returns the seconds to count itself. Prints
    the median and p95 after ``label``."""
    per_key = {k: [] for k in keys}
    for k in keys:  # warm-up
        fn(k)
    for k in order:
        start = time.perf_counter()
        seconds = fn(k)
        if not self_timed:
            seconds = time.perf_counter() - start
        per_key[k].append(seconds)
    every = [t for ts in per_key.values() for t in ts]
    out = {**summary_ms(every), per: {}}
    for k, ts in per_key.items():
        if ts:  # fewer runs than keys leaves some keys untimed (only warmed up)
            out[per][k] = {**describe(k), **summary_ms(ts)}
    print(f"{label}: median {out['median_ms']} ms, p95 {out['p95_ms']} ms", flush=True)
    return out


# ---------------------------------------------------------------------------------------------
# Results: the Markdown table and bench/out/results.json


def verdict(ok) -> str:
    return "pass" if ok else "FAIL"


def import_figure(run: dict) -> str:
    """An import run in the table: seconds and peak MB, or that it timed out or miscounted."""
    if run.get("timed_out"):
        return f"timed out after {run['seconds']:.0f} s"
    figure = f"{run['seconds']:.1f} s, {run['peak_rss_mb'] or 0:.0f} MB"
    return figure if run.get("ok") else figure + " (wrong counts)"


def print_table(rows):
    """(benchmark, figure, target, pass/fail) rows as a Markdown table."""
    print("\n| benchmark | figure | target | result |\n|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


def merge_results(key: str, results: dict):
    """Merge ``results`` into ``bench/out/results.json`` under ``key`` (other keys kept)."""
    out = HERE / "out" / "results.json"
    out.parent.mkdir(exist_ok=True)
    data = json.loads(out.read_text()) if out.exists() else {}
    data[key] = {**data.get(key, {}), **results}
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    print(f"\nmerged into {out}")


def add_bench_args(parser, *, as_of_type, as_of_help: str, import_timeout: int):
    """The options bench_funds.py and bench_otop.py share, after their sizes (``--rows``)."""
    parser.add_argument("--runs", type=int, default=15, help="timed calls per figure")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", type=as_of_type, default=date.today(), help=as_of_help)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-xlsx", action="store_true", help="import the CSV only")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument(
        "--import-timeout", type=int, default=import_timeout, help="seconds per import"
    )
    parser.add_argument("--db-suffix", default="", help="appended to the database names")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--no-merge", action="store_true", help="do not write results.json")
    parser.add_argument("--worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)


def run_benchmarks(args, key: str, size: int, bench_import, bench_queries, table_rows) -> dict:
    """What bench_funds.py and bench_otop.py do once their options are read: the import
    benchmark and the page benchmark (unless skipped) on databases named with ``--db-suffix``,
    the Markdown table of ``table_rows(results)`` and results.json under ``key`` (unless
    ``--no-merge``). ``size``: how many contracts or producers to generate."""
    DB_SUFFIX["value"] = args.db_suffix
    results = {"as_of": args.as_of.isoformat()}
    if not args.skip_import:
        results["import"] = bench_import(
            size,
            args.rows,
            args.seed,
            args.as_of,
            args.keep,
            not args.skip_xlsx,
            args.import_timeout,
        )
    if not args.skip_queries:
        results["queries"] = bench_queries(size, args.seed, args.as_of, args.runs, args.keep)
    print_table(table_rows(results))
    if not args.no_merge:
        merge_results(key, results)
    return results
