from django.contrib import admin

from .models import AuditEntry, ImportBatch


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor", "source", "action", "content_type", "object_repr"]
    list_filter = ["action", "source", "content_type"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ImportBatch)
class ImportBatchAdmin(AuditEntryAdmin):
    list_display = ["started_at", "user", "resource", "file_name", "created_count", "updated_count"]
    list_filter = ["resource", "status"]
