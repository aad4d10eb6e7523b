"""Development settings: `make run` on a laptop, SQLite and in-process tasks by default."""

from .base import *  # noqa: F403

DEBUG = True
# Serve static files straight from the app folders: no collectstatic needed for `make run`.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
