"""Forms for the request and mentorship pages (validation beyond shape lives in services)."""

from __future__ import annotations

import uuid

from django import forms

from mentorloom.core.errors import DomainError
from mentorloom.core.forms import AccessibleFormMixin, add_domain_errors
from mentorloom.profiles.models import CareerGoal

from .models import (
    AGREEMENT_FIELDS,
    MESSAGE_MAX,
    MESSAGE_MIN,
    AgreementVersion,
    Cadence,
    GoalStatus,
    MeetingFormat,
)
from .services import DECLINE_TEMPLATES


class ServiceErrorsMixin(AccessibleFormMixin):
    def add_service_errors(self, exc: DomainError) -> None:
        """Put a service's field errors next to their fields, anything else at the top."""
        add_domain_errors(self, exc)  # type: ignore[arg-type]


class RequestForm(ServiceErrorsMixin, forms.Form):
    message = forms.CharField(
        label="Your message",
        min_length=MESSAGE_MIN,
        max_length=MESSAGE_MAX,
        widget=forms.Textarea(attrs={"rows": 7}),
        help_text=(
            f"{MESSAGE_MIN}–{MESSAGE_MAX} characters. Say who you are, where you want to go, "
            "and why this mentor."
        ),
    )
    goal_ids = forms.ModelMultipleChoiceField(
        label="Which of your goals is this about?",
        queryset=CareerGoal.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_format = forms.ChoiceField(
        label="How would you like to meet?",
        choices=MeetingFormat.choices,
        initial=MeetingFormat.BOTH,
        widget=forms.RadioSelect,
    )
    cadence = forms.ChoiceField(
        label="How often?", choices=Cadence.choices, initial=Cadence.FORTNIGHTLY
    )
    # Makes a double-click or a resubmitted page idempotent: the same key returns the first result.
    idempotency_key = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, mentee=None, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["goal_ids"].queryset = CareerGoal.objects.filter(profiles__user=mentee)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", uuid.uuid4().hex)


class MessageForm(ServiceErrorsMixin, forms.Form):
    body = forms.CharField(
        label="Your message", max_length=MESSAGE_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, label: str = "Your message", **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["body"].label = label


class DeclineForm(ServiceErrorsMixin, forms.Form):
    template = forms.ChoiceField(
        label="A kind reason (optional)",
        choices=[("", "No reason")] + [(str(i), t) for i, t in enumerate(DECLINE_TEMPLATES)],
        required=False,
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Or write your own",
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def reason_text(self) -> str:
        own = self.cleaned_data.get("reason", "").strip()
        if own:
            return own
        choice = self.cleaned_data.get("template")
        return DECLINE_TEMPLATES[int(choice)] if choice not in (None, "") else ""


class AgreementForm(ServiceErrorsMixin, forms.Form):
    base_version = forms.IntegerField(widget=forms.HiddenInput)

    HELP = {
        "goals": "What you want to achieve together.",
        "cadence": "e.g. Every two weeks",
        "session_length": "e.g. 45 minutes",
        "review_date": "e.g. Review together after 3 months",
        "channels": "e.g. Video for sessions, chat in between",
        "response_times": "e.g. Within 2 working days",
        "quiet_hours": "When each of you does not expect messages, in your own zone.",
        "boundaries": "Topics you'd rather not discuss, and other boundaries.",
        "confidentiality": "What stays between you.",
        "feedback": "How and when you tell each other what works.",
    }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for name, label in AGREEMENT_FIELDS:
            model_field = AgreementVersion._meta.get_field(name)
            long = model_field.get_internal_type() == "TextField"
            self.fields[name] = forms.CharField(
                label=label,
                required=False,
                max_length=model_field.max_length,
                help_text=self.HELP.get(name, ""),
                widget=forms.Textarea(attrs={"rows": 3}) if long else forms.TextInput,
            )


class GoalForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="Goal", max_length=200)
    description = forms.CharField(
        label="Details", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    target_date = forms.DateField(
        label="Target date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    milestones = forms.CharField(
        label="Milestones",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="One per line.",
    )
    is_private = forms.BooleanField(label="Private (only you can see this goal)", required=False)


class GoalEditForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="Goal", max_length=200)
    description = forms.CharField(
        label="Details", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    target_date = forms.DateField(
        label="Target date", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(label="Status", choices=GoalStatus.choices)
    is_private = forms.BooleanField(label="Private (only you can see this goal)", required=False)


class MilestoneForm(ServiceErrorsMixin, forms.Form):
    title = forms.CharField(label="New milestone", max_length=200)
    due_date = forms.DateField(
        label="Due", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class ProgressForm(ServiceErrorsMixin, forms.Form):
    progress = forms.IntegerField(label="Progress (%)", min_value=0, max_value=100)
    note = forms.CharField(label="Note", required=False, max_length=500)


class PauseForm(ServiceErrorsMixin, forms.Form):
    until = forms.DateField(label="Back on", widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label="Note for the other person", required=False, max_length=300)


YES_NO = [("", "Prefer not to say"), ("yes", "Yes"), ("no", "No")]


class EndForm(ServiceErrorsMixin, forms.Form):
    went_well = forms.CharField(
        label="What went well?",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    outcome_reached = forms.ChoiceField(
        label="Did you reach the outcome you hoped for?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    would_recommend = forms.ChoiceField(
        label="Would you recommend this mentorship to others?",
        choices=YES_NO,
        required=False,
        widget=forms.RadioSelect,
    )
    text = forms.CharField(
        label="Anything else",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Your reflection is private: only you and program admins can read it.",
    )

    @staticmethod
    def as_bool(value: str) -> bool | None:
        return {"yes": True, "no": False}.get(value)
