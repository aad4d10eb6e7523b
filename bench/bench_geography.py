"""Time `manage.py load_geography` on a fresh database: the first load and a re-run.

Each backend gets a fresh database (a temporary SQLite file; with ``--postgres`` also the
PostgreSQL database ``cdd_bench_geo``), is migrated, then ``load_geography`` runs twice as a
subprocess. Times are wall seconds including Django start-up. Target: each run ≤ 30 s.

    .venv/bin/python bench/bench_geography.py [--postgres]
"""

import argparse

from _common import Database, manage, show

TARGET_SECONDS = 30


def run(backend: str) -> dict:
    db = Database(backend, "geo")
    try:
        manage(db, "migrate", "--noinput")
        first = manage(db, "load_geography")
        show(f"{backend}: load_geography (first)", first)
        assert "subdistricts: created 7436" in first["stdout"], first["stdout"]
        again = manage(db, "load_geography")
        show(f"{backend}: load_geography (re-run)", again)
        assert "subdistricts: created 0, updated 0" in again["stdout"], again["stdout"]
    finally:
        db.drop()
    return {"first": first, "rerun": again}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", action="store_true", help="also run on PostgreSQL")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgres"] if args.postgres else ["sqlite"]
    return {backend: run(backend) for backend in backends}


if __name__ == "__main__":
    main()
