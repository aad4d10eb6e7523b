"""What the archive tests share: a stand-in PDF render (until reports/document.py exists the
archive is tested with it; the PDF itself is that module's tests' business), a storage that
dies half-way through a file, and a real Celery worker on Redis (DBs 8 and 9) that builds
against the test database."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection

from reports import builder

# Celery reads CELERY_BROKER_URL from the environment before its settings (CI sets it), so
# the test broker is that one when it is set: the test sends where the worker listens.
BROKER = (
    os.environ.get("ARCHIVE_TEST_BROKER")
    or os.environ.get("CELERY_BROKER_URL")
    or "redis://127.0.0.1:6379/8"
)
RESULTS = os.environ.get("ARCHIVE_TEST_RESULTS", "redis://127.0.0.1:6379/9")


def render(report, fmt, *, warnings=None):
    """``builder.render``, with a small stand-in for the PDF."""
    if fmt == "pdf":
        if warnings is not None:
            warnings.append("stand-in PDF")
        return b"%PDF-1.7\n% stand-in for " + report.data_checksum.encode() + b"\n%%EOF\n"
    return builder.render(report, fmt, warnings=warnings)


def slow_render(report, fmt, *, warnings=None):
    """``render``, taking ARCHIVE_RENDER_SECONDS (so a browser sees the build in progress)."""
    time.sleep(float(os.environ.get("ARCHIVE_RENDER_SECONDS", "2")) / 3)
    return render(report, fmt, warnings=warnings)


class HalfWriteStorage(FileSystemStorage):
    """The first time an .xlsx is saved, writes half of it, notes its process id in the
    ARCHIVE_HALF_WRITE file and hangs: the test kills the process there. Later saves are
    ordinary."""

    def _save(self, name, content):
        marker = Path(os.environ["ARCHIVE_HALF_WRITE"])
        if name.endswith(".xlsx") and not marker.exists():
            data = content.read()
            path = Path(self.path(name))
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "wb") as f:
                f.write(data[: len(data) // 2])
                f.flush()
                os.fsync(f.fileno())
            marker.write_text(str(os.getpid()))
            time.sleep(600)
        return super()._save(name, content)


def database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def flush_redis():
    import redis

    for url in (BROKER, RESULTS):
        redis.Redis.from_url(url).flushdb()


def start_worker(media_root: Path, **env) -> subprocess.Popen:
    """A prefork worker with one child (``reports.tests.worker_settings``)."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdd",
            "worker",
            "--pool=prefork",
            "--concurrency=1",
            "-l",
            "info",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=settings.BASE_DIR,
        env={
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "reports.tests.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": BROKER,
            "CELERY_RESULT_BACKEND": RESULTS,
            "ARCHIVE_MEDIA_ROOT": str(media_root),
            "REPORT_ARCHIVE_FORMATS": "pdf,xlsx,json",
            **env,
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return proc


def stop_worker(proc: subprocess.Popen) -> str:
    """Stop the worker; its output, for a failing test's message."""
    proc.terminate()
    try:
        out, _err = proc.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _err = proc.communicate()
    return (out or b"").decode(errors="replace")


def forget_celery_connections(app=None):
    """Drop the Celery app's cached producer pool and result backend."""
    if app is None:
        from cdd.celery import app
    # An eager apply_async already opened the producer pool on the settings' (empty) broker
    # URL, and an eager .get() the (disabled) result backend; without this, later sends and
    # results would go to those, not to the test broker.
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


class broker_on:
    """Send tasks through the test broker instead of running them in-process."""

    def __enter__(self):
        from cdd.celery import app

        conf = app.conf
        self.saved = conf.task_always_eager, conf.broker_url, conf.result_backend
        conf.task_always_eager, conf.broker_url, conf.result_backend = False, BROKER, RESULTS
        forget_celery_connections(app)
        return self

    def __exit__(self, *exc):
        from cdd.celery import app

        app.conf.task_always_eager, app.conf.broker_url, app.conf.result_backend = self.saved
        forget_celery_connections(app)


def wait_for(predicate, timeout=90, interval=0.25, message="timed out"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(message)


@pytest.fixture
def archive_media(settings, tmp_path):
    """Report files go to a folder of the test's own. Afterwards the Celery app forgets the
    result backend its eager runs opened, which a later test with a real worker (e.g.
    tests/test_celery_worker.py, run after the db tests) would otherwise read from."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.REPORT_ARCHIVE_RENDER = "reports.tests.archive_support.render"
    settings.REPORT_ARCHIVE_FORMATS = ["pdf", "xlsx", "json"]
    yield Path(settings.MEDIA_ROOT)
    forget_celery_connections()
