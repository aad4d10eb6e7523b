"""Settings shared by every environment. Everything configurable comes from the environment."""

from pathlib import Path

import environ
import fontpkg_sarabun
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()

SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-change-me")
DEBUG = False
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "cdd",
    "accounts",
    "audit",
    "villages",
    "imports",
    "households",
    "funds",
    "otop",
    "visits",
    "reports",
    "dashboards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "cdd.middleware.ThaiFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "audit.middleware.AuditActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes must come last: it answers lockouts for the whole site.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cdd.urls"
WSGI_APPLICATION = "cdd.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cdd.context_processors.navigation",
                "reports.notices.unread_count",
            ],
            "builtins": ["cdd.templatetags.thai"],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles large aggregate plans (the WDF figures) for about a second and
    # saves nothing on queries this size.
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Brute-force protection: lock a username+address pair after 5 failures for 30 minutes.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

LANGUAGE_CODE = "th"
LANGUAGES = [("th", _("Thai")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Bangkok"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # The Sarabun webfont comes from the fontpkg-sarabun package and is served locally.
    ("fonts/sarabun", str(fontpkg_sarabun.ROOT / "files")),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
MEDIA_ROOT = BASE_DIR / "media"
MEDIA_URL = "/media/"

# Uploads: imports are read in memory up to this size; larger files are refused.
IMPORT_MAX_BYTES = env.int("IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["cdd.permissions.AreaPermission"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "CDD Province API",
    "DESCRIPTION": "ระบบงานสำนักงานพัฒนาชุมชนจังหวัด",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {"DimensionEnum": "households.choices.Dimension"},
}

# Celery: with no broker configured, tasks run in-process (make run needs no Redis).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="")
REDIS_URL = env("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or CELERY_BROKER_URL or None)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = False
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
# Run by exactly one beat process (docker-compose.yml); times are Bangkok (CELERY_TIMEZONE).
CELERY_BEAT_SCHEDULE = {
    "reports-cycle-notices": {
        "task": "reports.tasks.send_cycle_notices",
        "schedule": crontab(hour=7, minute=30),
    },
    # Every hour on the 20th: each province's report of last month is built at (or, if beat
    # was down, after) the hour it chose (ReportSettings.build_hour).
    "reports-monthly-archive": {
        "task": "reports.tasks.dispatch_monthly_reports",
        "schedule": crontab(day_of_month=20, minute=0),
    },
    # Every night at 01:00 Bangkok: all the dashboards' summaries, every province.
    "dashboards-nightly-refresh": {
        "task": "dashboards.tasks.refresh_everything",
        "schedule": crontab(hour=1, minute=0),
    },
}
# Workers are recycled: a new process after this many tasks, or once a process has grown past
# this much resident memory (KiB), so a leaking render (WeasyPrint) never piles up.
CELERY_WORKER_MAX_TASKS_PER_CHILD = env.int("CELERY_WORKER_MAX_TASKS_PER_CHILD", default=20)
CELERY_WORKER_MAX_MEMORY_PER_CHILD = env.int(
    "CELERY_WORKER_MAX_MEMORY_PER_CHILD", default=600 * 1024
)

# The monthly report archive (reports/archive.py). The formats built for each version (json
# is always built: the diff of two versions reads it) and the function that renders them.
REPORT_ARCHIVE_FORMATS = env.list("REPORT_ARCHIVE_FORMATS", default=["pdf", "xlsx", "json"])
REPORT_ARCHIVE_RENDER = env("REPORT_ARCHIVE_RENDER", default="reports.builder.render")
REPORT_DEFAULT_BUILD_HOUR = 7
# One build: killed after the hard limit (the soft limit fails it cleanly first); its renders
# may allocate at most this much more memory (MB, Linux) before they fail with MemoryError.
REPORT_BUILD_SOFT_TIME_LIMIT = env.int("REPORT_BUILD_SOFT_TIME_LIMIT", default=300)
REPORT_BUILD_TIME_LIMIT = env.int("REPORT_BUILD_TIME_LIMIT", default=360)
REPORT_RENDER_MAX_MEMORY_MB = env.int("REPORT_RENDER_MAX_MEMORY_MB", default=1024)
REPORT_BUILD_MAX_RETRIES = 3
# A long report's PDF is rendered in this many processes at once (reports.pdf.split), when
# its missions' narratives weigh at least this much (characters); 1: always in one piece.
REPORT_PDF_PROCESSES = env.int("REPORT_PDF_PROCESSES", default=2)
REPORT_PDF_SPLIT_MIN_WEIGHT = env.int("REPORT_PDF_SPLIT_MIN_WEIGHT", default=60_000)

# Dashboards (dashboards/tasks.py): a district's summaries are refreshed this many seconds
# after the first change to its records (later changes join the same run); the nightly full
# refresh is stopped after DASHBOARD_FULL_REFRESH_SOFT_LIMIT seconds.
DASHBOARD_REFRESH_DELAY = env.int("DASHBOARD_REFRESH_DELAY", default=60)
# The full refresh works on this many provinces at once (PostgreSQL; threads).
DASHBOARD_REFRESH_THREADS = env.int("DASHBOARD_REFRESH_THREADS", default=2)
DASHBOARD_FULL_REFRESH_SOFT_LIMIT = env.int("DASHBOARD_FULL_REFRESH_SOFT_LIMIT", default=3600)

# Email: printed to the console unless a real backend is configured (e.g. SMTP).
EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="CDD Province <noreply@localhost>")
# The site's address, for links in emails (which cannot be relative).
SITE_URL = env("SITE_URL", default="http://localhost:8000")

if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
