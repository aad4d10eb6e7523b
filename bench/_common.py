"""Helpers shared by the benchmarks: throw-away databases and timed `manage.py` runs."""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
PG = ["-h", "127.0.0.1", "-U", "postgres"]
TIME = "/usr/bin/time"
# Fallback when GNU time is missing: run the child and read its peak RSS (kB on Linux).
RSS_WRAPPER = (
    "import resource, subprocess, sys; rc = subprocess.call(sys.argv[1:]); "
    "print('Maximum resident set size (kbytes):', "
    "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(rc)"
)


class Database:
    """A fresh database: a temporary SQLite file or a PostgreSQL database ``cdd_bench_<name>``.

    With ``template`` the new database starts as a copy of that one.
    """

    def __init__(self, backend: str, name: str, template: "Database | None" = None):
        self.backend = backend
        if backend == "sqlite":
            self.dir = tempfile.mkdtemp(prefix="cdd-bench-")
            self.path = f"{self.dir}/{name}.sqlite3"
            self.url = f"sqlite:///{self.path}"
            if template:
                shutil.copy(template.path, self.path)
        else:
            self.pg_name = f"cdd_bench_{name}"
            self.url = f"postgres://postgres@127.0.0.1:5432/{self.pg_name}"
            self.drop()
            copy = ["-T", template.pg_name] if template else []
            subprocess.run(["createdb", *PG, *copy, self.pg_name], check=True)

    def drop(self):
        if self.backend == "sqlite":
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            quiet = dict(os.environ, PGOPTIONS="-c client_min_messages=warning")
            subprocess.run(["dropdb", *PG, "--if-exists", self.pg_name], check=True, env=quiet)


def manage(
    db: Database,
    *args: str,
    check: bool = True,
    settings: str = "cdd.settings.local",
    extra_env: dict | None = None,
) -> dict:
    """Run ``manage.py ARGS`` on ``db``; return wall seconds, peak RSS (MB), exit code, output.

    ``settings`` is the DJANGO_SETTINGS_MODULE (``cdd.settings.local``, DEBUG on, by default);
    ``extra_env`` adds environment variables (e.g. SECRET_KEY for the production settings).
    """
    env = dict(
        os.environ,
        DATABASE_URL=db.url,
        DJANGO_SETTINGS_MODULE=settings,
        CELERY_BROKER_URL="",
        **(extra_env or {}),
    )
    with tempfile.NamedTemporaryFile("r", suffix=".time") as rusage:
        if os.path.exists(TIME):
            prefix = [TIME, "-v", "-o", rusage.name]
        else:
            prefix = [PYTHON, "-c", RSS_WRAPPER]
        start = time.perf_counter()
        proc = subprocess.run(
            [*prefix, PYTHON, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - start
        report = rusage.read() + proc.stderr
    match = re.search(r"Maximum resident set size \(kbytes\):\s*(\d+)", report)
    result = {
        "command": "manage.py " + " ".join(args),
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(int(match.group(1)) / 1024, 1) if match else None,
        "exit": proc.returncode,
        "stdout": proc.stdout.strip(),
    }
    if check and proc.returncode != 0:
        raise RuntimeError(f"{result['command']} failed:\n{proc.stdout}\n{proc.stderr}")
    return result


def show(label: str, run: dict):
    print(f"{label:<34} {run['seconds']:>7.2f} s {run['peak_rss_mb'] or 0:>7.1f} MB  ", end="")
    print(run["stdout"].splitlines()[-1] if run["stdout"] else "", flush=True)
