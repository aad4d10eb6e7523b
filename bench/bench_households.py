"""Target households on PostgreSQL: a 100,000-row import, and the list, progress and household
pages over 250,000 households of one province.

a. Import. A fresh database ``cdd_bench_hh_import`` is migrated, loaded with the geography of
   province 19 (``load_geography --province 19``) and its villages (``generate.py
   --households 0``: 1,101 villages, about 10 per subdistrict). ``make_households.py`` writes
   100,000 rows for those villages, then ``manage.py import_data households FILE.xlsx`` runs
   as a subprocess (``cdd.settings.local``, like the other benchmarks) in a copy of that
   database under ``/usr/bin/time -v``: wall seconds (Django start-up included) and peak RSS;
   it must print ``created 100000``. Targets: ≤ 60 s, ≤ 500 MB. Three diagnostic variants of
   the same import follow, each in its own copy (skip them with ``--quick``): the same file
   with the production settings (DEBUG off: no query log), the file with the ``<dimension>``
   element Excel writes, and the .csv. For scale, the same rows (the .csv) are then loaded
   with a plain ``COPY ... FROM STDIN (FORMAT csv)`` (psycopg2 ``copy_expert``) into a scratch
   table with the file's columns and no index: median of 3 runs, and the ratio import / COPY.
b. Pages. A fresh database ``cdd_bench_hh_pages`` gets province 19 and 250,000 households from
   ``generate.py`` (with plans, mentor teams and assistance). A worker subprocess sets up
   Django (``cdd.settings.local``, DATABASE_URL = that database, DEBUG switched off), creates
   the provincial officer ``bench_officer`` of province 19 and logs in with Django's test
   ``Client`` (full middleware stack, session in the database). It times:
   - the household list, first page filtered by district (``/households/?district=CODE``, 50
     per page), cycling over the province's 13 districts after one warm-up each: p95 of
     ``--requests`` (default 39) requests, target ≤ 300 ms;
   - the province progress table (``/households/progress/?level=province&code=19``): median
     and p95 of ``--runs`` (default 15) requests after a warm-up, target ≤ 500 ms; the
     selector ``household_progress`` alone is timed as well;
   - the household page (``/households/<house_code>/``) of the household with a plan, a mentor
     team and the most assistance rows, and of one with neither: SQL queries per request
     counted with ``CaptureQueriesContext``, target ≤ 10.

Both databases are dropped at the end (``--keep`` keeps them). Prints a Markdown table and
merges the figures into ``bench/out/results.json`` under ``households`` (other keys kept).

    .venv/bin/python bench/bench_households.py [--rows 100000] [--households 250000]
        [--requests 39] [--runs 15] [--seed 1] [--skip-import] [--quick] [--skip-pages]
        [--keep] [--no-merge] [--national-limit N]

``--national-limit N`` also runs ``generate.py --scale national --limit N`` on a fresh
database (``cdd_bench_hh_national``) and records its projected time for 13 million households.
"""

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

import generate
import make_households
from _common import (
    count_rows,
    manage,
    merge_results,
    migrate_province,
    officer_client,
    print_table,
    run_worker,
    scratch_db,
    setup_django,
    show,
    sql_of,
    summary_ms,
    verdict,
)

PROVINCE = "19"
TARGET_IMPORT_SECONDS, TARGET_IMPORT_MB = 60, 500
TARGET_LIST_P95_MS, TARGET_PROGRESS_MS, TARGET_DETAIL_QUERIES = 300, 500, 10
COPY_TABLE = "bench_households_copy"
COPY_COLUMNS = (
    "house_code varchar(11), village_code varchar(8), head_name varchar(200), "
    "national_id varchar(13), members smallint, income_per_person numeric(14, 2), "
    "survey_year smallint, source varchar(8), failed_dimensions text, plan_date date"
)


