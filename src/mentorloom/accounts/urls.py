from django.contrib.auth import views as auth_views
from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("verify/sent/", views.verify_sent, name="verify_sent"),
    path("verify/resend/", views.resend_verification, name="resend_verification"),
    path("verify/<str:token>/", views.verify, name="verify"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("settings/", views.account_settings, name="settings"),
    path("settings/tokens/", views.create_access_token, name="token_create"),
    path(
        "settings/tokens/<id:token_id>/revoke/",
        views.revoke_access_token,
        name="token_revoke",
    ),
    path(
        "settings/sessions/<id:session_id>/revoke/",
        views.revoke_session,
        name="session_revoke",
    ),
    path("settings/sessions/sign-out-everywhere/", views.sign_out_everywhere, name="sign_out_all"),
    path("settings/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("email/confirm/<str:token>/", views.confirm_email_change, name="confirm_email_change"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name="accounts/password_reset_done.html"),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="accounts/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]
