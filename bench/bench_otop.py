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
import tempfile
import time
from datetime import date

import generate_otop as go
import make_otop_sales
from _common import (
    Database,
    add_bench_args,
    count_rows,
    explain_slowest,
    file_sizes,
    import_figure,
    import_files,
    manage_with_timeout,
    migrate_province,
    officer_client,
    out_args,
    rounds,
    run_benchmarks,
    run_worker,
    scratch_db,
    setup_django,
    show,
    sql_of,
    verdict,
)

PROVINCE = "19"
TARGET_IMPORT_SECONDS = 30
TARGET_PAGE_MS = 500
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


def _worker(db: Database, *args: str) -> dict:
    return run_worker(__file__, "--worker", db, *args)


def _generate(db: Database, producers: int, seed: str, as_of: date) -> dict:
    migrate_province(db, PROVINCE)
    gen = go.main(
        ["--database-url", db.url, "--province", PROVINCE, "--producers", str(producers)]
        + ["--seed", seed, "--as-of", as_of.isoformat()]
    )
    return gen


def bench_import(
    producers: int, rows: int, seed: str, as_of: date, keep: bool, xlsx: bool, timeout: int
) -> dict:
    out = {"rows": rows, "producers": producers, "runs": {}}
    with scratch_db("otop_import", keep=keep) as base:
        gen = _generate(base, producers, seed, as_of)
        out["generate"] = {
            k: gen[k] for k in ("producers", "products", "sales", "first_month", "as_of_month")
        }
        with tempfile.TemporaryDirectory(prefix="cdd-otop-") as tmp:
            files = import_files(tmp, "otop_sales", xlsx)
            made = make_otop_sales.main(
                ["--database-url", base.url, "--province", PROVINCE, "--rows", str(rows)]
                + ["--seed", seed, "--as-of", as_of.isoformat()]
                + out_args(files)
            )
            out["file"] = file_sizes(made) | {
                k: made[k]
                for k in ("producers_in_file", "with_product", "online", "amount")
                + ("first_month", "last_month")
            }
            for path in files:
                fmt = path.suffix[1:]
                with scratch_db(f"otop_import_{fmt}", template=base, keep=keep) as db:
                    run = run_import(db, "otop_sales", path, timeout)
                    show(f"import {rows} OTOP sales, {fmt}", run)
                    run["ok"] = f"created {rows}, updated 0, unchanged 0" in run["stdout"]
                    if run["ok"]:
                        run["sales_in_table"] = count_rows(db.url, "otop_sale")
                        run["audit_entries"] = count_rows(db.url, "audit_auditentry")
                        run["ok"] = run["sales_in_table"] == gen["sales"] + rows
                    again = None
                    if run["ok"]:
                        again = run_import(db, "otop_sales", path, timeout)
                        show(f"re-import {rows} OTOP sales, {fmt}", again)
                        again["ok"] = f"created 0, updated 0, unchanged {rows}" in again["stdout"]
                    out["runs"][fmt] = {"import": run, "reimport": again}
    return out


def run_import(db: Database, resource: str, path, timeout: int) -> dict:
    """``manage.py import_data RESOURCE FILE``, killed after ``timeout`` seconds."""
    return manage_with_timeout(db, "import_data", resource, str(path), timeout=timeout, tail=2000)


def bench_queries(producers: int, seed: str, as_of: date, runs: int, keep: bool) -> dict:
    with scratch_db("otop_pages", keep=keep) as db:
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
    gen.pop("monthly")
    return {"generate": gen, **result}


def _same(a, b) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(float(a) - float(b)) < 0.005


# ---------------------------------------------------------------------------------------------
# The worker: its own process with Django set up on the bench database.


def worker(url: str, runs: int, as_of: date):
    setup_django(url)
    from django.db import connection
    from django.test.utils import (
        CaptureQueriesContext,
        setup_test_environment,
        teardown_test_environment,
    )
    from django.urls import NoReverseMatch, reverse

    from otop import selectors

    user, client = officer_client(PROVINCE)

    months = {label: go.month_date(k) for label, k in bench_months(as_of).items()}
    order = [list(months)[i % len(months)] for i in range(runs)]
    area = {"level": "province", "code": PROVINCE}

    def timed(fn, label):
        """fn(label of a month) timed round the months (warm-up first), summary per month."""
        return rounds(
            fn,
            months,
            order,
            label,
            per="per_month",
            describe=lambda k: {"month": go.month_text(go.month_key(months[k]))},
        )

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
    figures["sql"] = sql_of(captured[slow], 400)
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
            sql=sql_of(q.captured_queries, 400),
        )
        result["page"] = page
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))


# ---------------------------------------------------------------------------------------------


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each figure."""

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
                    import_figure(run),
                    f"≤ {TARGET_IMPORT_SECONDS} s",
                    verdict(run.get("ok") and run["seconds"] <= TARGET_IMPORT_SECONDS),
                )
            )
            if again:
                table.append(
                    (
                        f"re-import of the same {fmt} (unchanged {imp['rows']:,})",
                        import_figure(again),
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


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--producers", type=int, default=5_000)
    parser.add_argument("--rows", type=int, default=100_000, help="sales in the import file")
    add_bench_args(
        parser, as_of_type=go.parse_month, as_of_help="YYYY-MM or YYYY-MM-DD", import_timeout=900
    )
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.runs, args.as_of)
        return {}
    return run_benchmarks(args, "otop", args.producers, bench_import, bench_queries, rows)


if __name__ == "__main__":
    main()
