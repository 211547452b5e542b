from __future__ import annotations

from django import forms

from mentorloom.core.forms import AccessibleFormMixin

from .models import ReportReason


class ReportForm(AccessibleFormMixin, forms.Form):
    reason = forms.ChoiceField(
        label="What is happening?", choices=ReportReason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label="Details",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="What happened and where. Only our safety team reads this.",
    )
    also_block = forms.BooleanField(label="Also block this person", required=False)
