"""Admin: deleting a person erases them (tombstone) instead of a raw row delete, so the other
side's messages, sessions and mentorship history keep a "Deleted user" to point at.

A raw ORM delete is still safe for other people's data (on_delete=SET_NULL keeps it), but it
leaves foreign keys empty, which several pages do not render; erasure avoids that.
"""

from __future__ import annotations

from django.contrib import admin

from mentorloom.accounts.admin import UserAdmin
from mentorloom.accounts.models import User

from . import services
from .models import AccountDeletion, DataExport


class ErasingUserAdmin(UserAdmin):
    def delete_model(self, request, obj):  # type: ignore[no-untyped-def]
        services.erase_now(obj)

    def delete_queryset(self, request, queryset):  # type: ignore[no-untyped-def]
        for user in queryset:
            services.erase_now(user)


admin.site.unregister(User)
admin.site.register(User, ErasingUserAdmin)


@admin.register(AccountDeletion)
class AccountDeletionAdmin(admin.ModelAdmin):
    list_display = ["user", "requested_at", "erase_after", "cancelled_at", "erased_at"]
    list_filter = ["erased_at", "cancelled_at"]
    readonly_fields = ["user", "requested_at", "erase_after", "cancelled_at", "erased_at"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    # No download link here: an export is for its owner only.
    list_display = ["user", "status", "created_at", "expires_at", "size"]
    list_filter = ["status"]
    readonly_fields = ["user", "status", "created_at", "finished_at", "expires_at", "size"]
    exclude = ["file_name"]

    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False
