"""Settings of the Celery worker the archive tests start (reports/tests/archive_support.py):
the test settings, with the test's own media folder, the stand-in render and, for the kill
test, the storage that hangs half-way through a file."""

import os

from cdd.settings.test import *  # noqa: F403
from cdd.settings.test import STORAGES

MEDIA_ROOT = os.environ["ARCHIVE_MEDIA_ROOT"]
REPORT_ARCHIVE_RENDER = os.environ.get(
    "REPORT_ARCHIVE_RENDER", "reports.tests.archive_support.render"
)
if os.environ.get("ARCHIVE_HALF_WRITE"):
    STORAGES = {
        **STORAGES,
        "default": {"BACKEND": "reports.tests.archive_support.HalfWriteStorage"},
    }
