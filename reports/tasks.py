"""Background work of the reporting cycle: the daily notices and the monthly report archive
(both run by beat, CELERY_BEAT_SCHEDULE)."""

from datetime import date, datetime

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from cdd.celery import app

from . import archive, notices


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_cycle_notices(today: str | None = None) -> dict:
    """The day's due-date reminders and late lists (``reports.notices``). Idempotent: a second
    run on the same day, or a redelivery, sends nothing twice. ``today`` (ISO date) lets an
    operator run a day beat missed."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return notices.send_due_notices(day)


# ---------------------------------------------------------------- the monthly report archive

# The archive's tasks are bound to the project's app, not shared: a shared task queued from a
# thread other than the main one (runserver's request threads, the test live server) resolves
# to Celery's unconfigured fallback app and would be sent to amqp://localhost.

# Failures worth another try: the database or the storage was briefly unreachable.
TRANSIENT = (OperationalError, InterfaceError, ConnectionError, TimeoutError)


@app.task(acks_late=True, reject_on_worker_lost=True)
def dispatch_monthly_reports(now: str | None = None) -> list[int]:
    """Beat, every hour on the 20th: queue last month's report of each province whose build
    hour has come (``archive.dispatch_scheduled``). Idempotent: a month is scheduled once.
    ``now`` (ISO datetime) lets an operator replay a run beat missed."""
    moment = datetime.fromisoformat(now) if now else None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return [report.pk for report in archive.dispatch_scheduled(moment)]


@app.task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    max_retries=settings.REPORT_BUILD_MAX_RETRIES,
    soft_time_limit=settings.REPORT_BUILD_SOFT_TIME_LIMIT,
    time_limit=settings.REPORT_BUILD_TIME_LIMIT,
)
def build_monthly_report(self, report_id: int) -> str:
    """Build one version of a monthly report (``archive.build``), safe to deliver twice: a
    version already done is left as it is. A transient error is retried with a growing
    delay (30 s, 60 s, 120 s); anything else, or the time limit, fails the version."""
    try:
        return archive.build(report_id).status
    except TRANSIENT as exc:
        if self.request.retries < self.max_retries:
            archive.mark_retrying(report_id, repr(exc))
            countdown = 30 * 2**self.request.retries
            if self.request.is_eager:
                # No broker to come back through (make run, tests): the returned Retry makes
                # apply() run the next try at once instead of raising it to the caller.
                return self.retry(exc=exc, countdown=countdown, throw=False)
            raise self.retry(exc=exc, countdown=countdown) from exc
        archive.mark_failed(report_id, repr(exc))
        raise
    except SoftTimeLimitExceeded:
        archive.mark_failed(report_id, "time limit exceeded")
        raise
    except MemoryError:
        archive.mark_failed(report_id, "memory limit exceeded")
        raise
    except Exception as exc:
        archive.mark_failed(report_id, repr(exc))
        raise
