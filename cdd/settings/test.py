"""Test settings: the database from DATABASE_URL (SQLite otherwise); tasks run eagerly."""

import os

from .base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests enqueue through the broker only when they start a worker themselves.
CELERY_TASK_ALWAYS_EAGER = True

# A file-backed SQLite test database, so a real Celery worker process can share it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    # One file per test run, so parallel runs on one machine do not share it.
    DATABASES["default"]["TEST"] = {"NAME": f"/tmp/cdd-test-{os.getpid()}.sqlite3"}  # noqa: F405
MEDIA_ROOT = "/tmp/cdd-test-media"
AXES_FAILURE_LIMIT = 5
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
