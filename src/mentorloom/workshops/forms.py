from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django import forms

from mentorloom.core.forms import AccessibleFormMixin


class WorkshopForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(max_length=120)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False)
    starts_at = forms.DateTimeField(
        label="Starts (your time)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    ends_at = forms.DateTimeField(
        label="Ends (your time)", widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    zone = forms.CharField(max_length=64, label="Time zone")
    capacity = forms.IntegerField(min_value=1, max_value=500, initial=20)
    community = forms.TypedChoiceField(
        label="For a community",
        required=False,
        coerce=int,
        empty_value=None,
        help_text="Only its members can see and register. Leave empty for a public workshop.",
    )
    is_public = forms.BooleanField(label="Listed for everyone", required=False, initial=True)

    def __init__(self, *args, communities=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        """`communities`: the ones the facilitator may tie the workshop to (they moderate)."""
        super().__init__(*args, **kwargs)
        choices = [(c.pk, c.name) for c in communities]
        if choices:
            self.fields["community"].choices = [("", "None: a public workshop"), *choices]
        else:
            del self.fields["community"]

    @property
    def for_community(self) -> bool:
        """A community is chosen (or preselected): the page hides "Listed for everyone", which
        makes no sense for a members-only workshop (workshop_form.js follows the choice)."""
        if "community" not in self.fields:
            return False
        chosen = self.data.get("community") if self.is_bound else self.initial.get("community")
        return chosen not in (None, "")

    def clean_zone(self) -> str:
        zone = self.cleaned_data["zone"]
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise forms.ValidationError("Unknown time zone.") from None
        return zone

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("community"):
            # Hidden for a community workshop; a box left ticked (no JavaScript) means nothing.
            data.pop("is_public", None)
        # The wall-clock times are meant in the chosen zone, whatever zone the server runs in.
        zone = data.get("zone")
        if zone:
            for name in ("starts_at", "ends_at"):
                value: datetime | None = data.get(name)
                if value is not None:
                    data[name] = value.replace(tzinfo=None).replace(tzinfo=ZoneInfo(zone))
        return data


class FeedbackForm(AccessibleFormMixin, forms.Form):
    rating = forms.TypedChoiceField(
        choices=[(i, str(i)) for i in range(1, 6)], coerce=int, widget=forms.RadioSelect
    )
    comment = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)


class NoteForm(forms.Form):
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False)
