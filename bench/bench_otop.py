"""OTOP on PostgreSQL: a 100,000-row sales import and the target page over 5,000 producers and
about 600,000 monthly sales rows of one province.

a. Import. A fresh database ``cdd_bench_otop_import`` is migrated, loaded with the geography
   of province 19 and ``generate_otop.py`` data (5,000 producers, their products and five
   fiscal years of sales). ``make_otop_sales.py`` writes ``--rows`` (default 100,000) valid
   ``otop_sales`` rows for those producers and products, for the months before the generated
   period (older records typed in), as .csv and .xlsx; each file is imported in its own copy
   of that database (``createdb -T``) by ``manage.py import_data otop_sales FILE`` as a
   subprocess (``cdd.settings.local``) under ``/usr/bin/time -v``: wall seconds (Django
   start-up included) and peak RSS. It must print ``created N, updated 0, unchanged 0`` and
   the table must then hold N more rows. The same file is then imported again into that
   copy: ``created 0, updated 0, unchanged N``. Target: ≤ 30 s for the import.
   ``--import-timeout`` (default 900 s) stops an import that takes longer.
b. Target page. A fresh database ``cdd_bench_otop_pages`` gets province 19 and the
   ``generate_otop.py`` data. A worker subprocess sets up Django (``cdd.settings.local``,
   DEBUG switched off), creates the provincial officer ``bench_officer`` of province 19 and
   times, going round four months (``--as-of``'s month, the September before it, the October
   after that September, and the month a year before ``--as-of``'s), ``--runs`` (default 15)
   calls after a warm-up per month: ``otop.selectors.otop_figures`` for the province, then
   the target page (``otop-targets``, ``?province=19`` and the month) with Django's test
   ``Client`` logged in as that officer (all middleware, database sessions): median, p95
   (nearest rank) and per month. Target ≤ 500 ms (the p95 of the page is checked). The
   province totals of every month are checked against the generator's own sums (CONTRACT.md
   figures). The SQL queries of one page request are counted (``CaptureQueriesContext``);
   for the month whose selector statements took longest, its SQL and EXPLAIN (ANALYZE,
   BUFFERS) of its two slowest statements are kept in results.json.
   The month goes in the query string the way the page's month form reads it (``month=M&
   year=BE`` or ``month=YYYY-MM``, whichever the page answers with that month); a page whose
   URL name does not exist yet is reported as missing.

Databases are dropped at the end unless ``--keep``; ``--db-suffix X`` appends X to their names
(for two runs at the same time). Prints a Markdown table and merges the figures into
``bench/out/results.json`` under ``otop`` (other keys kept).

    cd bench && ../.venv/bin/python bench_otop.py [--producers 5000] [--rows 100000]
        [--runs 15] [--seed 1] [--as-of YYYY-MM[-DD]] [--skip-import] [--skip-xlsx]
        [--skip-queries] [--import-timeout 900] [--db-suffix X] [--keep] [--no-merge]
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import generate
import generate_otop as go
import make_otop_sales
from _common import PYTHON, ROOT, TIME, Database, manage, show
from bench_funds import explain_slowest
from bench_households import summary_ms

HERE = Path(__file__).resolve().parent
PROVINCE = "19"
TARGET_IMPORT_SECONDS = 30
TARGET_PAGE_MS = 500
DB_SUFFIX = {"value": ""}  # --db-suffix
FIGURE_KEYS = [
    "sales_fy",
    "fabric_sales_prev_fy",
    "fabric_target",
    "fabric_sales_fy",
    "fabric_pct",
    "online_sales_fy",
    "online_sales_prev_same_period",
    "online_growth_pct",
]


def bench_db(name: str, template: Database | None = None) -> Database:
    return Database("postgres", name + DB_SUFFIX["value"], template=template)


def bench_months(as_of: date) -> dict[str, int]:
    """The months the figures are computed for: label -> month key (none after as_of)."""
    last = go.month_key(as_of)
    september = last - 1 - (last - 1 - 8) % 12  # the last September before as_of's month
    return {
        "as_of": last,
        "september_before": september,
        "october_after": september + 1,
        "a_year_before": last - 12,
    }


def _count(url: str, sql: str, params=None):
    conn = generate.connect(url)
    with conn.cursor() as cur:
        cur.execute(sql, params)
        n = cur.fetchone()[0]
    conn.close()
    return n


def _worker(db: Database, *args: str) -> dict:
    proc = subprocess.run(
        [PYTHON, __file__, "--worker", db.url, *args],
        capture_output=True,
        text=True,
        cwd=HERE,
    )
    print(proc.stdout, end="", flush=True)
    last = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
    if proc.returncode or not last:
        raise RuntimeError(f"worker failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(last[-1].removeprefix("RESULT "))


def _generate(db: Database, producers: int, seed: str, as_of: date) -> dict:
    manage(db, "migrate", "--noinput")
    manage(db, "load_geography", "--province", PROVINCE)
    gen = go.main(
        ["--database-url", db.url, "--province", PROVINCE, "--producers", str(producers)]
        + ["--seed", seed, "--as-of", as_of.isoformat()]
    )
    return gen


def bench_import(
    producers: int, rows: int, seed: str, as_of: date, keep: bool, xlsx: bool, timeout: int
) -> dict:
    base = bench_db("otop_import")
    out = {"rows": rows, "producers": producers, "runs": {}}
    try:
        gen = _generate(base, producers, seed, as_of)
        out["generate"] = {
            k: gen[k] for k in ("producers", "products", "sales", "first_month", "as_of_month")
        }
        with tempfile.TemporaryDirectory(prefix="cdd-otop-") as tmp:
            files = [Path(tmp, "otop_sales.csv")]
            if xlsx:
                files.append(Path(tmp, "otop_sales.xlsx"))
            made = make_otop_sales.main(
                ["--database-url", base.url, "--province", PROVINCE, "--rows", str(rows)]
                + ["--seed", seed, "--as-of", as_of.isoformat()]
                + [arg for f in files for arg in ("--out", str(f))]
            )
            out["file"] = {Path(k).suffix[1:]: v for k, v in made["files"].items()} | {
                k: made[k]
                for k in ("producers_in_file", "with_product", "online", "amount")
                + ("first_month", "last_month")
            }
            for path in files:
                fmt = path.suffix[1:]
                db = bench_db(f"otop_import_{fmt}", template=base)
                try:
                    run = run_import(db, "otop_sales", path, timeout)
                    show(f"import {rows} OTOP sales, {fmt}", run)
                    run["ok"] = f"created {rows}, updated 0, unchanged 0" in run["stdout"]
                    if run["ok"]:
                        run["sales_in_table"] = _count(db.url, "SELECT count(*) FROM otop_sale")
                        run["audit_entries"] = _count(
                            db.url, "SELECT count(*) FROM audit_auditentry"
                        )
                        run["ok"] = run["sales_in_table"] == gen["sales"] + rows
                    again = None
                    if run["ok"]:
                        again = run_import(db, "otop_sales", path, timeout)
                        show(f"re-import {rows} OTOP sales, {fmt}", again)
                        again["ok"] = f"created 0, updated 0, unchanged {rows}" in again["stdout"]
                    out["runs"][fmt] = {"import": run, "reimport": again}
                finally:
                    if not keep:
                        db.drop()
    finally:
        if not keep:
            base.drop()
    return out


def run_import(db: Database, resource: str, path: Path, timeout: int) -> dict:
    """``manage.py import_data RESOURCE FILE`` as ``_common.manage`` runs it (GNU time,
    ``cdd.settings.local``), but in its own process group, killed after ``timeout`` seconds."""
    env = dict(
        os.environ,
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="cdd.settings.local",
        CELERY_BROKER_URL="",
    )
    args = ["import_data", resource, str(path)]
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
    match = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", report)
    return {
        "command": "manage.py " + " ".join(args),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(int(match.group(1)) / 1024, 1) if match else None,
        "exit": proc.returncode,
        "stdout": stdout.strip()[-2000:],
        "stderr": stderr.strip()[-2000:] if proc.returncode else "",
        "timed_out": timed_out,
    }


def bench_queries(producers: int, seed: str, as_of: date, runs: int, keep: bool) -> dict:
    db = bench_db("otop_pages")
    try:
        gen = _generate(db, producers, seed, as_of)
        result = _worker(db, "--runs", str(runs), "--as-of", as_of.isoformat())
        monthly = go.monthly_from_json(gen["monthly"])
        checks = {}
        for label, got in result["figures"]["totals"].items():
            expected = go.figures(monthly, go.month_key(go.parse_month(got["month"])))
            differ = {
                k: {"selector": got[k], "generator": expected[k]}
                for k in FIGURE_KEYS
                if not _same(got[k], expected[k])
            }
            checks[label] = {"month": got["month"], "ok": not differ, "differ": differ}
        result["figures"]["matches_generator"] = all(c["ok"] for c in checks.values())
        result["figures"]["checks"] = checks
    finally:
        if not keep:
            db.drop()
    gen.pop("monthly")
    return {"generate": gen, **result}


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 0.005


# ---------------------------------------------------------------------------------------------
# The worker: its own process with Django set up on the bench database.


def worker(url: str, runs: int, as_of: date):
    os.environ.update(
        DATABASE_URL=url, DJANGO_SETTINGS_MODULE="cdd.settings.local", CELERY_BROKER_URL=""
    )
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False  # no query log, no debug templates
    from django.db import connection
    from django.test import Client
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User
    from otop import selectors

    user, _created = User.objects.update_or_create(
        username="bench_officer",
        defaults={"role": "provincial_officer", "province_id": PROVINCE, "is_active": True},
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)

    months = {label: go.month_date(k) for label, k in bench_months(as_of).items()}
    order = [list(months)[i % len(months)] for i in range(runs)]
    area = {"level": "province", "code": PROVINCE}

    def sql_of(queries):
        return [(round(float(q["time"]) * 1000, 1), q["sql"][:400]) for q in queries]

    def timed(fn, label):
        per_month = {k: [] for k in months}
        for k in months:  # warm-up
            fn(k)
        for k in order:
            start = time.perf_counter()
            fn(k)
            per_month[k].append(time.perf_counter() - start)
        every = [t for ts in per_month.values() for t in ts]
        out = {**summary_ms(every), "per_month": {}}
        for k, ts in per_month.items():
            out["per_month"][k] = {
                "month": go.month_text(go.month_key(months[k])),
                **summary_ms(ts),
            }
        print(f"{label}: median {out['median_ms']} ms, p95 {out['p95_ms']} ms", flush=True)
        return out

    result = {"settings": "cdd.settings.local, DEBUG off", "user": "provincial_officer 19"}

    # The selector.
    figures = timed(
        lambda k: selectors.otop_figures(user=user, month=months[k], **area), "otop_figures"
    )
    captured = {}
    for k, month in months.items():
        with CaptureQueriesContext(connection) as q:
            selectors.otop_figures(user=user, month=month, **area)
        captured[k] = q.captured_queries
    figures["queries"] = len(captured["as_of"])
    # The month whose statements took longest: its SQL, and EXPLAIN of its two slowest.
    slow = max(captured, key=lambda k: sum(float(x["time"]) for x in captured[k]))
    statements = sorted(captured[slow], key=lambda x: float(x["time"]), reverse=True)
    figures["sql_month"] = go.month_text(go.month_key(months[slow]))
    figures["sql"] = sql_of(captured[slow])
    figures["explain"] = explain_slowest(statements[:1])
    if len(statements) > 1:
        figures["explain_second"] = explain_slowest(statements[1:2])
    totals = {}
    first_row = None
    for k, month in months.items():
        data = selectors.otop_figures(user=user, month=month, **area)
        first_row = first_row or data["rows"][0]
        total = data.get("total", data)
        totals[k] = {"month": go.month_text(go.month_key(month))} | {
            key: None if total.get(key) is None else str(total[key]) for key in FIGURE_KEYS
        }
        totals[k]["districts"] = len(data.get("rows", []))
        totals[k]["producers_without_sales"] = data.get("producers_without_sales_count")
    figures["totals"] = totals
    result["figures"] = figures

    # The target page.
    try:
        base = reverse("otop-targets")
    except NoReverseMatch:
        base = None
    if base is None:
        result["page"] = {"missing": True, "url_name": "otop-targets"}
        print("otop-targets: no such URL yet", flush=True)
    else:
        styles = {
            "month=M&year=BE": lambda d: f"month={d.month}&year={d.year + 543}",
            "month=YYYY-MM": lambda d: f"month={d:%Y-%m}",
        }
        style = None
        setup_test_environment()  # response.context, for checking the month the page shows
        try:
            for name, fmt in styles.items():
                month = months["a_year_before"]
                response = client.get(f"{base}?province={PROVINCE}&{fmt(month)}")
                shown = response.context and response.context.get("month")
                if response.status_code == 200 and shown == month:
                    style = name
                    break
        finally:
            teardown_test_environment()
        first_district = first_row["name"]

        def path(k):
            query = styles[style](months[k]) if style else ""
            return f"{base}?province={PROVINCE}&{query}"

        def get(k):
            start = time.perf_counter()
            response = client.get(path(k))
            seconds = time.perf_counter() - start
            assert response.status_code == 200, (path(k), response.status_code)
            assert first_district in response.content.decode(), (path(k), first_district)
            return seconds

        page = timed(get, "otop-targets")
        with CaptureQueriesContext(connection) as q:
            get("as_of")
        page.update(
            url=path("as_of"),
            month_query=style or "not understood: the page's default month",
            queries=len(q.captured_queries),
            sql=sql_of(q.captured_queries),
        )
        result["page"] = page
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------------------------------


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each figure."""

    def verdict(ok):
        return "pass" if ok else "FAIL"

    def timing(r):
        if r.get("timed_out"):
            return f"timed out after {r['seconds']:.0f} s"
        figure = f"{r['seconds']:.1f} s, {r['peak_rss_mb'] or 0:.0f} MB"
        return figure if r.get("ok") else figure + " (wrong counts)"

    def slowest(timing):
        label, m = max(timing["per_month"].items(), key=lambda item: item[1]["p95_ms"])
        return f"; slowest {m['month']} ({label.replace('_', ' ')}) p95 {m['p95_ms']:.0f} ms"

    table = []
    if "import" in results:
        imp = results["import"]
        for fmt, r in imp["runs"].items():
            run, again = r["import"], r["reimport"]
            table.append(
                (
                    f"import {imp['rows']:,} OTOP sales, {fmt}, postgres",
                    timing(run),
                    f"≤ {TARGET_IMPORT_SECONDS} s",
                    verdict(run.get("ok") and run["seconds"] <= TARGET_IMPORT_SECONDS),
                )
            )
            if again:
                table.append(
                    (
                        f"re-import of the same {fmt} (unchanged {imp['rows']:,})",
                        timing(again),
                        f"≤ {TARGET_IMPORT_SECONDS} s",
                        verdict(again.get("ok") and again["seconds"] <= TARGET_IMPORT_SECONDS),
                    )
                )
    if "queries" in results:
        q = results["queries"]
        gen = q["generate"]
        table.append(
            (
                f"generate_otop.py, province {PROVINCE}, {gen['producers']:,} producers",
                f"{gen['seconds']['total']:.1f} s ({gen['products']:,} products, "
                f"{gen['sales']:,} sales in {gen['months']} months)",
                "—",
                "info",
            )
        )
        f = q["figures"]
        table.append(
            (
                f"selectors.otop_figures, province (n={f['n']}, 4 months, {f['queries']} q)",
                f"median {f['median_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms{slowest(f)}",
                f"≤ {TARGET_PAGE_MS} ms",
                verdict(f["p95_ms"] <= TARGET_PAGE_MS),
            )
        )
        table.append(
            (
                "otop_figures province totals vs generator (4 months)",
                "equal" if f.get("matches_generator") else "differ",
                "equal",
                verdict(f.get("matches_generator")),
            )
        )
        page = q.get("page", {})
        if page.get("missing"):
            table.append((f"target page ({page['url_name']})", "no such page yet", "≤ 500 ms", "—"))
        elif page:
            table.append(
                (
                    f"target page, province (n={page['n']}, 4 months)",
                    f"median {page['median_ms']:.0f} ms, p95 {page['p95_ms']:.0f} ms, "
                    f"{page['queries']} q{slowest(page)}",
                    f"≤ {TARGET_PAGE_MS} ms",
                    verdict(page["p95_ms"] <= TARGET_PAGE_MS),
                )
            )
    return table