def plain_copy(url: str, csv_path: Path, runs: int = 3) -> dict:
    """COPY the CSV into a scratch table with the file's columns: median seconds of runs."""
    conn = generate.connect(url)
    times = []
    with conn.cursor() as cur:
        cur.execute(f"DROP TABLE IF EXISTS {COPY_TABLE}")
        cur.execute(f"CREATE TABLE {COPY_TABLE} ({COPY_COLUMNS})")
        conn.commit()
        for _ in range(runs):
            cur.execute(f"TRUNCATE {COPY_TABLE}")
            conn.commit()
            start = time.perf_counter()
            with csv_path.open(encoding="utf-8") as f:
                cur.copy_expert(
                    f"COPY {COPY_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)", f, size=1 << 20
                )
            conn.commit()
            times.append(time.perf_counter() - start)
        cur.execute(f"SELECT count(*) FROM {COPY_TABLE}")
        rows = cur.fetchone()[0]
        cur.execute(f"DROP TABLE {COPY_TABLE}")
        conn.commit()
    conn.close()
    return {
        "rows": rows,
        "seconds": round(statistics.median(times), 3),
        "runs": [round(t, 3) for t in times],
    }


# Diagnostic variants of the import, each into its own copy of the prepared database:
# (key, label, file, settings). "xlsx" is the benchmark proper (cdd.settings.local, DEBUG on).
PRODUCTION = {"SECRET_KEY": "bench-only", "ALLOWED_HOSTS": "localhost"}
LOCAL, PROD = "cdd.settings.local", "cdd.settings.production"
VARIANTS = [
    ("xlsx", "xlsx", "households.xlsx", LOCAL),
    ("xlsx_debug_off", "xlsx, production settings (DEBUG off)", "households.xlsx", PROD),
    ("xlsx_dimension", "xlsx with <dimension> (as Excel saves)", "dimension.xlsx", LOCAL),
    ("csv", "csv", "households.csv", LOCAL),
]


def bench_import(rows: int, seed: str, keep: bool, variants: bool) -> dict:
    runs, counts = {}, {}
    with scratch_db("hh_import", keep=keep) as base:
        migrate_province(base, PROVINCE)
        villages = generate.main(
            ["--database-url", base.url, "--province", PROVINCE, "--households", "0"]
            + ["--seed", seed]
        )["villages"]
        with tempfile.TemporaryDirectory(prefix="cdd-households-") as tmp:
            files = {name: Path(tmp, name) for _k, _l, name, _s in VARIANTS}
            codes = make_households.village_codes(PROVINCE, base.url)
            for name, path in files.items():
                make_households.write(
                    path,
                    make_households.household_rows(codes, rows, seed),
                    dimension=name == "dimension.xlsx",
                )
            sizes = {name: round(p.stat().st_size / 1e6, 2) for name, p in files.items()}
            for key, label, name, settings in VARIANTS if variants else VARIANTS[:1]:
                with scratch_db(f"hh_import_{key}", template=base, keep=keep) as db:
                    run = manage(
                        db,
                        "import_data",
                        "households",
                        str(files[name]),
                        settings=settings,
                        extra_env=PRODUCTION if settings == PROD else None,
                    )
                    show(f"import {rows} households, {key}", run)
                    assert f"created {rows}, updated 0, unchanged 0" in run["stdout"], run
                    run["label"] = label
                    runs[key] = run
                    if key == "xlsx":
                        counts = {
                            table: count_rows(db.url, table)
                            for table in (
                                "households_household",
                                "households_developmentplan",
                                "audit_auditentry",
                            )
                        }
            copy = plain_copy(base.url, files["households.csv"])
            assert copy["rows"] == rows, copy
        ratio = round(runs["xlsx"]["seconds"] / copy["seconds"], 1)
        print(f"plain COPY of the same {rows} rows: {copy['seconds']:.2f} s; import/COPY {ratio}x")
    return {
        "rows": rows,
        "villages": villages,
        "file_mb": sizes,
        "import": runs["xlsx"],
        "variants": {k: v for k, v in runs.items() if k != "xlsx"},
        "written": counts,
        "copy": copy,
        "import_over_copy": ratio,
    }


def bench_pages(households: int, seed: str, requests: int, runs: int, keep: bool) -> dict:
    with scratch_db("hh_pages", keep=keep) as db:
        migrate_province(db, PROVINCE)
        gen = generate.main(
            ["--database-url", db.url, "--province", PROVINCE, "--households", str(households)]
            + ["--seed", seed]
        )
        pages = run_worker(
            __file__,
            "--pages-worker",
            db,
            *("--requests", str(requests), "--runs", str(runs)),
            what="page worker",
        )
    return {"households": households, "generate": gen, **pages}


