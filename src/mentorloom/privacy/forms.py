from __future__ import annotations

from django import forms


class DeletionForm(forms.Form):
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="To make sure it is really you.",
    )
    confirm = forms.BooleanField(
        label="I understand that after 14 days my account and my private data are erased for good.",
    )
