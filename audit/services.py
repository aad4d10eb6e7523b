"""Writing audit entries for bulk changes, where model signals do not fire."""

import csv
import io
import json

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from .context import current
from .models import AuditEntry
from .registry import diff, snapshot

COLUMNS = [
    "at",
    "actor_id",
    "source",
    "action",
    "content_type_id",
    "object_pk",
    "object_repr",
    "before",
    "after",
    "batch_id",
]


def _copy(rows):
    """PostgreSQL COPY: about five times faster than INSERTs for the tens of thousands of
    entries a large import writes, and no model instances are built."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    buffer.seek(0)
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.cursor.copy_expert(
            f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '')", buffer
        )


def _insert(rows):
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                **{
                    c: (json.loads(v) if c in ("before", "after") and v else v)
                    for c, v in zip(COLUMNS, row, strict=True)
                }
            )
            for row in rows
        ]
    )


def record_bulk(model, changes, *, batch_size=2000):
    """Record many changes at once.

    ``changes`` yields ``(action, instance, before_snapshot)``; for creates the before is None.
    """

    def entries():
        for action, instance, before in changes:
            after = snapshot(instance)
            if action == "update":
                before, after = diff(before, after)
            yield action, instance.pk, str(instance), before, after

    _write_entries(model, entries(), batch_size)


def record_created(model, created, *, batch_size=5000):
    """Record creations without model instances: ``created`` yields ``(pk, text, snapshot)``
    where the snapshot has the keys and JSON values ``registry.snapshot`` would give."""
    _write_entries(
        model, (("create", pk, text, None, after) for pk, text, after in created), batch_size
    )


def record_updated(model, updated, *, batch_size=5000):
    """Record updates without model instances: ``updated`` yields ``(pk, text, before, after)``
    with only the changed fields, keyed and valued as ``registry.snapshot`` gives them."""
    _write_entries(
        model,
        (("update", pk, text, before, after) for pk, text, before, after in updated),
        batch_size,
    )


def _write_entries(model, entries, batch_size):
    """Write ``(action, pk, text, before, after)`` entries of one model for the current actor,
    by COPY on PostgreSQL."""
    actor = current()
    ct_id = ContentType.objects.get_for_model(model).pk
    user_id = actor.user.pk if actor.user else None
    batch_id = actor.batch.pk if actor.batch else None
    now = timezone.now()
    write = _copy if connection.vendor == "postgresql" else _insert
    rows = []
    for action, pk, text, before, after in entries:
        rows.append(
            [
                now,
                user_id,
                actor.source,
                action,
                ct_id,
                str(pk),
                text[:255],
                json.dumps(before, ensure_ascii=False) if before is not None else None,
                json.dumps(after, ensure_ascii=False) if after is not None else None,
                batch_id,
            ]
        )
        if len(rows) >= batch_size:
            write(rows)
            rows = []
    if rows:
        write(rows)


def history_for(instance):
    ct = ContentType.objects.get_for_model(type(instance))
    return (
        AuditEntry.objects.filter(content_type=ct, object_pk=str(instance.pk))
        .select_related("actor", "batch")
        .order_by("-at", "-id")
    )
