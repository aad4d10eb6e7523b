"""The audit trail: who changed which record, when, and what it held before and after."""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.fields.json import KeyTransform
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    CREATE = "create", _("Created")
    UPDATE = "update", _("Updated")
    DELETE = "delete", _("Deleted")


class Source(models.TextChoices):
    WEB = "web", _("Web form")
    API = "api", _("API")
    ADMIN = "admin", _("Admin site")
    IMPORT = "import", _("Import")
    COMMAND = "command", _("Command")


class ImportBatch(models.Model):
    """One import of one file (from the browser or `import_data`), with its counts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Rejected")

    resource = models.CharField(_("resource"), max_length=40)
    file_name = models.CharField(_("file name"), max_length=255)
    sha256 = models.CharField(_("checksum (SHA-256)"), max_length=64)
    size = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT, null=True
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    created_count = models.PositiveIntegerField(_("created"), default=0)
    updated_count = models.PositiveIntegerField(_("updated"), default=0)
    unchanged_count = models.PositiveIntegerField(_("unchanged"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    stored_file = models.CharField(max_length=255, blank=True)

    class Meta:
        verbose_name = _("import batch")
        verbose_name_plural = _("import batches")
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.resource} {self.file_name} ({self.started_at:%Y-%m-%d %H:%M})"


class AuditEntry(models.Model):
    """One change to one record. ``before``/``after`` hold the changed fields only."""

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_pk = models.CharField(max_length=64)
    object_repr = models.CharField(_("record"), max_length=255)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    batch = models.ForeignKey(
        ImportBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["content_type", "object_pk"]),
            # Deleted child rows (payments, schedule revisions) by the contract they held:
            # the contract page's history finds them without reading every entry.
            models.Index(
                KeyTransform("loan", "before"),
                condition=models.Q(action="delete"),
                name="audit_deleted_loan_idx",
            ),
        ]

    def __str__(self):
        return f"{self.get_action_display()} {self.object_repr}"

    def changes(self):
        """(field label, before, after) for display."""
        model = self.content_type.model_class()
        before, after = self.before or {}, self.after or {}
        rows = []
        for name in dict.fromkeys([*before, *after]):
            try:
                field = model._meta.get_field(name)
            except Exception:
                rows.append((name, before.get(name), after.get(name)))
                continue
            # Show choice values by their Thai labels, as the forms do.
            labels = dict(field.flatchoices) if field.choices else {}
            old, new = before.get(name), after.get(name)
            rows.append((field.verbose_name, labels.get(old, old), labels.get(new, new)))
        return rows
