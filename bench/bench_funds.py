"""WDF loans on PostgreSQL: a 400,000-payment import, and the debt figures, the follow-up list
and the contract page over 50,000 contracts and about 400,000 payments of one province.

a. Import. A fresh database ``cdd_bench_funds_import`` is migrated, loaded with the geography
   of province 19 and 50,000 contracts with their original schedules and no payments
   (``generate_funds.py --no-payments``). ``make_payments.py`` writes ``--rows`` (default
   400,000) valid payments for them as .csv and .xlsx; each file is imported in its own copy
   of that database by ``manage.py import_data wdf_payments FILE`` as a subprocess
   (``cdd.settings.local``) under ``/usr/bin/time -v``: wall seconds (Django start-up
   included) and peak RSS. It must print ``created N, updated 0, unchanged 0`` and the table
   must then hold N payments. Target: ≤ 60 s each. ``--import-timeout`` (default 1800 s) stops
   an import that takes longer (reported as timed out). The contract page of the contract with
   the most imported payments is then counted again on the imported copy (which holds an audit
   entry per payment).
b. Figures and follow-up list. A fresh database ``cdd_bench_funds_pages`` gets province 19 and
   ``generate_funds.py`` data (50,000 contracts, ~400,000 payments, 2% restructured, a relief
   round for 3%). A worker subprocess sets up Django (``cdd.settings.local``, DEBUG switched
   off), creates the provincial officer ``bench_officer`` of province 19 and times, going
   round four dates (``--as-of``, the day after the fiscal year's 1 October, the 1st of April
   before ``--as-of`` (mid-year) and one year before ``--as-of``), ``--runs`` (default 15)
   calls after a warm-up per date: ``selectors.wdf_debt`` for the province (two per-district
   queries: as of the date and as of 1 October) and ``selectors.follow_up_list``; median, p95
   (nearest rank), and per date. Target ≤ 1 s (the p95 is checked). The receivables and
   overdue of ``wdf_debt`` as of ``--as-of`` are checked against the generator's own
   computation. EXPLAIN (ANALYZE, BUFFERS) of the slowest statement of each selector (as of
   ``--as-of``) is kept in results.json.
c. Pages, with Django's test ``Client`` logged in as that officer (all middleware, database
   sessions): the figures page ``/funds/wdf/?province=19&as_of=DATE`` (``wdf-figures``) and the
   follow-up page ``/funds/wdf/follow-up/?province=19&as_of=DATE`` (``wdf-follow-up``), same
   dates and runs, target ≤ 1 s; the contract page ``/funds/wdf/loans/<pk>/``
   (``wdf-loan-detail``) of the restructured contract with the most payments, of a relieved
   one and of a plain one: SQL queries of one request (``CaptureQueriesContext``), target ≤ 10.
   Pages whose URL name does not exist yet are reported as missing.

Databases are dropped at the end unless ``--keep``; ``--db-suffix X`` appends X to their names
(for two runs at the same time). Prints a Markdown table and merges the
figures into ``bench/out/results.json`` under ``funds`` (other keys kept).

    .venv/bin/python bench/bench_funds.py [--contracts 50000] [--rows 400000] [--runs 15]
        [--seed 1] [--as-of YYYY-MM-DD] [--skip-import] [--skip-xlsx] [--skip-queries]
        [--import-timeout 1800] [--db-suffix X] [--keep] [--no-merge]
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
from datetime import date, timedelta
from pathlib import Path

import generate
import generate_funds
import make_payments
from _common import PYTHON, ROOT, TIME, Database, manage, show
from bench_households import summary_ms

HERE = Path(__file__).resolve().parent
PROVINCE = "19"
TARGET_IMPORT_SECONDS = 60
TARGET_FIGURES_MS = TARGET_FOLLOW_UP_MS = 1000
TARGET_DETAIL_QUERIES = 10
DB_SUFFIX = {"value": ""}  # --db-suffix


def bench_db(name: str, template: Database | None = None) -> Database:
    return Database("postgres", name + DB_SUFFIX["value"], template=template)


def bench_dates(as_of: date) -> dict[str, date]:
    """The dates the figures are computed for: label -> date (all on or before as_of)."""
    fy_start = date(as_of.year - (as_of.month < 10), 10, 1)
    after_october = fy_start + timedelta(days=1)
    if after_october > as_of:  # as_of is 1 October itself
        after_october = date(fy_start.year - 1, 10, 2)
    april = date(as_of.year - (as_of.month < 4), 4, 1)
    return {
        "as_of": as_of,
        "after_1_october": after_october,
        "mid_year": april,
        "a_year_before": as_of - timedelta(days=365),
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


def bench_import(
    contracts: int, rows: int, seed: str, as_of: date, keep: bool, xlsx: bool, timeout: int
) -> dict:
    base = bench_db("funds_import")
    out = {"rows": rows, "contracts": contracts, "runs": {}}
    try:
        manage(base, "migrate", "--noinput")
        manage(base, "load_geography", "--province", PROVINCE)
        gen = generate_funds.main(
            ["--database-url", base.url, "--province", PROVINCE, "--contracts", str(contracts)]
            + ["--seed", seed, "--as-of", as_of.isoformat(), "--no-payments"]
        )
        out["generate"] = {"contracts": gen["contracts"], "instalments": gen["instalments"]}
        with tempfile.TemporaryDirectory(prefix="cdd-funds-") as tmp:
            files = [Path(tmp, "payments.csv")]
            if xlsx:
                files.append(Path(tmp, "payments.xlsx"))
            made = make_payments.main(
                ["--database-url", base.url, "--province", PROVINCE, "--rows", str(rows)]
                + ["--seed", seed, "--as-of", as_of.isoformat()]
                + [arg for f in files for arg in ("--out", str(f))]
            )
            out["file"] = {Path(k).suffix[1:]: v for k, v in made["files"].items()} | {
                "contracts_paying": made["contracts_paying"],
                "amount": made["amount"],
            }
            for path in files:
                fmt = path.suffix[1:]
                db = bench_db(f"funds_import_{fmt}", template=base)
                try:
                    run = _run_with_timeout(db, path, timeout)
                    show(f"import {rows} payments, {fmt}", run)
                    run["ok"] = f"created {rows}, updated 0, unchanged 0" in run["stdout"]
                    if run["ok"]:
                        run["payments_in_table"] = _count(
                            db.url, "SELECT count(*) FROM funds_wdfpayment"
                        )
                        run["audit_entries"] = _count(
                            db.url, "SELECT count(*) FROM audit_auditentry"
                        )
                        run["ok"] = run["payments_in_table"] == rows
                    if run["ok"] and fmt == "csv":
                        # The contract page where an audit entry exists for every payment.
                        out["detail_after_import"] = _worker(db, "--detail-only")
                    out["runs"][fmt] = run
                finally:
                    if not keep:
                        db.drop()
    finally:
        if not keep:
            base.drop()
    return out


def _run_with_timeout(db: Database, path: Path, timeout: int) -> dict:
    """``manage.py import_data wdf_payments FILE`` as ``_common.manage`` runs it (GNU time,
    ``cdd.settings.local``), but in its own process group, killed after ``timeout`` seconds."""
    env = dict(
        os.environ,
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="cdd.settings.local",
        CELERY_BROKER_URL="",
    )
    args = ["import_data", "wdf_payments", str(path)]
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
        "stdout": stdout.strip(),
        "stderr": stderr.strip()[-2000:] if proc.returncode else "",
        "timed_out": timed_out,
    }


def bench_queries(contracts: int, seed: str, as_of: date, runs: int, keep: bool) -> dict:
    db = bench_db("funds_pages")
    try:
        manage(db, "migrate", "--noinput")
        manage(db, "load_geography", "--province", PROVINCE)
        gen = generate_funds.main(
            ["--database-url", db.url, "--province", PROVINCE, "--contracts", str(contracts)]
            + ["--seed", seed, "--as-of", as_of.isoformat()]
        )
        result = _worker(db, "--runs", str(runs), "--as-of", as_of.isoformat())
        expected = gen["as_of_totals"]
        got = result["figures"]["as_of_totals"]
        result["figures"]["matches_generator"] = (
            got["receivables"] == expected["receivables"] and got["overdue"] == expected["overdue"]
        )
    finally:
        if not keep:
            db.drop()
    return {"generate": gen, **result}


# ---------------------------------------------------------------------------------------------
# The worker: its own process with Django set up on the bench database.


def worker(url: str, runs: int, as_of: date, detail_only: bool):
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
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from accounts.models import User
    from funds import selectors
    from funds.models import WdfLoan

    user, _created = User.objects.update_or_create(
        username="bench_officer",
        defaults={"role": "provincial_officer", "province_id": PROVINCE, "is_active": True},
    )
    client = Client(SERVER_NAME="localhost")
    client.force_login(user)

    def url_of(name, *args):
        try:
            return reverse(name, args=args)
        except NoReverseMatch:
            return None

    def get(path: str, expect: str | None = None):
        start = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - start
        assert response.status_code == 200, (path, response.status_code)
        if expect:
            assert expect in response.content.decode(), (path, expect)
        return seconds

    def sql_of(queries):
        return [(round(float(q["time"]) * 1000, 1), q["sql"][:300]) for q in queries]

    def detail(loan) -> dict:
        path = url_of("wdf-loan-detail", loan.pk)
        if path is None:
            return {"missing": True}
        get(path, loan.contract_no)
        with CaptureQueriesContext(connection) as q:
            get(path, loan.contract_no)
        sql = sql_of(q.captured_queries)
        times = [get(path, loan.contract_no) for _ in range(max(3, runs // 3))]
        return {
            "contract_no": loan.contract_no,
            "payments": loan.payments.count(),
            "revisions": loan.revisions.count(),
            "queries": len(sql),
            **summary_ms(times),
            "sql": sql,
        }

    result = {"settings": "cdd.settings.local, DEBUG off", "user": "provincial_officer 19"}
    loans = WdfLoan.objects.filter(province_id=PROVINCE)
    if detail_only:
        busiest = loans.annotate(n=Count("payments")).order_by("-n", "contract_no").first()
        result["detail"] = {"most payments": detail(busiest)}
        print("RESULT " + json.dumps(result, ensure_ascii=False))
        return

    dates = bench_dates(as_of)
    order = [list(dates)[i % len(dates)] for i in range(runs)]
    area = {"level": "province", "code": PROVINCE}

    def timed(fn, label_key):
        per_date = {k: [] for k in dates}
        for k in dates:  # warm-up
            fn(dates[k])
        for k in order:
            start = time.perf_counter()
            fn(dates[k])
            per_date[k].append(time.perf_counter() - start)
        every = [t for ts in per_date.values() for t in ts]
        out = {**summary_ms(every), "per_date": {}}
        for k, ts in per_date.items():
            out["per_date"][k] = {"date": dates[k].isoformat(), **summary_ms(ts)}
        print(f"{label_key}: median {out['median_ms']} ms, p95 {out['p95_ms']} ms", flush=True)
        return out

    # b. Selectors.
    figures = timed(lambda d: selectors.wdf_debt(user=user, as_of=d, **area), "wdf_debt")
    with CaptureQueriesContext(connection) as q:
        debt = selectors.wdf_debt(user=user, as_of=as_of, **area)
    figures["queries"] = len(q.captured_queries)
    figures["sql"] = sql_of(q.captured_queries)
    total = debt["total"]
    figures["as_of_totals"] = {
        "receivables": f"{total['receivables']:.2f}",
        "overdue": f"{total['overdue_now']:.2f}",
        "contracts_in_arrears": total["contracts_in_arrears"],
        "overdue_baseline": f"{total['overdue_baseline']:.2f}",
    }
    figures["explain"] = explain_slowest(q.captured_queries)
    result["figures"] = figures

    follow = timed(lambda d: selectors.follow_up_list(user=user, as_of=d, **area), "follow_up")
    with CaptureQueriesContext(connection) as q:
        data = selectors.follow_up_list(user=user, as_of=as_of, **area)
    follow["queries"] = len(q.captured_queries)
    follow["sql"] = sql_of(q.captured_queries)
    follow["rows_as_of"] = len(data["rows"])
    follow["explain"] = explain_slowest(q.captured_queries)
    result["follow_up"] = follow

    # c. Pages.
    result["pages"] = {}
    first_district = debt["rows"][0]["name"] if debt["rows"] else None
    top = {
        k: (selectors.follow_up_list(user=user, as_of=d, **area)["rows"] or [None])[0]
        for k, d in dates.items()
    }
    pages = [
        ("figures", "wdf-figures", lambda k: first_district),
        ("follow_up", "wdf-follow-up", lambda k: top[k]["loan"].contract_no if top[k] else None),
    ]
    for key, name, expect in pages:
        base = url_of(name)
        if base is None:
            result["pages"][key] = {"missing": True, "url_name": name}
            print(f"{name}: no such URL yet", flush=True)
            continue

        def path(k, base=base):
            return f"{base}?province={PROVINCE}&as_of={dates[k].isoformat()}"

        for k in dates:
            get(path(k), expect(k))
        per_date = {k: [] for k in dates}
        for k in order:
            per_date[k].append(get(path(k), expect(k)))
        every = [t for ts in per_date.values() for t in ts]
        with CaptureQueriesContext(connection) as q:
            get(path("as_of"), expect("as_of"))
        page = {
            "url": path("as_of"),
            **summary_ms(every),
            "per_date": {
                k: {"date": dates[k].isoformat(), **summary_ms(ts)} for k, ts in per_date.items()
            },
            "queries": len(q.captured_queries),
            "sql": sql_of(q.captured_queries),
        }
        result["pages"][key] = page
        print(f"{name}: median {page['median_ms']} ms, p95 {page['p95_ms']} ms", flush=True)

    counted = loans.annotate(n=Count("payments"))
    chosen = {
        "restructured, most payments": counted.filter(revisions__kind="restructure")
        .order_by("-n", "contract_no")
        .first(),
        "relieved, most payments": counted.filter(revisions__kind="relief")
        .order_by("-n", "contract_no")
        .first(),
        "original schedule only": counted.exclude(revisions__kind__in=["restructure", "relief"])
        .filter(n__gt=0)
        .order_by("contract_no")
        .first(),
    }
    result["detail"] = {label: detail(loan) for label, loan in chosen.items() if loan is not None}
    for label, d in result["detail"].items():
        print(f"contract page ({label}): {d.get('queries', 'missing')} queries", flush=True)
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))


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


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each figure."""

    def verdict(ok):
        return "pass" if ok else "FAIL"

    table = []
    if "import" in results:
        imp = results["import"]
        for fmt, r in imp["runs"].items():
            if r.get("timed_out"):
                figure = f"timed out after {r['seconds']:.0f} s"
            else:
                figure = f"{r['seconds']:.1f} s, {r['peak_rss_mb'] or 0:.0f} MB"
                if not r.get("ok"):
                    figure += " (wrong counts)"
            table.append(
                (
                    f"import {imp['rows']:,} WDF payments, {fmt}, postgres",
                    figure,
                    f"≤ {TARGET_IMPORT_SECONDS} s",
                    verdict(r.get("ok") and r["seconds"] <= TARGET_IMPORT_SECONDS),
                )
            )
        for label, d in imp.get("detail_after_import", {}).get("detail", {}).items():
            if not d.get("missing"):
                table.append(
                    (
                        f"contract page after the import ({label}, {d['payments']} payments)",
                        f"{d['queries']} queries ({d['median_ms']:.0f} ms)",
                        f"≤ {TARGET_DETAIL_QUERIES} queries",
                        verdict(d["queries"] <= TARGET_DETAIL_QUERIES),
                    )
                )
    if "queries" in results:
        q = results["queries"]
        gen = q["generate"]
        table.append(
            (
                f"generate_funds.py, province {PROVINCE}, {gen['contracts']:,} contracts",
                f"{gen['seconds']['total']:.1f} s ({gen['payments']:,} payments, "
                f"{gen['revision_kinds']['restructure']:,} restructured, "
                f"{gen['revision_kinds']['relief']:,} relieved)",
                "—",
                "info",
            )
        )
        for key, label, target in (
            ("figures", "selectors.wdf_debt, province (2 queries)", TARGET_FIGURES_MS),
            ("follow_up", "selectors.follow_up_list, province", TARGET_FOLLOW_UP_MS),
        ):
            f = q[key]
            table.append(
                (
                    f"{label} (n={f['n']}, 4 dates)",
                    f"median {f['median_ms']:.0f} ms, p95 {f['p95_ms']:.0f} ms",
                    f"≤ {target} ms",
                    verdict(f["p95_ms"] <= target),
                )
            )
        if not q["figures"].get("matches_generator", True):
            table.append(("wdf_debt totals vs generator", "differ", "equal", "FAIL"))
        for key, label in (("figures", "figures page"), ("follow_up", "follow-up page")):
            page = q["pages"].get(key, {})
            if page.get("missing"):
                table.append(
                    (f"{label} ({page['url_name']})", "no such page yet", "≤ 1000 ms", "—")
                )
                continue
            table.append(
                (
                    f"{label}, province (n={page['n']}, 4 dates)",
                    f"median {page['median_ms']:.0f} ms, p95 {page['p95_ms']:.0f} ms, "
                    f"{page['queries']} q",
                    "≤ 1000 ms",
                    verdict(page["p95_ms"] <= 1000),
                )
            )
        for label, d in q["detail"].items():
            if d.get("missing"):
                table.append((f"contract page, {label}", "no such page yet", "≤ 10 queries", "—"))
                continue
            table.append(
                (
                    f"contract page, {label} ({d['payments']} payments)",
                    f"{d['queries']} queries ({d['median_ms']:.0f} ms)",
                    f"≤ {TARGET_DETAIL_QUERIES} queries",
                    verdict(d["queries"] <= TARGET_DETAIL_QUERIES),
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
    data["funds"] = {**data.get("funds", {}), **results}
    out.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    print(f"\nmerged into {out}")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=400_000, help="payments in the import file")
    parser.add_argument("--runs", type=int, default=15, help="timed calls per figure")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--as-of", type=date.fromisoformat, default=date.today(), help="ISO date")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--skip-xlsx", action="store_true", help="import the CSV only")
    parser.add_argument("--skip-queries", action="store_true")
    parser.add_argument("--import-timeout", type=int, default=1800, help="seconds per import")
    parser.add_argument("--db-suffix", default="", help="appended to the database names")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--no-merge", action="store_true", help="do not write results.json")
    parser.add_argument("--worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--detail-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.runs, args.as_of, args.detail_only)
        return {}
    DB_SUFFIX["value"] = args.db_suffix
    results = {"as_of": args.as_of.isoformat()}
    if not args.skip_import:
        results["import"] = bench_import(
            args.contracts,
            args.rows,
            args.seed,
            args.as_of,
            args.keep,
            not args.skip_xlsx,
            args.import_timeout,
        )
    if not args.skip_queries:
        results["queries"] = bench_queries(
            args.contracts, args.seed, args.as_of, args.runs, args.keep
        )
    print_table(results)
    if not args.no_merge:
        merge_results(results)
    return results


if __name__ == "__main__":
    main()
