"""Time and measure `manage.py import_data villages FILE` with 80,000 rows, CSV and XLSX.

A fresh database (temporary SQLite file; with ``--postgres`` also PostgreSQL) is migrated and
loaded with the geography once; each format then imports into its own copy of that database:
first import (must print ``created 80000``), then the same file again (``unchanged 80000``).
Wall seconds include Django start-up; peak RSS is the import subprocess's, from
``/usr/bin/time -v`` (or ``getrusage`` when GNU time is missing). Targets: ≤ 30 s, ≤ 400 MB.

    .venv/bin/python bench/bench_import.py [--rows 80000] [--postgres]
"""

import argparse
import tempfile
from pathlib import Path

import make_villages
from _common import Database, manage, show

TARGET_SECONDS, TARGET_MB = 30, 400


def run(backend: str, files: dict[str, Path], rows: int) -> dict:
    base = Database(backend, "import_base")
    results = {}
    try:
        manage(base, "migrate", "--noinput")
        manage(base, "load_geography")
        for fmt, path in files.items():
            db = Database(backend, f"import_{fmt}", template=base)
            try:
                first = manage(db, "import_data", "villages", str(path))
                show(f"{backend}: {fmt} import", first)
                assert f"created {rows}, updated 0, unchanged 0" in first["stdout"], first
                again = manage(db, "import_data", "villages", str(path))
                show(f"{backend}: {fmt} re-import", again)
                assert f"created 0, updated 0, unchanged {rows}" in again["stdout"], again
            finally:
                db.drop()
            results[fmt] = {"import": first, "reimport": again}
    finally:
        base.drop()
    return results


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=80_000)
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="cdd-villages-") as tmp:
        files = {fmt: Path(tmp, f"villages.{fmt}") for fmt in ("csv", "xlsx")}
        for path in files.values():
            make_villages.write(path, args.rows)
        backends = ["sqlite", "postgres"] if args.postgres else ["sqlite"]
        return {
            "rows": args.rows,
            "file_mb": {fmt: round(p.stat().st_size / 1e6, 2) for fmt, p in files.items()},
            **{backend: run(backend, files, args.rows) for backend in backends},
        }


if __name__ == "__main__":
    main()
