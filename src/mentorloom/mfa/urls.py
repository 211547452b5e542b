from django.urls import path
from django.views.generic import RedirectView

from . import views

app_name = "mfa"

urlpatterns = [
    path("accounts/mfa/", views.overview, name="overview"),
    path("accounts/mfa/enrol/", views.enrol, name="enrol"),
    path("accounts/mfa/recovery-codes/", views.recovery_codes, name="recovery_codes"),
    path("accounts/mfa/recovery-codes/new/", views.regenerate_codes, name="regenerate_codes"),
    path("accounts/mfa/disable/", views.disable, name="disable"),
    path(
        "accounts/mfa/passkeys/options/",
        views.passkey_registration_options,
        name="passkey_options",
    ),
    path("accounts/mfa/passkeys/", views.passkey_register, name="passkey_register"),
    path(
        "accounts/mfa/passkeys/<id:passkey_id>/remove/",
        views.passkey_remove,
        name="passkey_remove",
    ),
    path("accounts/mfa/challenge/", views.challenge, name="challenge"),
    path(
        "accounts/mfa/challenge/passkey/options/",
        views.challenge_passkey_options,
        name="challenge_passkey_options",
    ),
    path("accounts/mfa/challenge/passkey/", views.challenge_passkey, name="challenge_passkey"),
    path("accounts/mfa/challenge/cancel/", views.challenge_cancel, name="challenge_cancel"),
]

# Django admin's own login form would take the password alone: send it through ours.
urlpatterns.append(
    path(
        "admin/login/",
        RedirectView.as_view(pattern_name="accounts:login", query_string=True),
        name="admin_login",
    )
)
