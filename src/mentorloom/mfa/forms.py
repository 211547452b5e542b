from __future__ import annotations

from django import forms

CODE_ATTRS = {
    "autocomplete": "one-time-code",
    "inputmode": "numeric",
    "autocapitalize": "off",
    "spellcheck": "false",
    "class": "mono",
}


class ConfirmTotpForm(forms.Form):
    # The password too: a session alone must not turn two-factor on (services).
    password = forms.CharField(
        label="Current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="6-digit code from your app",
        max_length=12,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "pattern": r"[0-9 ]*"}),
    )


class ChallengeForm(forms.Form):
    code = forms.CharField(
        label="6-digit code from your authenticator app",
        max_length=12,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "autofocus": True}),
    )
    remember = forms.BooleanField(label="Remember this device for 30 days", required=False)


class RecoveryChallengeForm(forms.Form):
    # Letters and digits: no numeric keypad here.
    code = forms.CharField(
        label="Recovery code",
        max_length=40,
        help_text="Each recovery code works once, e.g. abcd-efgh-ijkl-mnop.",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "off",
                "spellcheck": "false",
                "class": "mono",
            }
        ),
    )
    remember = forms.BooleanField(label="Remember this device for 30 days", required=False)


class ConfirmIdentityForm(forms.Form):
    """The step-up asked before turning MFA off, new recovery codes or a new passkey."""

    password = forms.CharField(
        label="Current password",
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    code = forms.CharField(
        label="Code from your authenticator app (or a recovery code)",
        max_length=40,
        widget=forms.TextInput(attrs={**CODE_ATTRS, "inputmode": "text"}),
    )
