"""What makes the dashboards' summaries stale, and marking it.

A save or delete of a record the dashboards count marks its district (found through the
model's own ``area_lookups["district"]``, the path ``cdd.scoping`` uses; and the district it
was in before, when it moved). The districts marked in one transaction are queued once,
when it commits (``dashboards.tasks.schedule``); a rolled-back change queues nothing. An
import writes in bulk, without these signals: when its batch is done, the districts of the
rows it created or changed are read from its audit entries (``districts_of_batch``).

Queuing never fails a change: the callback is ``robust`` (an error is logged, the saved
data stays saved).
"""

import logging

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save

log = logging.getLogger(__name__)

# Records counted by the dashboards, per district.
WATCHED = [
    "households.Household",
    "households.DevelopmentPlan",
    "households.Assistance",
    "funds.WdfLoan",
    "funds.WdfPayment",
    "funds.ScheduleRevision",
    "funds.KkjFund",
    "otop.Producer",
    "otop.Product",
    "otop.Sale",
    "villages.Village",
    "villages.SvDesignation",
    "villages.SvAssessment",
    "reports.Submission",
]
# The due-date calendar: a province's (every province's for a holiday of the whole country).
CALENDAR = ["reports.CalendarRule", "reports.Holiday"]
# A fiscal year's rules for every area.
YEAR_RULES = ["otop.FabricTargetFactor", "villages.SvIndicatorSet", "villages.SvIndicator"]
# Fields that matter, for models where most saves change nothing the dashboards count.
RELEVANT = {"reports.Submission": ["first_submitted_at"]}


def _path(model) -> str | None:
    return getattr(model._default_manager.all(), "area_lookups", {}).get("district")


def district_of(instance) -> str | None:
    """The district code of a record, by its model's ``area_lookups`` path."""
    value = instance
    for part in (_path(type(instance)) or "").split("__"):
        value = getattr(value, part, None) if part else None
        if value is None:
            return None
    return value


def _district_before(instance) -> str | None:
    """The district the record was in before this save (from the audit trail's snapshot)."""
    before = getattr(instance, "_audit_before", None) or {}
    if "district" in before:
        return before["district"]
    subdistrict = before.get("subdistrict")
    return subdistrict[:4] if isinstance(subdistrict, str) else None


class _Dirty:
    """The districts a transaction changed; called once when it commits."""

    def __init__(self):
        self.districts: set[str] = set()
        self.provinces: set[str] = set()
        self.year_rules = False
        self.done = False
        self.__qualname__ = "dashboards.signals._mark"  # named in Django's error log

    def __call__(self):
        from . import tasks

        self.done = True
        tasks.queue(districts=self.districts, provinces=self.provinces, year_rules=self.year_rules)


def _mark(*, districts=(), province=None, year_rules=False) -> None:
    """Note what a change made stale: queued when its transaction commits (at once outside
    a transaction), once per transaction whatever the number of changes."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:  # autocommit: the change is already saved
        dirty = _Dirty()
    else:
        dirty = getattr(connection, "_dashboards_dirty", None)
        # A rolled-back transaction dropped its callback: start again with a new one.
        if (
            dirty is None
            or dirty.done
            or not any(f is dirty for _sids, f, _robust in connection.run_on_commit)
        ):
            dirty = _Dirty()
            connection._dashboards_dirty = dirty
            transaction.on_commit(dirty, robust=True)
    dirty.districts.update(c for c in districts if c)
    if province:
        dirty.provinces.add(province)
    dirty.year_rules |= year_rules
    if not connection.in_atomic_block:
        try:
            dirty()
        except Exception:  # the change is saved: a failed queueing never fails it
            log.exception("dashboards: could not queue a refresh")


def _changed(sender, instance, raw=False, **kwargs):
    if raw:  # loading fixtures
        return
    fields = RELEVANT.get(sender._meta.label)
    if fields and "created" in kwargs:  # a save: did any relevant field change?
        from audit.registry import snapshot

        before, now = getattr(instance, "_audit_before", None) or {}, snapshot(instance)
        if all(now.get(f) == before.get(f) for f in fields):
            return
    _mark(districts={district_of(instance), _district_before(instance)})


def _calendar_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        # A holiday of the whole country changes every province's due dates.
        _mark(province=instance.province_id, year_rules=not instance.province_id)


def _year_rules_changed(sender, instance, raw=False, **kwargs):
    if not raw:
        _mark(year_rules=True)


def _import_done(sender, instance, raw=False, **kwargs):
    from audit.models import ImportBatch

    if raw or instance.status != ImportBatch.Status.DONE or not instance.finished_at:
        return
    if not (instance.created_count or instance.updated_count):
        return
    from . import tasks

    transaction.on_commit(lambda: tasks.refresh_after_import.delay(instance.pk), robust=True)


def batch_targets(batch_id: int) -> tuple[set[str], bool]:
    """What an import changed, from its audit entries: the districts of the records it
    created or changed, and whether it changed a year's rules (``YEAR_RULES``)."""
    from django.contrib.contenttypes.models import ContentType

    from audit.models import AuditEntry

    entries = AuditEntry.objects.filter(batch_id=batch_id).exclude(action="delete")
    out, year_rules = set(), False
    for ct_id in entries.values_list("content_type_id", flat=True).distinct().order_by():
        model = ContentType.objects.get_for_id(ct_id).model_class()
        year_rules |= model is not None and model._meta.label in YEAR_RULES
        path = _path(model) if model else None
        if path is None:
            continue
        pks = list(entries.filter(content_type_id=ct_id).values_list("object_pk", flat=True))
        pk_field = model._meta.pk
        for start in range(0, len(pks), 5000):
            chunk = [pk_field.to_python(pk) for pk in pks[start : start + 5000]]
            out.update(
                model._default_manager.filter(pk__in=chunk)
                .values_list(path, flat=True)
                .distinct()
                .order_by()
            )
    return {c for c in out if c}, year_rules


def connect():
    for label in WATCHED:
        model = apps.get_model(label)
        post_save.connect(_changed, sender=model, dispatch_uid=f"dashboards-save-{label}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"dashboards-delete-{label}")
    for labels, receiver in ((CALENDAR, _calendar_changed), (YEAR_RULES, _year_rules_changed)):
        for label in labels:
            model = apps.get_model(label)
            post_save.connect(receiver, sender=model, dispatch_uid=f"dashboards-save-{label}")
            post_delete.connect(receiver, sender=model, dispatch_uid=f"dashboards-del-{label}")
    post_save.connect(
        _import_done, sender=apps.get_model("audit.ImportBatch"), dispatch_uid="dashboards-import"
    )
