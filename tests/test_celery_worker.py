"""A real Celery worker process executes a task through Redis against the test database."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from cdd.celery import app
from reports.tests.archive_support import forget_celery_connections
from villages.models import Village
from villages.tasks import village_counts

BROKER = os.environ.get("CELERY_BROKER_URL") or "redis://127.0.0.1:6379/14"


def _database_url():
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker(transactional_db):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cdd.settings.local",
        "DATABASE_URL": _database_url(),
        "CELERY_BROKER_URL": BROKER,
        "CELERY_RESULT_BACKEND": BROKER,
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cdd",
            "worker",
            "--pool=solo",
            "-l",
            "warning",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=settings.BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.mark.celery_worker
def test_worker_runs_task_through_redis(worker, geography):
    Village.objects.create(code="19010101", subdistrict_id="190101", name="บ้านหนองโน")
    Village.objects.create(code="19020101", subdistrict_id="190201", name="บ้านท่าช้าง")
    Village.objects.create(code="19020102", subdistrict_id="190201", name="บ้านนาดี")
    conf = app.conf
    saved = conf.task_always_eager, conf.broker_url, conf.result_backend
    conf.task_always_eager, conf.broker_url, conf.result_backend = False, BROKER, BROKER
    # Earlier tests ran tasks eagerly, which opened the producer pool and result backend on
    # the settings' URLs: drop them, so this test's sends and results use the test broker.
    forget_celery_connections(app)
    try:
        result = village_counts.apply_async(args=["19"])
        counts = result.get(timeout=60)
    finally:
        conf.task_always_eager, conf.broker_url, conf.result_backend = saved
        forget_celery_connections(app)
    assert worker.poll() is None, worker.stdout.read().decode()
    assert counts["1901"] == 1 and counts["1902"] == 2
    assert result.status == "SUCCESS"
