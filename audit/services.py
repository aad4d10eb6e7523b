"""Writing audit entries for bulk changes, where model signals do not fire."""

from django.contrib.contenttypes.models import ContentType

from .context import current
from .models import AuditEntry
from .registry import diff, snapshot


def record_bulk(model, changes, *, batch_size=2000):
    """Record many changes at once.

    ``changes`` yields ``(action, instance, before_snapshot)``; for creates the before is None.
    """
    actor = current()
    ct = ContentType.objects.get_for_model(model)
    user = actor.user
    entries = []
    for action, instance, before in changes:
        after = snapshot(instance)
        if action == "update":
            before, after = diff(before, after)
        entries.append(
            AuditEntry(
                actor=user,
                source=actor.source,
                action=action,
                content_type=ct,
                object_pk=str(instance.pk),
                object_repr=str(instance)[:255],
                before=before,
                after=after,
                batch=actor.batch,
            )
        )
        if len(entries) >= batch_size:
            AuditEntry.objects.bulk_create(entries)
            entries = []
    if entries:
        AuditEntry.objects.bulk_create(entries)


def history_for(instance):
    ct = ContentType.objects.get_for_model(type(instance))
    return (
        AuditEntry.objects.filter(content_type=ct, object_pk=str(instance.pk))
        .select_related("actor", "batch")
        .order_by("-at", "-id")
    )