def bench_national(limit: int, seed: str, keep: bool) -> dict:
    with scratch_db("hh_national", keep=keep) as db:
        return generate.main(
            ["--database-url", db.url, "--setup", "--scale", "national", "--limit", str(limit)]
            + ["--seed", seed]
        )


# ---------------------------------------------------------------------------------------------
# The page worker: runs in its own process with Django set up on the bench database.


def pages_worker(url: str, requests: int, runs: int):
    setup_django(url)
    from datetime import date

    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext

    from households.models import Household
    from households.selectors import household_progress
    from villages.models import District

    user, client = officer_client(PROVINCE)

    def get(path: str, expect: str):
        start = time.perf_counter()
        response = client.get(path)
        seconds = time.perf_counter() - start
        assert response.status_code == 200, (path, response.status_code)
        assert expect in response.content.decode(), (path, expect)
        return seconds

    result = {"settings": "cdd.settings.local, DEBUG off", "user": "provincial_officer 19"}

    # List, first page by district.
    districts = District.objects.filter(province_id=PROVINCE).order_by("code")
    districts = list(districts.values_list("code", flat=True))
    first = {
        d: Household.objects.filter(district_id=d).order_by("house_code")[0].house_code
        for d in districts
    }
    for d in districts:
        get(f"/households/?district={d}", first[d])
    times = [
        get(f"/households/?district={d}", first[d])
        for d in (districts[i % len(districts)] for i in range(requests))
    ]
    with CaptureQueriesContext(connection) as q:
        get(f"/households/?district={districts[0]}", first[districts[0]])
    result["list"] = {
        **summary_ms(times),
        "districts": len(districts),
        "queries": len(q),
        "sql": sql_of(q.captured_queries),
    }
    print(f"list: {result['list']['median_ms']} ms median, {result['list']['p95_ms']} ms p95")

    # Province progress table.
    path = f"/households/progress/?level=province&code={PROVINCE}"
    first_district = districts[0]
    get(path, first_district)
    times = [get(path, first_district) for _ in range(runs)]
    with CaptureQueriesContext(connection) as q:
        get(path, first_district)
    progress_sql = sql_of(q.captured_queries)
    selector = []
    for _ in range(runs):
        start = time.perf_counter()
        household_progress(user=user, as_of=date.today(), level="province", code=PROVINCE)
        selector.append(time.perf_counter() - start)
    result["progress"] = {
        **summary_ms(times),
        "queries": len(progress_sql),
        "selector": summary_ms(selector),
        "sql": progress_sql,
    }
    prog = result["progress"]
    print(f"progress: {prog['median_ms']} ms median, {prog['p95_ms']} ms p95")

    # Household page: the busiest household (plan, mentor team, most assistance) and a bare one.
    busy = (
        Household.objects.filter(province_id=PROVINCE, plan__mentor_team__isnull=False)
        .annotate(n=Count("assistance"))
        .order_by("-n", "house_code")
        .first()
    )
    bare = Household.objects.filter(
        province_id=PROVINCE, plan__isnull=True, assistance__isnull=True
    ).first()
    result["detail"] = {}
    for label, household in (("with plan and assistance", busy), ("no plan, no help", bare)):
        path = f"/households/{household.house_code}/"
        get(path, household.house_code)
        with CaptureQueriesContext(connection) as q:
            get(path, household.house_code)
        sql = [x["sql"][:200] for x in q.captured_queries]  # before the next request clears it
        times = [get(path, household.house_code) for _ in range(runs)]
        result["detail"][label] = {
            "house_code": household.house_code,
            "assistance_rows": household.assistance.count(),
            "queries": len(sql),
            **summary_ms(times),
            "sql": sql,
        }
        print(f"household page ({label}): {len(sql)} queries")
    result["detail_max_queries"] = max(d["queries"] for d in result["detail"].values())
    print("RESULT " + json.dumps(result, ensure_ascii=False))


