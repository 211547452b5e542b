from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation

from mentorloom.core.email import render_plain_text, render_subject
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.forms import AccessibleFormMixin
from mentorloom.core.timezones import canonical_zone

from .errors import ReauthThrottled
from .models import User, normalize_email
from .services import check_current_password


class SignupForm(AccessibleFormMixin, forms.Form):
    display_name = forms.CharField(
        label="Your name",
        max_length=80,
        help_text="How mentors and mentees will see you. You can change it later.",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        help_text=password_validation.password_validators_help_text_html(),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    # Filled by static/mentorloom/js/timezone.js from the browser; optional without JS.
    time_zone = forms.CharField(
        required=False, max_length=64, widget=forms.HiddenInput(attrs={"data-detect-timezone": ""})
    )

    def clean_time_zone(self) -> str:
        # The browser's guess; an unknown value is dropped rather than blocking sign-up.
        return canonical_zone(self.cleaned_data.get("time_zone", "")) or ""


class LoginForm(AccessibleFormMixin, forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class EmailChangeForm(AccessibleFormMixin, forms.Form):
    new_email = forms.EmailField(
        label="New e-mail address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


class QueuedPasswordResetForm(AccessibleFormMixin, auth_forms.PasswordResetForm):
    """Django's reset form (same answer for unknown addresses), delivering via the worker.

    Unlike Django's, it also mails active accounts without a usable password: an account
    reclaimed at verification has none until its owner chooses one (accounts.services
    .reclaim_account), and must not be stuck if that page was closed. Erased accounts are
    inactive and get nothing.
    """

    def get_users(self, email: str):  # type: ignore[no-untyped-def, override]
        return User.objects.filter(email=normalize_email(email), is_active=True).iterator()

    def send_mail(  # type: ignore[override]
        self,
        subject_template_name: str,
        email_template_name: str,
        context: dict,
        from_email: str | None,
        to_email: str,
        html_email_template_name: str | None = None,
    ) -> None:
        subject = render_subject(subject_template_name, context)
        body = render_plain_text(email_template_name, context)
        enqueue_on_commit(
            "mentorloom.core.email.deliver_email", to=[to_email], subject=subject, body=body
        )


class AccessTokenForm(AccessibleFormMixin, forms.Form):
    name = forms.CharField(
        label="Token name",
        max_length=80,
        help_text="What the token is for, e.g. “weekly report script”.",
    )
    # Every token expires (tokens_api.MAX_EXPIRY_DAYS).
    expires_in_days = forms.TypedChoiceField(
        label="Expires",
        coerce=int,
        choices=[
            ("7", "In 7 days"),
            ("30", "In 30 days"),
            ("90", "In 90 days"),
            ("366", "In a year"),
        ],
        initial="90",
    )


class ThrottledPasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, with the old password checked through the per-account re-authentication
    throttle (services.check_current_password) so a stolen session cannot guess it."""

    def clean_old_password(self) -> str:
        old_password = self.cleaned_data["old_password"]
        try:
            right = check_current_password(self.user, old_password)
        except ReauthThrottled as exc:
            raise forms.ValidationError(exc.message, code="throttled") from exc
        if not right:
            raise forms.ValidationError(
                self.error_messages["password_incorrect"], code="password_incorrect"
            )
        return old_password
