"""The audit log in the admin: read-only (no add, change or delete)."""

from django.contrib import admin

from mentorloom.core.read_only_admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "actor", "target_type", "target_id", "ip"]
    list_filter = ["kind"]
    search_fields = ["kind", "actor__email", "target_id", "ip"]
    date_hierarchy = "at"
