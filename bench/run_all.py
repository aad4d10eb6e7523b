"""Run every benchmark, write ``bench/out/results.json`` and print a Markdown summary table.

Runs bench_geography, bench_import and bench_make_run.sh in turn (with ``--households`` also
bench_households.py, PostgreSQL only, about 6 minutes; with ``--funds`` also bench_funds.py,
PostgreSQL only, the WDF import, figures, follow-up and contract pages; with ``--otop`` also
bench_otop.py, PostgreSQL only, the OTOP sales import and the target page; with
``--section-save`` also bench_section_save.py, PostgreSQL only, about 5 minutes: 20 district
users autosaving report sections on a real gunicorn server driven by locust; with ``--report``
also bench_report.py, PostgreSQL only, about 1.5 hours: the monthly report's JSON and PDF at
province scale, then all 77 provinces built by two Celery workers over national data), then
prints machine info and one table row per figure (benchmark, figure, target, pass/fail). The
figures are merged into ``bench/out/results.json``: keys this run did not produce (e.g.
``make_run`` with ``--skip-make-run``) keep their earlier values.

    .venv/bin/python bench/run_all.py [--postgres] [--skip-make-run] [--households] [--funds]
        [--otop] [--section-save] [--report]
"""

import argparse
import json
import os
import platform
import re
import subprocess
from datetime import datetime
from pathlib import Path

import bench_funds
import bench_geography
import bench_households
import bench_import
import bench_otop
import bench_report
import bench_section_save
from _common import print_table, result_line, verdict

HERE = Path(__file__).resolve().parent


def machine() -> dict:
    meminfo = Path("/proc/meminfo").read_text()
    kb = int(re.search(r"MemTotal:\s+(\d+)", meminfo).group(1))
    return {
        "nproc": len(os.sched_getaffinity(0)),
        "memory_gb": round(kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "date": datetime.now().astimezone().isoformat(timespec="seconds"),
    }


def make_run() -> dict:
    proc = subprocess.run(
        ["bash", str(HERE / "bench_make_run.sh")], capture_output=True, text=True, check=False
    )
    print(proc.stdout, end="", flush=True)
    return result_line(proc.stdout) or {"ok": False}


def rows(results: dict) -> list[tuple[str, str, str, str]]:
    """(benchmark, figure, target, pass/fail) for each measured figure."""

    table = []
    for backend, runs in results["geography"].items():
        for key, label in (("first", "first run"), ("rerun", "re-run")):
            s = runs[key]["seconds"]
            table.append(
                (f"load_geography, {backend}, {label}", f"{s:.1f} s", "≤ 30 s", verdict(s <= 30))
            )
    imp = results["import"]
    for backend in ("sqlite", "postgres"):
        for fmt, runs in imp.get(backend, {}).items():
            for key, label in (("import", "import"), ("reimport", "re-import")):
                r = runs[key]
                ok = r["seconds"] <= 30 and (r["peak_rss_mb"] or 0) <= 400
                table.append(
                    (
                        f"import {imp['rows']} villages, {fmt}, {backend}, {label}",
                        f"{r['seconds']:.1f} s, {r['peak_rss_mb']:.0f} MB",
                        "≤ 30 s, ≤ 400 MB",
                        verdict(ok),
                    )
                )
    if "make_run" in results:
        mr = results["make_run"]
        figure = f"{mr['seconds']} s" if mr.get("ok") else "failed"
        table.append(("make run, fresh clone → first 200", figure, "—", verdict(mr.get("ok"))))
    if "households" in results:
        table += bench_households.rows(results["households"])
    if "funds" in results:
        table += bench_funds.rows(results["funds"])
    if "otop" in results:
        table += bench_otop.rows(results["otop"])
    if "section_save" in results:
        table += bench_section_save.rows(results["section_save"])
    if "report" in results:
        table += bench_report.rows(results["report"])
    return table


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    parser.add_argument("--skip-make-run", action="store_true")
    parser.add_argument(
        "--households", action="store_true", help="also run bench_households.py (PostgreSQL)"
    )
    parser.add_argument(
        "--funds", action="store_true", help="also run bench_funds.py (WDF loans, PostgreSQL)"
    )
    parser.add_argument(
        "--otop", action="store_true", help="also run bench_otop.py (OTOP sales, PostgreSQL)"
    )
    parser.add_argument(
        "--section-save",
        action="store_true",
        help="also run bench_section_save.py (autosave under 20 users, gunicorn + locust)",
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="also run bench_report.py (monthly report JSON/PDF, 77 provinces on 2 Celery workers)",
    )
    args = parser.parse_args()
    pg = ["--postgres"] if args.postgres else []
    results = {"machine": machine()}
    results["geography"] = bench_geography.main(pg)
    results["import"] = bench_import.main(pg)
    if not args.skip_make_run:
        results["make_run"] = make_run()
    if args.households:
        results["households"] = bench_households.main(["--no-merge"])
    if args.funds:
        results["funds"] = bench_funds.main(["--no-merge"])
    if args.otop:
        results["otop"] = bench_otop.main(["--no-merge"])
    if args.section_save:
        results["section_save"] = bench_section_save.main(["--no-merge"])
    if args.report:
        results["report"] = bench_report.main(["--no-merge"])
    out = HERE / "out" / "results.json"
    out.parent.mkdir(exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    out.write_text(json.dumps({**previous, **results}, indent=2, ensure_ascii=False))

    m = results["machine"]
    print(f"\nnproc {m['nproc']}, {m['memory_gb']} GB RAM, Python {m['python']}, {m['date']}")
    print_table(rows(results))
    print(f"\nwritten {HERE / 'out' / 'results.json'}")


if __name__ == "__main__":
    main()
