from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm

from mentorloom.audit.services import record_event
from mentorloom.core.realtime.lifetime import close_sockets_for

from .models import LoginFailure, User


class UserCreationForm(BaseUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    add_form = UserCreationForm
    ordering = ["email"]
    list_display = ["email", "email_verified_at", "is_staff", "is_active", "date_joined"]
    search_fields = ["email"]
    list_filter = ["is_staff", "is_active"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password", "email_verified_at"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]

    def save_model(self, request, obj, form, change) -> None:  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        if change:
            record_role_changes(request, obj, form.initial)
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated by staff: the person's open sockets end too.
            close_sockets_for(obj.pk, "deactivated")

    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # Set by staff: the person's sessions no longer sign them in; their sockets end.
            close_sockets_for(int(id), "password_changed")
        return response


# (field, kind when it turns on, kind when it turns off): moderation and role actions by staff.
_AUDITED_FLAGS = [
    ("is_active", "moderation.unban", "moderation.ban"),
    ("is_staff", "role.staff_granted", "role.staff_revoked"),
    ("is_superuser", "role.superuser_granted", "role.superuser_revoked"),
]


def record_role_changes(request, user: User, before: dict) -> None:  # type: ignore[no-untyped-def]
    """Audit-log a ban/unban and staff or superuser changes made in the admin."""
    for field, on, off in _AUDITED_FLAGS:
        old, new = before.get(field), getattr(user, field)
        if old is not None and bool(old) != bool(new):
            record_event(on if new else off, target=user, request=request)


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ["email", "ip_address", "created_at"]
    search_fields = ["email", "ip_address"]
