"""Background work of the reporting cycle. Run by beat once a day (CELERY_BEAT_SCHEDULE)."""

from datetime import date

from celery import shared_task
from django.utils import timezone

from . import notices


@shared_task(acks_late=True, reject_on_worker_lost=True)
def send_cycle_notices(today: str | None = None) -> dict:
    """The day's due-date reminders and late lists (``reports.notices``). Idempotent: a second
    run on the same day, or a redelivery, sends nothing twice. ``today`` (ISO date) lets an
    operator run a day beat missed."""
    day = date.fromisoformat(today) if today else timezone.localdate()
    return notices.send_due_notices(day)
