"""The staff review queue for reports, and the read-only audit log."""

from django.contrib import admin

from mentorloom.audit.services import record_event
from mentorloom.core.read_only_admin import ReadOnlyAdmin

from . import services
from .models import AuditEvent, Ban, Block, Report


@admin.register(Report)
class ReportAdmin(admin.ModelAdmin):
    list_display = ["created_at", "reason", "reporter", "reported", "status"]
    list_filter = ["status", "reason"]
    search_fields = ["reporter__email", "reported__email", "details"]
    readonly_fields = ["reporter", "reported", "reason", "details", "context_url", "created_at"]
    fields = [*readonly_fields, "status", "staff_notes"]
    ordering = ["status", "-created_at"]
    actions = ["ban_reported"]

    @admin.action(description="Ban the reported people (deactivate, end their sessions)")
    def ban_reported(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        banned = 0
        for user_id in set(queryset.values_list("reported_id", flat=True)):
            banned += services.ban_user(request.user, user_id, note="from the report queue")
        self.message_user(request, f"{banned} banned.")

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change and "status" in form.changed_data:
            record_event(
                "report.status_changed",
                target=obj,
                request=request,
                data={"from": form.initial.get("status"), "to": obj.status},
            )


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "action", "actor", "target_user"]
    list_filter = ["action"]
    readonly_fields = ["created_at", "action", "actor", "target_user", "data"]


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    list_display = ["created_at", "blocker", "blocked"]
    readonly_fields = ["created_at", "blocker", "blocked"]


@admin.register(Ban)
class BanAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "staff", "note"]
    search_fields = ["user__email"]
    readonly_fields = ["created_at", "user", "staff", "note"]
    actions = ["lift"]

    @admin.action(description="Lift the ban (then reactivate the account in Users if wanted)")
    def lift(self, request, queryset) -> None:  # type: ignore[no-untyped-def]
        lifted = 0
        for user_id in list(queryset.values_list("user_id", flat=True)):
            lifted += services.unban_user(request.user, user_id, note="from the ban list")
        self.message_user(request, f"{lifted} ban(s) lifted.")
