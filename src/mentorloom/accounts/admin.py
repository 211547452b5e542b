from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import BaseUserCreationForm

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
        if change and "is_active" in form.changed_data and not obj.is_active:
            # Deactivated by staff: the person's open sockets end too.
            close_sockets_for(obj.pk, "deactivated")

    def user_change_password(self, request, id, form_url=""):  # type: ignore[no-untyped-def]
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            # Set by staff: the person's sessions no longer sign them in; their sockets end.
            close_sockets_for(int(id), "password_changed")
        return response


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    list_display = ["email", "ip_address", "created_at"]
    search_fields = ["email", "ip_address"]
