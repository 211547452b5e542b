from django.contrib import admin

from .models import Passkey


@admin.register(Passkey)
class PasskeyAdmin(admin.ModelAdmin):
    """Lets staff remove a passkey for someone who lost it; keys are added only by their owner."""

    list_display = ["user", "name", "created_at", "last_used_at"]
    search_fields = ["user__email", "name"]
    fields = ["user", "name", "created_at", "last_used_at", "sign_count"]
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False
