"""Plain HTML forms for availability and booking (the pages work without JavaScript)."""

from __future__ import annotations

from django import forms

from mentorloom.core.forms import AccessibleFormMixin

from .models import WEEKDAY_CHOICES, OverrideKind

TIME_INPUT = forms.TimeInput(attrs={"type": "time", "step": 900}, format="%H:%M")


class RuleForm(AccessibleFormMixin, forms.Form):
    weekday = forms.TypedChoiceField(label="Day", choices=WEEKDAY_CHOICES, coerce=int)
    start = forms.TimeField(label="From", widget=TIME_INPUT)
    end = forms.TimeField(label="Until", widget=TIME_INPUT, help_text="00:00 means midnight.")


class OverrideForm(AccessibleFormMixin, forms.Form):
    date = forms.DateField(label="Date", widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label="This date is", choices=OverrideKind.choices)
    start = forms.TimeField(label="From", required=False, widget=TIME_INPUT)
    end = forms.TimeField(
        label="Until",
        required=False,
        widget=TIME_INPUT,
        help_text="Leave both empty to block the whole day.",
    )
    note = forms.CharField(label="Note (only you see it)", required=False, max_length=120)


class SettingsForm(AccessibleFormMixin, forms.Form):
    buffer_before_minutes = forms.IntegerField(
        label="Buffer before (minutes)", min_value=0, max_value=240
    )
    buffer_after_minutes = forms.IntegerField(
        label="Buffer after (minutes)", min_value=0, max_value=240
    )
    min_notice_minutes = forms.IntegerField(
        label="Minimum notice (minutes)", min_value=0, max_value=60 * 24 * 30
    )
    horizon_days = forms.IntegerField(
        label="Bookable up to (days ahead)", min_value=1, max_value=365
    )
    max_per_day = forms.IntegerField(
        label="Most sessions per day", required=False, min_value=0, max_value=48
    )
    max_per_week = forms.IntegerField(
        label="Most sessions per week", required=False, min_value=0, max_value=200
    )


class CancelForm(AccessibleFormMixin, forms.Form):
    reason = forms.CharField(
        label="Reason (shared with the other person)",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