def print_table(results: dict):
    print("\n| benchmark | figure | target | result |\n|---|---|---|---|")
    for row in rows(results):
        print("| " + " | ".join(row) + " |")


def merge_results(results: dict):
    out = HERE / "out" / "results.json"
    out.parent.mkdir(exist_ok=True)
    data = json.loads(out.read_text()) if out.exists() else {}
    data["otop"] = {**data.get("otop", {}), **results}
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    print(f"\nmerged into {out}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--producers", type=int, default=5_000)
    parser.add_argument("--rows", type=int, default=100_000, help="sales in the import file")
    parser.add_argument("--runs", type=int, default=15, help="timed calls per figure")
    parser.add_argument("--seed", default="1")
    parser.add_argument(
        "--as-of", type=go.parse_month, default=date.today(), help="YYYY-MM or YYYY-MM-DD"
    )
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-xlsx", action="store_true", help="import the CSV only")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--import-timeout", type=int, default=900, help="seconds per import")
    parser.add_argument("--db-suffix", default="", help="appended to the database names")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--no-merge", action="store_true", help="do not write results.json")
    parser.add_argument("--worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.runs, args.as_of)
        return {}
    DB_SUFFIX["value"] = args.db_suffix
    results = {"as_of": args.as_of.isoformat()}
    if not args.skip_import:
        results["import"] = bench_import(
            args.producers,
            args.rows,
            args.seed,
            args.as_of,
            args.keep,
            not args.skip_xlsx,
            args.import_timeout,
        )
    if not args.skip_queries:
        results["queries"] = bench_queries(
            args.producers, args.seed, args.as_of, args.runs, args.keep
        )
    print_table(results)
    if not args.no_merge:
        merge_results(results)
    return results


if __name__ == "__main__":
    main()