# ---------------------------------------------------------------------------------------------


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each figure."""

    table = []
    if "import" in results:
        imp = results["import"]
        r = imp["import"]
        ok = r["seconds"] <= TARGET_IMPORT_SECONDS and (r["peak_rss_mb"] or 0) <= TARGET_IMPORT_MB
        table.append(
            (
                f"import {imp['rows']:,} households, xlsx, postgres",
                f"{r['seconds']:.1f} s, {r['peak_rss_mb']:.0f} MB",
                f"≤ {TARGET_IMPORT_SECONDS} s, ≤ {TARGET_IMPORT_MB} MB",
                verdict(ok),
            )
        )
        for v in imp.get("variants", {}).values():
            table.append(
                (
                    f"  same import: {v['label']}",
                    f"{v['seconds']:.1f} s, {v['peak_rss_mb']:.0f} MB",
                    "—",
                    "info",
                )
            )
        table.append(
            (
                f"plain COPY of the same {imp['rows']:,} rows (csv)",
                f"{imp['copy']['seconds']:.2f} s; import/COPY = {imp['import_over_copy']}×",
                "—",
                "info",
            )
        )
    if "pages" in results:
        pages = results["pages"]
        gen = pages["generate"]
        table.append(
            (
                f"generate.py, province {PROVINCE}, {gen['households']:,} households",
                f"{gen['seconds']['total']:.1f} s ({gen['plans']:,} plans, "
                f"{gen['assistance']:,} assistance)",
                "—",
                "info",
            )
        )
        lst = pages["list"]
        table.append(
            (
                f"household list by district, page 1 (n={lst['n']})",
                f"p95 {lst['p95_ms']:.0f} ms (median {lst['median_ms']:.0f}, {lst['queries']} q)",
                f"p95 ≤ {TARGET_LIST_P95_MS} ms",
                verdict(lst["p95_ms"] <= TARGET_LIST_P95_MS),
            )
        )
        prog = pages["progress"]
        table.append(
            (
                f"province progress page (n={prog['n']})",
                f"median {prog['median_ms']:.0f} ms, p95 {prog['p95_ms']:.0f} ms "
                f"(selector {prog['selector']['median_ms']:.0f} ms)",
                f"≤ {TARGET_PROGRESS_MS} ms",
                verdict(prog["p95_ms"] <= TARGET_PROGRESS_MS),
            )
        )
        for label, d in pages["detail"].items():
            table.append(
                (
                    f"household page, {label}",
                    f"{d['queries']} queries ({d['median_ms']:.0f} ms)",
                    f"≤ {TARGET_DETAIL_QUERIES} queries",
                    verdict(d["queries"] <= TARGET_DETAIL_QUERIES),
                )
            )
    if "national" in results:
        nat = results["national"]
        table.append(
            (
                f"generate.py national, --limit {nat['households']:,}",
                f"{nat['seconds']['total']:.0f} s; projected 13M: "
                f"{nat['projected_full_seconds'] / 60:.1f} min",
                "≤ 15 min",
                verdict(nat["projected_full_seconds"] <= 900),
            )
        )
    return table


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="rows of the import file")
    parser.add_argument("--households", type=int, default=250_000, help="for the page benchmark")
    parser.add_argument("--requests", type=int, default=39, help="list requests (≥ 30)")
    parser.add_argument("--runs", type=int, default=15, help="progress and household page runs")
    parser.add_argument("--seed", default="1")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--quick", action="store_true", help="only the xlsx import, not its three variants"
    )
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--national-limit", type=int, default=0, help="0: skip")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases")
    parser.add_argument("--no-merge", action="store_true", help="do not write results.json")
    parser.add_argument("--pages-worker", metavar="DATABASE_URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.pages_worker:
        pages_worker(args.pages_worker, args.requests, args.runs)
        return {}
    results = {}
    if not args.skip_import:
        results["import"] = bench_import(args.rows, args.seed, args.keep, not args.quick)
    if not args.skip_pages:
        results["pages"] = bench_pages(
            args.households, args.seed, args.requests, args.runs, args.keep
        )
    if args.national_limit:
        results["national"] = bench_national(args.national_limit, args.seed, args.keep)
    print_table(rows(results))
    if not args.no_merge:
        merge_results("households", results)
    return results


if __name__ == "__main__":
    main()
