"""Background refreshes of the dashboards' summaries (``dashboards.refresh``).

- ``refresh_district_task``: queued ``DASHBOARD_REFRESH_DELAY`` seconds (60 by default) after
  the first change to a district's records (``schedule``). A cache key marks the district
  as waiting, so every further change in that time joins the same run; the key is cleared
  when the run starts, so changes made during it queue the next one.
- ``refresh_after_import``: after an import, the districts its rows belong to (read from the
  import's audit entries) are queued the same way.
- ``refresh_everything``: every night (beat, ``CELERY_BEAT_SCHEDULE``) and on demand.

All are idempotent (each run recomputes from the source records), acknowledged late and
handed back when a worker dies. Without a broker (``make run``, tests) Celery runs them
in-process, right after the change is committed.
"""

import logging

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.cache import cache

from cdd.celery import app

from . import refresh

PENDING = "dashboards:pending:{}"
log = logging.getLogger(__name__)


def _delay() -> int:
    return getattr(settings, "DASHBOARD_REFRESH_DELAY", 60)


def _queue(key: str, task, args) -> bool:
    """Queue ``task`` unless a run for ``key`` is already waiting (True when queued)."""
    pending = PENDING.format(key)
    # The mark outlives the delay a little, so a lost message never blocks refreshes long.
    if not cache.add(pending, 1, 3 * _delay() + 60):
        return False
    try:
        task.apply_async(args, countdown=_delay())
    except Exception:
        cache.delete(pending)
        raise
    return True


def schedule(district: str) -> bool:
    """Refresh the district (and the rows above it) in a minute, once, whatever the number
    of changes until then."""
    return _queue(district, refresh_district_task, (district,))


def schedule_province(province: str) -> bool:
    """Refresh every district of the province (a change to its calendar of due dates)."""
    return _queue(f"province:{province}", refresh_province_task, (province,))


def schedule_stored_provinces() -> int:
    """Refresh every province that has summaries (a change to a whole year's rules: the
    Thai-fabric factor, the Sustainable Village indicator set)."""
    from .models import AreaMonth, Level

    codes = AreaMonth.objects.filter(level=Level.PROVINCE).values_list("code", flat=True)
    return sum(schedule_province(code) for code in sorted(set(codes)))


def queue(*, districts=(), provinces=(), year_rules: bool = False) -> None:
    """Queue what a change made stale: a year's rules (every province with summaries), whole
    provinces, districts. Many districts of a province at once (a demo load, a province-wide
    import) make one province run, which reads them all in one go."""
    if year_rules:
        schedule_stored_provinces()
    by_province: dict[str, list[str]] = {}
    for district in districts:
        by_province.setdefault(district[:2], []).append(district)
    provinces = set(provinces) | {p for p, ds in by_province.items() if len(ds) >= 4}
    for province in sorted(provinces):
        schedule_province(province)
    for district in sorted(districts):
        if district[:2] not in provinces:
            schedule(district)


def _retry_when_busy(task, run, key: str):
    """``run(wait)``; when another refresh holds the province, try again after a delay (or,
    in-process, wait for it)."""
    cache.delete(PENDING.format(key))  # changes from now on queue another run
    if task.request.is_eager:
        try:
            return run(refresh.LOCK_WAIT)
        except refresh.Busy:
            log.warning("dashboards: %s busy for %s s, not refreshed", key, refresh.LOCK_WAIT)
            return 0
    try:
        return run(0)
    except refresh.Busy as exc:
        raise task.retry(exc=exc, countdown=_delay()) from exc


LIMITS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "max_retries": None,
    "soft_time_limit": 600,
    "time_limit": 660,
}


@app.task(bind=True, **LIMITS)
def refresh_district_task(self, district: str) -> int:
    """One district's summaries and the rows above it (``refresh.refresh_district``)."""
    from villages.models import District

    if not District.objects.filter(code=district).exists():
        return 0
    return _retry_when_busy(
        self, lambda wait: refresh.refresh_district(district, wait=wait), district
    )


@app.task(bind=True, **LIMITS)
def refresh_province_task(self, province: str) -> int:
    """Every district of one province (``refresh.refresh_province``)."""
    return _retry_when_busy(
        self,
        lambda wait: refresh.refresh_province(province, wait=wait),
        f"province:{province}",
    )


@app.task(acks_late=True, reject_on_worker_lost=True)
def refresh_after_import(batch_id: int) -> list[str]:
    """Queue a refresh of each district an import wrote to (from its audit entries), or of
    every province with summaries when it changed a year's rules."""
    from .signals import batch_targets

    codes, year_rules = batch_targets(batch_id)
    queue(districts=codes, year_rules=year_rules)
    return sorted(codes)


@app.task(
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.DASHBOARD_FULL_REFRESH_SOFT_LIMIT,
    time_limit=settings.DASHBOARD_FULL_REFRESH_SOFT_LIMIT + 120,
)
def refresh_everything() -> dict:
    """The nightly full refresh (``refresh.refresh_all``). A second one while one runs (a
    redelivery, a manual run) does nothing: the running one covers it."""
    try:
        with refresh.full_lock():
            result = refresh.refresh_all()
    except refresh.Busy:
        return {"skipped": "another full refresh is running"}
    except SoftTimeLimitExceeded:
        return {"stopped": "time limit"}
    return {"provinces": len(result["provinces"]), "seconds": result["seconds"]}
