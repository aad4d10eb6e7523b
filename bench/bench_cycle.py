"""The national completeness table: 77 provinces x 928 districts x 12 months.

A fresh PostgreSQL database ``cdd_bench_cycle`` is migrated and loaded with every province,
district and subdistrict (``load_geography``). A worker subprocess then writes, for fiscal
year 2570, a monthly submission for each district and month with a seeded mix: 70% sent on
time, 15% late (with a reason), 5% returned and 10% never sent (no row), plus a national
holiday and a province's own calendar rule so the due dates are worked out for real. It times
``reports.cycle.completeness(user=department viewer, fy=2570)`` (the whole country) and, for
a province, the provincial officer's table: ``--runs`` (default 15) after a warm-up, median and
p95 (nearest rank). Target: the national table ≤ 500 ms.

    cd bench && ../.venv/bin/python bench_cycle.py [--runs 15] [--seed 1] [--keep] [--no-merge]
"""

import argparse
import random
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from _common import manage, merge_results, print_table, result_line, scratch_db, summary_ms
from _common import verdict as verdict_of

HERE = Path(__file__).resolve().parent
TARGET_MS = 500
FY = 2570


def worker(url: str, runs: int, seed: str) -> dict:
    from _common import setup_django

    setup_django(url)
    from zoneinfo import ZoneInfo

    from accounts.choices import Role
    from accounts.models import User
    from reports import cycle
    from reports.models import CalendarRule, Holiday, Submission
    from villages.models import District

    bkk = ZoneInfo("Asia/Bangkok")
    rng = random.Random(f"cycle-{seed}")
    Holiday.objects.get_or_create(date=date(2026, 12, 21), defaults={"name": "วันหยุดชดเชย"})
    CalendarRule.objects.get_or_create(
        province_id="19", fiscal_year=FY, report_type="monthly", defaults={"due_day": 25}
    )
    months = cycle.fiscal_months(FY)
    districts = list(District.objects.values_list("code", "province_id"))
    dues = cycle.due_dates({p for _d, p in districts}, months)
    rows = []
    for code, province in districts:
        for m in months:
            roll = rng.random()
            if roll < 0.10:
                continue
            due = dues[(province, m)]
            if roll < 0.80:
                sent, status, reason = due - timedelta(days=rng.randint(0, 5)), "submitted", ""
            elif roll < 0.95:
                sent, status, reason = due + timedelta(days=rng.randint(1, 9)), "approved", "ล่าช้า"
            else:
                sent, status, reason = due - timedelta(days=1), "returned", ""
            at = datetime(sent.year, sent.month, sent.day, 15, tzinfo=bkk)
            rows.append(
                Submission(
                    province_id=province,
                    district_id=code,
                    month=m,
                    status=status,
                    first_submitted_at=at,
                    submitted_at=at,
                    late_reason=reason,
                )
            )
    Submission.objects.all().delete()
    Submission.objects.bulk_create(rows, batch_size=5000)
    viewer, _ = User.objects.get_or_create(
        username="bench_department", defaults={"role": Role.DEPARTMENT_VIEWER}
    )
    officer, _ = User.objects.get_or_create(
        username="bench_officer19",
        defaults={"role": Role.PROVINCIAL_OFFICER, "province_id": "19"},
    )
    today = date(2027, 10, 15)  # after the year, so every month counts

    def timed(user, **area):
        cycle.completeness(user=user, fy=FY, today=today, **area)  # warm-up
        seconds = []
        for _ in range(runs):
            start = time.perf_counter()
            table = cycle.completeness(user=user, fy=FY, today=today, **area)
            seconds.append(time.perf_counter() - start)
        return summary_ms(seconds), table

    national, table = timed(viewer)
    province, _t = timed(officer, level="province", code="19")
    return {
        "submissions": len(rows),
        "districts": len(table["rows"]),
        "cells": sum(len(r["cells"]) for r in table["rows"]),
        "totals": table["totals"],
        "national": national,
        "province": province,
    }


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--seed", default="1")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-merge", action="store_true")
    args = parser.parse_args(argv)
    import json
    import subprocess

    from _common import PYTHON

    with scratch_db("cycle", keep=args.keep) as db:
        manage(db, "migrate", "--noinput")
        manage(db, "load_geography")
        proc = subprocess.run(
            [PYTHON, __file__, "--worker", db.url, str(args.runs), args.seed],
            capture_output=True,
            text=True,
            cwd=HERE,
        )
        result = result_line(proc.stdout)
        if proc.returncode or result is None:
            raise RuntimeError(f"worker failed:\n{proc.stdout}\n{proc.stderr}")
    n, p = result["national"], result["province"]
    print_table(
        [
            (
                f"completeness table, national ({result['districts']} districts x 12 months, "
                f"{result['submissions']:,} submissions, n={n['n']})",
                f"median {n['median_ms']} ms, p95 {n['p95_ms']} ms",
                f"≤ {TARGET_MS} ms",
                verdict_of(n["p95_ms"] <= TARGET_MS),
            ),
            (
                f"completeness table, province 19 (n={p['n']})",
                f"median {p['median_ms']} ms, p95 {p['p95_ms']} ms",
                "",
                "info",
            ),
        ]
    )
    if not args.no_merge:
        merge_results("cycle", result)
    print("RESULT " + json.dumps(result, default=str))
    return result


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        import json

        out = worker(sys.argv[2], int(sys.argv[3]), sys.argv[4])
        print("RESULT " + json.dumps(out, default=str))
    else:
        main()
