"""Plain HTML forms for agenda, notes, action items and feedback (pages work without JS)."""

from __future__ import annotations

from django import forms

from mentorloom.core.forms import AccessibleFormMixin

from .models import TRAITS
from .traits import ANCHORS, TRAIT_HELP

RATING_CHOICES = [(n, f"{n} — {label}") for n, label in ANCHORS.items()]


class TopicForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Topic", max_length=200)
    goal = forms.CharField(
        label="Goal (optional)", required=False, max_length=300,
        help_text="What would make this topic a success?",
    )  # fmt: skip
    minutes = forms.IntegerField(
        label="Time box in minutes (optional)", required=False, min_value=1, max_value=240
    )


class DetailsForm(AccessibleFormMixin, forms.Form):
    questions = forms.CharField(
        label="Questions", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}), help_text="One question per line.",
    )  # fmt: skip
    links = forms.CharField(
        label="Links", required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}), help_text="One web address per line.",
    )  # fmt: skip
    base_version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    # The texts at base_version, so a save from an older version can be merged.
    base_questions = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"hidden": True})
    )
    base_links = forms.CharField(
        required=False, strip=False, widget=forms.Textarea(attrs={"hidden": True})
    )


class TemplateForm(forms.Form):
    template = forms.ChoiceField(label="Start from a template")

    def __init__(self, *args, templates=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["template"].choices = [(t.slug, t.name) for t in templates]


class ActionItemForm(AccessibleFormMixin, forms.Form):
    title = forms.CharField(label="Action item", max_length=300)
    owner = forms.TypedChoiceField(label="Owner", coerce=int)
    due_date = forms.DateField(
        label="Due date (optional)", required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip

    def __init__(self, *args, owners=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = list(owners)


class TraitFeedbackForm(AccessibleFormMixin, forms.Form):
    useful = forms.TypedChoiceField(
        label="Was this session useful?",
        choices=[("yes", "Yes"), ("no", "No")],
        coerce=lambda v: v == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label="Comment (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )  # fmt: skip
    share_comment = forms.BooleanField(
        label="Share this comment with my mentor", required=False,
        help_text="Off by default. Your ratings are never shown individually.",
    )  # fmt: skip

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        # Traits first, in the order of the brief.
        traits = {
            key: forms.TypedChoiceField(
                label=label,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                help_text=TRAIT_HELP[key],
            )
            for key, label in TRAITS
        }
        self.fields = {**traits, **self.fields}

    def trait_fields(self) -> list:  # type: ignore[type-arg]
        return [self[key] for key, _ in TRAITS]


class MenteeFeedbackForm(AccessibleFormMixin, forms.Form):
    progress = forms.CharField(
        label="Progress you saw", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    strengths = forms.CharField(
        label="Strengths", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
    next_steps = forms.CharField(
        label="Suggested next steps", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )  # fmt: skip
