"""Benchmark of the dashboards' summaries (issue 8): the refreshes and the selectors.

**a. Province scale** (``--province``, 34 by default, as ``bench_report.py``): a database
``cdd_bench_dashboard_province`` made by ``prepare_province``: ``generate.py`` (250,000
households), ``generate_funds.py`` (50,000 WDF contracts) and ``generate_otop.py`` (5,000
producers) as ``bench_report.py`` runs them, plus (worker ``seed``) กข.คจ. funds for 38% of
the villages, every district's monthly report for every month of the summaries' window
(70% on time, 15% late, 15% never sent), and Sustainable Villages for both fiscal years of the
window (one village per subdistrict, the year's 7 basic and 56 dimension indicators, an
assessment every month). Measured:

- the full refresh of the province: ``manage.py refresh_dashboards --province P`` (wall time
  of the process, start-up included) and ``refresh.refresh_province`` in-process;
- one district after an import: ``refresh.refresh_district`` of the largest district and of
  every district (target ≤ 5 s), and ``manage.py refresh_dashboards --district D``;
- the selectors the page calls, in-process: ``dashboard()`` at province, district and
  subdistrict level for the provincial officer (median, p95).

**b. National scale** (``--national``): the database ``cdd_bench_report_national`` that
``bench_report.py --prepare-only --keep`` made (13 million households, funds and sales in
proportion). Its source data is only read: ``manage.py migrate dashboards`` adds the summary
tables, then ``manage.py refresh_dashboards`` refreshes every province (target ≤ 15 min on 2
cores), then ``ranking()`` and the national ``dashboard()`` are timed (target ≤ 1 s), and one
district refresh. Runs only once ``/tmp/rb/national_done`` exists (the national report
benchmark has finished with that database), or with ``--force-national``.

**c. The page under load** (p95 ≤ 300 ms, 20 users) is measured with locust by the pages'
benchmark; ``prepare_province()`` gives it the database.

    cd bench && ../.venv/bin/python bench_dashboard.py [--province 34] [--runs 15] \\
        [--refresh-runs 3] [--skip-province] [--national] [--force-national] [--reuse] \\
        [--keep] [--no-merge]

Prints a Markdown table and merges the figures into ``bench/out/results.json`` under
``dashboard``. The province database is dropped at the end unless ``--keep``; ``--reuse``
continues in a kept one.
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _common import (
    PG,
    PYTHON,
    ROOT,
    Database,
    manage,
    manage_with_timeout,
    merge_results,
    print_table,
    result_line,
    summary_ms,
    verdict,
)
from bench_report import pg_db, sql

HERE = Path(__file__).resolve().parent
PROVINCE = "34"
HOUSEHOLDS, CONTRACTS, PRODUCERS = 250_000, 50_000, 5_000
TARGET_DISTRICT_S = 5
TARGET_FULL_S = 15 * 60
TARGET_NATIONAL_VIEW_S = 1
NATIONAL_DB = "report_national"  # cdd_bench_report_national
NATIONAL_DONE = Path("/tmp/rb/national_done")


def _exists(name: str) -> bool:
    """Whether the database ``cdd_bench_<name>`` exists."""
    query = f"SELECT 1 FROM pg_database WHERE datname = 'cdd_bench_{name}'"
    out = subprocess.run(["psql", *PG, "-Atc", query], capture_output=True, text=True)
    return bool(out.stdout.strip())


def worker(db: Database, task: str, **kwargs) -> dict:
    """This script's worker mode: ``task`` in a process with Django set up; its RESULT."""
    env = dict(
        os.environ,
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE="cdd.settings.local",
        CELERY_BROKER_URL="",
    )
    env.pop("REDIS_URL", None)
    proc = subprocess.run(
        [PYTHON, str(HERE / "bench_dashboard.py"), "--worker", task, json.dumps(kwargs)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    sys.stdout.write(proc.stdout)
    result = result_line(proc.stdout)
    if proc.returncode or result is None:
        raise RuntimeError(f"worker {task} failed:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")
    return result


# ---------------------------------------------------------------------------------------------
# c. The data the page benchmark runs against


def prepare_province(
    province: str = PROVINCE,
    *,
    name: str = "dashboard_province",
    reuse: bool = True,
    seed: str = "1",
    refresh: bool = True,
) -> Database:
    """A PostgreSQL database ``cdd_bench_<name>`` with ``province`` at benchmark scale (see
    the module doc) and, unless ``refresh`` is False, its dashboard summaries refreshed; a
    kept one is reused when it has the households (``reuse``). For the page benchmark: log
    in as any user of the province (e.g. ``_common.officer_client``) and open
    ``/dashboard/...``."""
    import generate
    import generate_funds
    import generate_otop

    db, reused = pg_db(name, reuse)
    has_households = (
        reused
        and sql(db, "SELECT count(*) FROM (SELECT 1 FROM households_household LIMIT 1) x")[0][0]
    )
    if not has_households:
        as_of = date.today().isoformat()
        common = ["--database-url", db.url, "--province", province, "--seed", seed]
        common += ["--as-of", as_of]
        manage(db, "migrate", "--noinput")
        manage(db, "load_geography", "--province", province)
        generate.main(["--scale", "province", "--households", str(HOUSEHOLDS), *common])
        generate_funds.main(["--contracts", str(CONTRACTS), *common])
        generate_otop.main(["--producers", str(PRODUCERS), *common])
    else:
        manage(db, "migrate", "--noinput")
    worker(db, "seed", provinces=[province], seed=seed)
    if refresh:
        manage(db, "refresh_dashboards", "--province", province)
    return db


# ---------------------------------------------------------------------------------------------
# Worker tasks (run in a process with Django set up on the bench database)


def _setup():
    sys.path.insert(0, str(ROOT))
    os.chdir(ROOT)
    import django

    django.setup()
    from django.conf import settings

    settings.DEBUG = False


def task_seed(provinces: list[str], seed: str) -> dict:
    """กข.คจ. funds, monthly submissions and Sustainable Villages where there are none yet
    (bulk inserts: no signals, no audit entries)."""
    _setup()
    from zoneinfo import ZoneInfo

    from django.db import transaction
    from django.utils import timezone

    from cdd.thai import fiscal_year
    from dashboards.refresh import months_window
    from funds.models import KkjFund
    from reports.cycle import due_dates
    from reports.models import Submission
    from villages.models import District, Village
    from villages.sustainable import (
        SvAssessment,
        SvDesignation,
        SvIndicator,
        SvIndicatorMet,
        SvIndicatorSet,
    )

    t0 = time.perf_counter()
    rng = random.Random(f"dashboard-{seed}")
    bkk = ZoneInfo("Asia/Bangkok")
    months = months_window()
    out = {"kkj_funds": 0, "submissions": 0, "sv_designations": 0, "sv_assessments": 0}
    with transaction.atomic():
        villages = list(
            Village.objects.filter(subdistrict__district__province_id__in=provinces)
            .order_by("code")
            .values_list("id", "code", "subdistrict_id")
        )
        if not KkjFund.objects.filter(province_id__in=provinces).exists():
            funds = []
            for pk, code, sub in villages:
                if rng.random() >= 0.38:
                    continue
                capital = rng.randrange(50_000, 300_000, 1000)
                problem = rng.choice([0, 0, 0, rng.randrange(1000, capital // 10, 100)])
                damaged = rng.choice([0, 0, 0, 0, rng.randrange(1000, capital // 10, 100)])
                funds.append(
                    KkjFund(
                        village_id=pk,
                        subdistrict_id=sub,
                        district_id=code[:4],
                        province_id=code[:2],
                        capital=capital,
                        governance_level=rng.choices([1, 2, 3], [2, 5, 3])[0],
                        assessed_on=months[-1] - timedelta(days=rng.randint(30, 300)),
                        accelerated=bool(problem or damaged) and rng.random() < 0.5,
                        problem_amount=problem,
                        damaged_amount=damaged,
                    )
                )
            KkjFund.objects.bulk_create(funds, batch_size=2000)
            out["kkj_funds"] = len(funds)
        districts = list(
            District.objects.filter(province_id__in=provinces).values_list("code", "province_id")
        )
        dues = due_dates(provinces, months)
        have = set(
            Submission.objects.filter(province_id__in=provinces, month__in=months).values_list(
                "district_id", "month"
            )
        )
        subs = []
        for code, p in districts:
            for month in months:
                roll = rng.random()
                if (code, month) in have or roll >= 0.85:
                    continue
                due = dues[(p, month)]
                day = due - timedelta(days=rng.randint(0, 6)) if roll < 0.7 else due
                day = day + timedelta(days=rng.randint(1, 6)) if roll >= 0.7 else day
                sent = datetime(day.year, day.month, day.day, 10, tzinfo=bkk)
                if sent > timezone.now():
                    continue
                subs.append(
                    Submission(
                        province_id=p,
                        district_id=code,
                        month=month,
                        status="submitted",
                        first_submitted_at=sent,
                        submitted_at=sent,
                        late_reason="รอข้อมูล" if roll >= 0.7 else "",
                    )
                )
        Submission.objects.bulk_create(subs, batch_size=2000)
        out["submissions"] = len(subs)
        for fy in sorted({fiscal_year(m) for m in months}):
            indicator_set = SvIndicatorSet.objects.filter(fiscal_year=fy).first()
            if indicator_set is None:
                indicator_set = SvIndicatorSet.objects.bulk_create(
                    [SvIndicatorSet(fiscal_year=fy, name=f"ตัวชี้วัด {fy}", loaded_at=timezone.now())]
                )[0]
                rows = [
                    SvIndicator(set=indicator_set, code=f"B{n}", kind="basic", number=n, name="-")
                    for n in range(1, 8)
                ]
                rows += [
                    SvIndicator(
                        set=indicator_set,
                        code=f"D{d}.{n}",
                        kind="dimension",
                        dimension=d,
                        number=n,
                        name="-",
                    )
                    for d, size in zip(range(1, 6), (12, 11, 11, 11, 11), strict=True)
                    for n in range(1, size + 1)
                ]
                SvIndicator.objects.bulk_create(rows)
            indicators = list(SvIndicator.objects.filter(set__fiscal_year=fy).values_list("pk"))
            if SvDesignation.objects.filter(province_id__in=provinces, fiscal_year=fy).exists():
                continue
            chosen = {}
            for pk, code, sub in villages:
                chosen.setdefault(sub, (pk, code))
            designations = SvDesignation.objects.bulk_create(
                [
                    SvDesignation(
                        village_id=pk,
                        fiscal_year=fy,
                        households=(h := rng.randint(60, 300)),
                        people=h * rng.randint(3, 4),
                        province_id=code[:2],
                        district_id=code[:4],
                        subdistrict_id=sub,
                    )
                    for sub, (pk, code) in chosen.items()
                ],
                batch_size=2000,
            )
            out["sv_designations"] += len(designations)
            fy_months = [m for m in months if fiscal_year(m) == fy]
            assessments = SvAssessment.objects.bulk_create(
                [
                    SvAssessment(designation=d, month=m)
                    for d in designations
                    for m in fy_months
                    if rng.random() < 0.9
                ],
                batch_size=5000,
            )
            out["sv_assessments"] += len(assessments)
            met = []
            for a in assessments:
                share = rng.uniform(0.4, 1.0)
                met += [
                    SvIndicatorMet(assessment_id=a.pk, indicator_id=i)
                    for (i,) in indicators
                    if rng.random() < share
                ]
            SvIndicatorMet.objects.bulk_create(met, batch_size=10_000)
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out


def task_refresh(province: str, runs: int) -> dict:
    """``refresh_province`` ``runs`` times, then ``refresh_district`` of every district (the
    largest ``runs`` times)."""
    _setup()
    from django.db import connection
    from django.db.models import Count

    from dashboards.refresh import refresh_district, refresh_province
    from households.models import Household

    def timed(fn, *args):
        t = time.perf_counter()
        rows = fn(*args)
        return time.perf_counter() - t, rows

    out = {"province_runs_s": []}
    for _ in range(runs):
        seconds, rows = timed(refresh_province, province)
        out["province_runs_s"].append(round(seconds, 2))
        out["province_rows"] = rows
        print(f"refresh_province {province}: {seconds:.2f} s, {rows} rows", flush=True)
    sizes = dict(
        Household.objects.filter(province_id=province)
        .values_list("district_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    largest = max(sizes, key=sizes.get)
    per_district = {}
    for code in sorted(sizes):
        seconds, rows = timed(refresh_district, code)
        per_district[code] = {"households": sizes[code], "seconds": round(seconds, 2)}
    largest_runs = [round(timed(refresh_district, largest)[0], 2) for _ in range(runs)]
    out.update(
        {
            "districts": per_district,
            "district_median_s": round(
                statistics.median(v["seconds"] for v in per_district.values()), 2
            ),
            "district_max_s": max(v["seconds"] for v in per_district.values()),
            "largest": {"code": largest, "households": sizes[largest], "runs_s": largest_runs},
        }
    )
    print(f"refresh_district largest {largest}: {largest_runs}", flush=True)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_total_relation_size('dashboards_areamonth'), count(*) "
            "FROM dashboards_areamonth"
        )
        size, count = cursor.fetchone()
    out["summary_table"] = {"rows": count, "mb": round(size / 1024**2, 1)}
    return out


def _time_calls(fn, keys, runs: int) -> dict:
    for k in keys:  # warm-up
        fn(k)
    seconds = []
    for i in range(runs):
        t = time.perf_counter()
        fn(keys[i % len(keys)])
        seconds.append(time.perf_counter() - t)
    return summary_ms(seconds)


def task_selectors(province: str | None, runs: int) -> dict:
    """``dashboard()`` per level and ``ranking()`` timed in-process."""
    _setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from accounts.models import User
    from dashboards.selectors import dashboard, ranking
    from villages.models import District, Subdistrict

    month = timezone.localdate().replace(day=1)
    viewer, _c = User.objects.get_or_create(
        username="bench_dept", defaults={"role": "department_viewer"}
    )
    out = {}
    if province:
        officer, _c = User.objects.update_or_create(
            username="bench_officer",
            defaults={"role": "provincial_officer", "province_id": province},
        )
        districts = list(
            District.objects.filter(province_id=province).values_list("code", flat=True)
        )
        subdistricts = list(
            Subdistrict.objects.filter(district__province_id=province).values_list(
                "code", flat=True
            )[:20]
        )
        for level, codes in (
            ("province", [province]),
            ("district", districts),
            ("subdistrict", subdistricts),
        ):
            out[level] = _time_calls(
                lambda c, lv=level: dashboard(user=officer, level=lv, code=c, month=month),
                codes,
                runs,
            )
            with CaptureQueriesContext(connection) as captured:
                dashboard(user=officer, level=level, code=codes[0], month=month)
            out[level]["queries"] = len(captured)
            print(f"dashboard {level}: {out[level]}", flush=True)
    out["national"] = _time_calls(
        lambda _k: dashboard(user=viewer, level="national", code=None, month=month), [0], runs
    )
    out["ranking"] = _time_calls(lambda _k: ranking(user=viewer, month=month), [0], runs)
    print(f"national: {out['national']}\nranking: {out['ranking']}", flush=True)
    return out


def task_district(code: str, runs: int) -> dict:
    _setup()
    from dashboards.refresh import refresh_district

    seconds = []
    for _ in range(runs):
        t = time.perf_counter()
        refresh_district(code)
        seconds.append(round(time.perf_counter() - t, 2))
    return {"code": code, "runs_s": seconds}


def task_full(today: str) -> dict:
    """``refresh_all`` as if today were ``today`` (all the months of its window)."""
    _setup()
    from dashboards.refresh import months_window, refresh_all

    day = date.fromisoformat(today)
    result = refresh_all(today=day)
    return {
        "today": today,
        "months": len(months_window(day)),
        "rows": sum(result["provinces"].values()),
        "seconds": result["seconds"],
    }


TASKS = {
    "full": task_full,
    "seed": task_seed,
    "refresh": task_refresh,
    "selectors": task_selectors,
    "district": task_district,
}


# ---------------------------------------------------------------------------------------------
# a. Province scale, b. national


def bench_province(args) -> dict:
    db = prepare_province(args.province, reuse=args.reuse, seed=args.seed, refresh=False)
    out = {"province": args.province}
    try:
        out["data"] = {
            table: sql(db, f"SELECT count(*) FROM {table}")[0][0]
            for table in (
                "households_household",
                "funds_wdfloan",
                "funds_wdfpayment",
                "funds_kkjfund",
                "otop_producer",
                "otop_sale",
                "reports_submission",
                "villages_svassessment",
                "villages_village",
            )
        }
        cli = [
            manage(db, "refresh_dashboards", "--province", args.province)
            for _ in range(args.refresh_runs)
        ]
        out["full_cli"] = {
            "runs_s": [r["seconds"] for r in cli],
            "peak_rss_mb": max(r["peak_rss_mb"] or 0 for r in cli),
            "stdout": cli[-1]["stdout"],
        }
        print(f"manage.py refresh_dashboards --province: {out['full_cli']}", flush=True)
        out["refresh"] = worker(db, "refresh", province=args.province, runs=args.refresh_runs)
        largest = out["refresh"]["largest"]["code"]
        cli = manage(db, "refresh_dashboards", "--district", largest)
        out["district_cli"] = {"code": largest, "seconds": cli["seconds"], "stdout": cli["stdout"]}
        out["selectors"] = worker(db, "selectors", province=args.province, runs=args.runs)
    finally:
        if not args.keep:
            db.drop()
    return out


def bench_national(args) -> dict:
    if not NATIONAL_DONE.exists() and not args.force_national:
        print(f"national part skipped: {NATIONAL_DONE} does not exist yet", flush=True)
        return {"skipped": f"{NATIONAL_DONE} missing"}
    if not _exists(NATIONAL_DB):
        raise RuntimeError("cdd_bench_report_national does not exist: run bench_report.py first")
    db, _reused = pg_db(NATIONAL_DB, reuse=True)
    out = {"data": {}}
    for table in ("households_household", "funds_wdfloan", "otop_sale", "villages_village"):
        out["data"][table] = sql(
            db, "SELECT reltuples::bigint FROM pg_class WHERE relname = %s", [table]
        )[0][0]
    manage(db, "migrate", "dashboards", "--noinput")
    if args.september:
        # The longest window: in September, 24 months (the previous fiscal year and this one).
        today = date.today()
        september = date(today.year + (today.month >= 10), 9, 15)
        out["september"] = worker(db, "full", today=september.isoformat())
        print(f"national full refresh, 24 months: {out['september']}", flush=True)
    # This month's window (also removes the rows of the months above, if any).
    run = manage_with_timeout(db, "refresh_dashboards", timeout=args.national_timeout)
    out["full_refresh"] = {
        k: run[k] for k in ("seconds", "peak_rss_mb", "exit", "stdout", "timed_out", "stderr")
    }
    print(f"national full refresh: {out['full_refresh']}", flush=True)
    out["selectors"] = worker(db, "selectors", province=None, runs=args.runs)
    largest = sql(
        db,
        "SELECT district_id FROM households_household GROUP BY district_id "
        "ORDER BY count(*) DESC LIMIT 1",
    )[0][0]
    out["district"] = worker(db, "district", code=largest, runs=3)
    return out


def table_rows(results: dict) -> list[tuple]:
    rows = []
    p = results.get("province")
    if p and "refresh" in p:
        r = p["refresh"]
        rows.append(
            (
                f"full refresh, province {p['province']} ({p['data']['households_household']:,} "
                "households), in-process / manage.py",
                f"{statistics.median(r['province_runs_s']):.1f} s / "
                f"{statistics.median(p['full_cli']['runs_s']):.1f} s",
                "",
                "",
            )
        )
        largest = r["largest"]
        worst = max(largest["runs_s"] + [r["district_max_s"]])
        rows.append(
            (
                f"one-district refresh (largest: {largest['code']}, {largest['households']:,} "
                "households; median of all districts)",
                f"{statistics.median(largest['runs_s']):.2f} s; {r['district_median_s']:.2f} s",
                f"≤ {TARGET_DISTRICT_S} s",
                verdict(worst <= TARGET_DISTRICT_S),
            )
        )
        for level in ("province", "district", "subdistrict"):
            s = p["selectors"][level]
            rows.append(
                (
                    f"dashboard() {level}, in-process",
                    f"median {s['median_ms']} ms, p95 {s['p95_ms']} ms, {s['queries']} queries",
                    "",
                    "",
                )
            )
    n = results.get("national")
    if n and "full_refresh" in n:
        f = n["full_refresh"]
        rows.append(
            (
                "national full refresh (manage.py refresh_dashboards)",
                f"{f['seconds'] / 60:.1f} min, {f['peak_rss_mb']} MB",
                "≤ 15 min",
                verdict(not f["timed_out"] and f["exit"] == 0 and f["seconds"] <= TARGET_FULL_S),
            )
        )
        for key in ("ranking", "national"):
            s = n["selectors"][key]
            rows.append(
                (
                    f"{key}() national, in-process",
                    f"median {s['median_ms']} ms, p95 {s['p95_ms']} ms",
                    "≤ 1 s",
                    verdict(s["p95_ms"] <= TARGET_NATIONAL_VIEW_S * 1000),
                )
            )
        if "september" in n:
            s = n["september"]
            rows.append(
                (
                    f"national full refresh, {s['months']} months (as in September), in-process",
                    f"{s['seconds'] / 60:.1f} min",
                    "≤ 15 min",
                    verdict(s["seconds"] <= TARGET_FULL_S),
                )
            )
        d = n["district"]
        rows.append(
            (
                f"one-district refresh at national scale ({d['code']})",
                f"{statistics.median(d['runs_s']):.2f} s",
                f"≤ {TARGET_DISTRICT_S} s",
                verdict(max(d["runs_s"]) <= TARGET_DISTRICT_S),
            )
        )
    return rows


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--province", default=PROVINCE)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--runs", type=int, default=15, help="timed selector calls")
    parser.add_argument("--refresh-runs", type=int, default=3)
    parser.add_argument("--skip-province", action="store_true")
    parser.add_argument("--national", action="store_true")
    parser.add_argument("--force-national", action="store_true")
    parser.add_argument(
        "--september", action="store_true", help="also the national refresh of 24 months"
    )
    parser.add_argument("--national-timeout", type=int, default=3600)
    parser.add_argument("--reuse", action="store_true", help="continue in a kept database")
    parser.add_argument("--keep", action="store_true", help="keep the province database")
    parser.add_argument("--no-merge", action="store_true")
    parser.add_argument("--worker", nargs=2, metavar=("TASK", "JSON"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        task, kwargs = args.worker
        result = TASKS[task](**json.loads(kwargs))
        print("RESULT " + json.dumps(result, default=str), flush=True)
        return result
    results = {"date": date.today().isoformat(), "cores": os.cpu_count()}
    if not args.skip_province:
        results["province"] = bench_province(args)
    if args.national:
        results["national"] = bench_national(args)
    print_table(table_rows(results))
    if not args.no_merge:
        merge_results("dashboard", results)
    return results


if __name__ == "__main__":
    main()
