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
import tempfile
import time
from datetime import date, timedelta

import generate_funds
import make_payments
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
    summary_ms,
    verdict,
)

PROVINCE = "19"
TARGET_IMPORT_SECONDS = 60
TARGET_FIGURES_MS = TARGET_FOLLOW_UP_MS = 1000
TARGET_DETAIL_QUERIES = 10


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


def _worker(db: Database, *args: str) -> dict:
    return run_worker(__file__, "--worker", db, *args)


def _generate(db: Database, contracts: int, seed: str, as_of: date, *extra: str) -> dict:
    migrate_province(db, PROVINCE)
    return generate_funds.main(
        ["--database-url", db.url, "--province", PROVINCE, "--contracts", str(contracts)]
        + ["--seed", seed, "--as-of", as_of.isoformat(), *extra]
    )


def bench_import(
    contracts: int, rows: int, seed: str, as_of: date, keep: bool, xlsx: bool, timeout: int
) -> dict:
    out = {"rows": rows, "contracts": contracts, "runs": {}}
    with scratch_db("funds_import", keep=keep) as base:
        gen = _generate(base, contracts, seed, as_of, "--no-payments")
        out["generate"] = {"contracts": gen["contracts"], "instalments": gen["instalments"]}
        with tempfile.TemporaryDirectory(prefix="cdd-funds-") as tmp:
            files = import_files(tmp, "payments", xlsx)
            made = make_payments.main(
                ["--database-url", base.url, "--province", PROVINCE, "--rows", str(rows)]
                + ["--seed", seed, "--as-of", as_of.isoformat()]
                + out_args(files)
            )
            out["file"] = file_sizes(made) | {
                "contracts_paying": made["contracts_paying"],
                "amount": made["amount"],
            }
            for path in files:
                fmt = path.suffix[1:]
                with scratch_db(f"funds_import_{fmt}", template=base, keep=keep) as db:
                    run = manage_with_timeout(
                        db, "import_data", "wdf_payments", str(path), timeout=timeout
                    )
                    show(f"import {rows} payments, {fmt}", run)
                    run["ok"] = f"created {rows}, updated 0, unchanged 0" in run["stdout"]
                    if run["ok"]:
                        run["payments_in_table"] = count_rows(db.url, "funds_wdfpayment")
                        run["audit_entries"] = count_rows(db.url, "audit_auditentry")
                        run["ok"] = run["payments_in_table"] == rows
                    if run["ok"] and fmt == "csv":
                        # The contract page where an audit entry exists for every payment.
                        out["detail_after_import"] = _worker(db, "--detail-only")
                    out["runs"][fmt] = run
    return out


def bench_queries(contracts: int, seed: str, as_of: date, runs: int, keep: bool) -> dict:
    with scratch_db("funds_pages", keep=keep) as db:
        gen = _generate(db, contracts, seed, as_of)
        result = _worker(db, "--runs", str(runs), "--as-of", as_of.isoformat())
        expected = gen["as_of_totals"]
        got = result["figures"]["as_of_totals"]
        result["figures"]["matches_generator"] = (
            got["receivables"] == expected["receivables"] and got["overdue"] == expected["overdue"]
        )
    return {"generate": gen, **result}


# ---------------------------------------------------------------------------------------------
# The worker: its own process with Django set up on the bench database.


def worker(url: str, runs: int, as_of: date, detail_only: bool):
    setup_django(url)
    from django.db import connection
    from django.db.models import Count
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    from funds import selectors
    from funds.models import WdfLoan

    user, client = officer_client(PROVINCE)

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

    def timed(fn, label_key, self_timed=False):
        """fn(label of a date) timed round the dates (warm-up first), summary per date."""
        return rounds(
            fn,
            dates,
            order,
            label_key,
            per="per_date",
            describe=lambda k: {"date": dates[k].isoformat()},
            self_timed=self_timed,
        )

    # b. Selectors.
    figures = timed(lambda k: selectors.wdf_debt(user=user, as_of=dates[k], **area), "wdf_debt")
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

    follow = timed(
        lambda k: selectors.follow_up_list(user=user, as_of=dates[k], **area), "follow_up"
    )
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

        timing = timed(
            lambda k, path=path, expect=expect: get(path(k), expect(k)), name, self_timed=True
        )
        with CaptureQueriesContext(connection) as q:
            get(path("as_of"), expect("as_of"))
        result["pages"][key] = {
            "url": path("as_of"),
            **timing,
            "queries": len(q.captured_queries),
            "sql": sql_of(q.captured_queries),
        }

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


# ---------------------------------------------------------------------------------------------


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each figure."""

    table = []
    if "import" in results:
        imp = results["import"]
        for fmt, r in imp["runs"].items():
            table.append(
                (
                    f"import {imp['rows']:,} WDF payments, {fmt}, postgres",
                    import_figure(r),
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


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--contracts", type=int, default=50_000)
    parser.add_argument("--rows", type=int, default=400_000, help="payments in the import file")
    add_bench_args(
        parser, as_of_type=date.fromisoformat, as_of_help="ISO date", import_timeout=1800
    )
    parser.add_argument("--detail-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.worker, args.runs, args.as_of, args.detail_only)
        return {}
    return run_benchmarks(args, "funds", args.contracts, bench_import, bench_queries, rows)


if __name__ == "__main__":
    main()
