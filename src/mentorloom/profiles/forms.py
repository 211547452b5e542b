"""The profile edit form: parses HTML input; the rules themselves live in services."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django import forms

from mentorloom.core.errors import DomainError, InvalidInput

from . import services
from .countries import COUNTRY_CHOICES
from .hours import WEEKDAY_NAMES
from .models import SESSION_LENGTH_CHOICES, TAG_MODELS, Profile, Visibility
from .selectors import all_tag_names


def timezone_choices() -> list[tuple[str, Any]]:
    """All IANA zones grouped by region ("Europe", "America", ...) for an <optgroup> select."""
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for name in sorted(services.timezone_names()):
        region = name.split("/", 1)[0] if "/" in name else "Other"
        groups[region].append((name, name.replace("_", " ")))
    return [("", "Choose your time zone"), *sorted(groups.items())]


TAG_LABELS = {
    "languages": ("Languages you speak", "Separate with commas, e.g. English, Japanese."),
    "skills": ("Skills", "Separate with commas, e.g. Python, product strategy."),
    "industries": ("Industries", "Separate with commas, e.g. Fintech, Healthcare."),
    "career_goals": ("Career goals", "What you are working towards, separated by commas."),
    "interests": ("Interests", "Topics you would like to learn about, separated by commas."),
    "topics": ("Topics you help with", "e.g. Career switch, System design interviews."),
}


class TagsField(forms.CharField):
    """Comma-separated tag names as a text input; cleaned to a list of names."""

    def __init__(self, kind: str, **kwargs: Any) -> None:
        label, help_text = TAG_LABELS[kind]
        super().__init__(
            label=label,
            help_text=help_text,
            required=False,
            widget=forms.TextInput(attrs={"data-tag-kind": kind, "autocomplete": "off"}),
            **kwargs,
        )

    def to_python(self, value: Any) -> list[str]:  # type: ignore[override]
        text = super().to_python(value)
        if len(text) > 2000:  # 20 tags of 60 characters fit easily; more is not a tag list
            raise forms.ValidationError("This list is too long.")
        return services.split_tags(text)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return ", ".join(value)
        return value


class ProfileForm(forms.Form):
    # About you
    display_name = forms.CharField(label="Name", max_length=80, required=False)
    pronouns = forms.CharField(
        label="Pronouns", max_length=30, required=False, help_text="Optional, e.g. she/her."
    )
    headline = forms.CharField(
        label="Headline",
        max_length=140,
        required=False,
        help_text="One line people see in search results, e.g. “Data engineer moving into ML”.",
    )
    bio = forms.CharField(
        label="About you",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown is supported: **bold**, *italic*, lists and links.",
    )
    country = forms.ChoiceField(
        label="Country", required=False, choices=[("", "Prefer not to say"), *COUNTRY_CHOICES]
    )
    links = forms.CharField(
        label="Links",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Up to 5 web addresses (https://…), one per line.",
    )
    # Photo (the file itself is checked by services.process_photo in clean_photo)
    photo = forms.FileField(
        label="Upload a new photo",
        required=False,
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text="JPEG, PNG or WebP, up to 5 MB. We crop it to a square.",
    )
    # Time and working hours
    time_zone = forms.ChoiceField(
        label="Time zone",
        required=False,
        widget=forms.Select(attrs={"data-detect-timezone": "tz-note"}),
        help_text="Every time on Mentorloom is shown to you in this zone.",
    )
    work_start = forms.TimeField(
        label="Working hours start", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    work_end = forms.TimeField(
        label="Working hours end",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="An end earlier than the start means you work overnight.",
    )
    work_days = forms.TypedMultipleChoiceField(
        label="Working days",
        required=False,
        coerce=int,
        choices=[(i + 1, name) for i, name in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
    )
    # Background
    languages = TagsField("languages")
    skills = TagsField("skills")
    industries = TagsField("industries")
    # Mentee side
    career_goals = TagsField("career_goals")
    interests = TagsField("interests")
    help_with = forms.CharField(
        label="What would you like help with?",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="In your own words, up to 1,000 characters. Only you and the recommender see it.",
    )
    meets_outside_hours = forms.BooleanField(
        label="I can meet outside my working hours",
        required=False,
        help_text="Mentors whose working hours never overlap with yours are then no obstacle.",
    )
    # Mentor side
    is_mentor = forms.BooleanField(label="I want to mentor", required=False)
    expertise = forms.CharField(
        label="Expertise",
        max_length=200,
        required=False,
        help_text="In a sentence, what you know best.",
    )
    years_experience = forms.IntegerField(
        label="Years of experience", required=False, min_value=0, max_value=70
    )
    topics = TagsField("topics")
    session_lengths = forms.TypedMultipleChoiceField(
        label="Session lengths you offer",
        required=False,
        coerce=int,
        choices=[(n, f"{n} min") for n in SESSION_LENGTH_CHOICES],
        widget=forms.CheckboxSelectMultiple,
    )
    capacity = forms.IntegerField(
        label="Capacity",
        min_value=1,
        max_value=50,
        help_text="The most mentees you want at the same time.",
    )
    accepting_requests = forms.BooleanField(label="Accepting new requests", required=False)
    paused_until = forms.DateField(
        label="Paused until",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="While paused, nobody can send you new requests. Leave empty if not paused.",
    )
    # Visibility
    visibility = forms.ChoiceField(
        label="Who can see your profile",
        choices=Visibility.choices,
        widget=forms.RadioSelect,
    )

    SECTIONS: dict[str, list[str]] = {
        "about": ["display_name", "pronouns", "headline", "bio", "country", "links"],
        "time": ["time_zone", "work_start", "work_end", "work_days"],
        "background": ["languages", "skills", "industries"],
        "mentee": ["help_with", "career_goals", "interests", "meets_outside_hours"],
        "mentor": [
            "is_mentor",
            "expertise",
            "years_experience",
            "topics",
            "session_lengths",
            "capacity",
            "accepting_requests",
            "paused_until",
        ],
    }

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = timezone_choices()
        self.user = user  # whose photo limit an upload counts against
        self.processed_photo: bytes | None = None
        # The HTTP status of a refused photo when it is not a plain form error (429, 503).
        self.photo_status: int | None = None

    @classmethod
    def initial_for(cls, profile: Profile) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(profile, name)
            for name in services.EDITABLE_FIELDS
            if name not in TAG_MODELS and name != "links"
        }
        initial["links"] = "\n".join(profile.links or [])
        initial.update(all_tag_names(profile))
        return initial

    def clean_links(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]

    def clean_photo(self) -> Any:
        upload = self.cleaned_data.get("photo")
        if upload:
            try:
                self.processed_photo = services.process_photo(upload, user=self.user)
            except DomainError as exc:
                if not isinstance(exc, InvalidInput):
                    self.photo_status = exc.status
                raise forms.ValidationError(exc.fields.get("photo", [exc.message])) from exc
        return upload

    def profile_changes(self) -> dict[str, Any]:
        """Cleaned data in the shape services.update_profile takes."""
        return {k: v for k, v in self.cleaned_data.items() if k in services.EDITABLE_FIELDS}

    def add_service_errors(self, exc: InvalidInput) -> None:
        for field, messages in exc.fields.items():
            self.add_error(field if field in self.fields else None, messages)

    def set_aria(self) -> None:
        """Point each control at its help text and error message for screen readers."""
        for name, field in self.fields.items():
            ids = []
            if field.help_text:
                ids.append(f"id_{name}_helptext")
            if self.is_bound and name in self.errors:
                ids.append(f"id_{name}_error")
                field.widget.attrs["aria-invalid"] = "true"
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)
