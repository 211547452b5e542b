from __future__ import annotations

from django import forms

from mentorloom.core.forms import AccessibleFormMixin

from .selectors import EventFilter


class EventFilterForm(AccessibleFormMixin, forms.Form):
    kind = forms.CharField(
        label="Kind", required=False, max_length=64, help_text="e.g. auth.login.failed, or auth."
    )
    actor = forms.CharField(label="Actor (e-mail or id)", required=False, max_length=254)
    since = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label="Until", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def clean(self) -> dict:
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "Must be on or after the start date.")
        return data

    def to_filter(self) -> EventFilter:
        data = self.cleaned_data
        return EventFilter(
            kind=data.get("kind") or "",
            actor=data.get("actor") or "",
            since=data.get("since"),
            until=data.get("until"),
        )
