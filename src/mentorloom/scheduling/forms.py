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


class SeriesForm(AccessibleFormMixin, forms.Form):
    frequency = forms.ChoiceField(
        label="How often",
        choices=[
            ("weekly", "Every week"),
            ("biweekly", "Every two weeks"),
            ("monthly", "Monthly, on the same weekday (e.g. second Tuesday)"),
        ],
    )
    first_date = forms.DateField(
        label="First session", widget=forms.DateInput(attrs={"type": "date"})
    )
    time = forms.TimeField(label="Time (your zone)", widget=TIME_INPUT)
    alt_time = forms.TimeField(
        label="Alternate time (optional)",
        required=False,
        widget=TIME_INPUT,
        help_text="Fairness rotation: every other session uses this time, so the early or "
        "late hour takes turns between your zones.",
    )
    duration = forms.TypedChoiceField(label="Length", coerce=int, choices=[])
    count = forms.IntegerField(
        label="Number of sessions", required=False, min_value=1, max_value=52
    )
    until = forms.DateField(
        label="…or until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Give a number, an end date, or both (whichever comes first).",
    )
    agenda = forms.CharField(
        label="Standing agenda (optional)",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, lengths: list[int], **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["duration"].choices = [(n, f"{n} minutes") for n in lengths]

    def rule_fields(self) -> dict[str, object]:
        d = self.cleaned_data
        return {
            "frequency": d["frequency"],
            "first_date": d["first_date"],
            "wall_time": d["time"],
            "alt_time": d["alt_time"],
            "count": d["count"],
            "until": d["until"],
            "nth": None,
        }


class ExternalCalendarForm(AccessibleFormMixin, forms.Form):
    kind = forms.ChoiceField(
        label="Type",
        choices=[
            ("ics", "ICS address (a secret .ics link from Google, Outlook or Apple Calendar)"),
            ("caldav", "CalDAV account (Fastmail, Nextcloud, iCloud, …)"),
        ],
        widget=forms.RadioSelect,
        initial="ics",
    )
    name = forms.CharField(label="Name (optional)", required=False, max_length=80)
    url = forms.CharField(
        label="Address",
        max_length=1000,
        widget=forms.URLInput(attrs={"placeholder": "https://…", "inputmode": "url"}),
        help_text="For CalDAV, the calendar's address or your account's calendar home.",
    )
    username = forms.CharField(label="User name (CalDAV)", required=False, max_length=200)
    password = forms.CharField(
        label="App password (CalDAV)",
        required=False,
        max_length=500,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Use an app-specific password. It is stored encrypted and never shown again.",
    )


class ReminderForm(AccessibleFormMixin, forms.Form):
    remind_24h = forms.BooleanField(label="Remind me 24 hours before a session", required=False)
    remind_1h = forms.BooleanField(label="Remind me 1 hour before a session", required=False)
