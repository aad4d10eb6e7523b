"""Record every save and delete of an audited model, whatever path it came from.

Bulk writes (imports) bypass signals; they record their entries through
``audit.services.record_bulk`` instead.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models.signals import post_delete, post_save, pre_save

from .context import current
from .registry import diff, is_audited, snapshot


def _before(sender, instance, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    instance._audit_before = None
    if instance.pk is not None and not instance._state.adding:
        old = sender._base_manager.filter(pk=instance.pk).first()
        instance._audit_before = snapshot(old) if old else None


def _write(instance, action, before, after):
    from .models import AuditEntry

    actor = current()
    AuditEntry.objects.create(
        actor=actor.user,
        source=actor.source,
        action=action,
        content_type=ContentType.objects.get_for_model(type(instance)),
        object_pk=str(instance.pk),
        object_repr=str(instance)[:255],
        before=before,
        after=after,
        batch=actor.batch,
    )


def _after(sender, instance, created, raw=False, **kwargs):
    if raw or not is_audited(sender):
        return
    if created:
        _write(instance, "create", None, snapshot(instance))
        return
    before, after = diff(getattr(instance, "_audit_before", None), snapshot(instance))
    if before or after:
        _write(instance, "update", before, after)


def _deleted(sender, instance, **kwargs):
    if is_audited(sender):
        _write(instance, "delete", snapshot(instance), None)


def connect():
    pre_save.connect(_before, dispatch_uid="audit_before")
    post_save.connect(_after, dispatch_uid="audit_after")
    post_delete.connect(_deleted, dispatch_uid="audit_deleted")
