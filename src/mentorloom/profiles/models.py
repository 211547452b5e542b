"""Profiles: who a person is, when they work, what they seek and what they offer."""

from __future__ import annotations

import re
import uuid
from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

_SPACES = re.compile(r"\s+")


def clean_tag_name(name: str) -> str:
    """Display form of a tag: whitespace collapsed and trimmed, casing as first typed."""
    return _SPACES.sub(" ", name or "").strip()


def tag_key(name: str) -> str:
    """Identity of a tag: 'Machine  learning' and 'machine learning' are the same tag."""
    return clean_tag_name(name).casefold()


class Tag(models.Model):
    """Tag-like vocabulary entry with a normalised key so casing and spacing never duplicate."""

    name = models.CharField(max_length=60)
    key = models.CharField(max_length=60, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        # Normalisation is the tag's identity, not a side effect: keep key and name in step.
        self.name = clean_tag_name(self.name)
        self.key = tag_key(self.name)
        super().save(*args, **kwargs)


class Skill(Tag):
    pass


class Industry(Tag):
    class Meta(Tag.Meta):
        verbose_name_plural = "industries"


class Language(Tag):
    pass


class CareerGoal(Tag):
    pass


class Interest(Tag):
    pass


class Topic(Tag):
    """Something a mentor helps with ("career switch", "system design interviews")."""


TAG_MODELS: dict[str, type[Tag]] = {
    "skills": Skill,
    "industries": Industry,
    "languages": Language,
    "career_goals": CareerGoal,
    "interests": Interest,
    "topics": Topic,
}


def default_work_days() -> list[int]:
    return [1, 2, 3, 4, 5]


def _photo_path(instance: Profile, filename: str) -> str:
    return f"avatars/{uuid.uuid4().hex}.webp"


class Visibility(models.TextChoices):
    EVERYONE = "everyone", "Everyone, including people who are not signed in"
    MEMBERS = "members", "Signed-in members only"


SESSION_LENGTH_CHOICES = [15, 30, 45, 60, 90]
WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    display_name = models.CharField(max_length=80, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    headline = models.CharField(max_length=140, blank=True)
    bio = models.TextField(max_length=5000, blank=True)
    photo = models.ImageField(upload_to=_photo_path, blank=True)
    # IANA name, e.g. "America/Sao_Paulo"; validated against zoneinfo.available_timezones().
    time_zone = models.CharField(max_length=64, blank=True)
    # Working hours as local wall times in `time_zone`, on the listed ISO weekdays (1 = Monday).
    work_start = models.TimeField(default=time(9, 0))
    work_end = models.TimeField(default=time(17, 0))
    work_days = models.JSONField(default=default_work_days, blank=True)
    # "I can meet outside my working hours": the person accepts times outside work_start–end
    # (evenings, early mornings), so a 0 h overlap is no obstacle for them.
    meets_outside_hours = models.BooleanField(default=False)
    country = models.CharField(max_length=2, blank=True)
    links = models.JSONField(default=list, blank=True)
    visibility = models.CharField(
        max_length=10, choices=Visibility.choices, default=Visibility.MEMBERS
    )

    skills = models.ManyToManyField(Skill, blank=True, related_name="profiles")
    industries = models.ManyToManyField(Industry, blank=True, related_name="profiles")
    languages = models.ManyToManyField(Language, blank=True, related_name="profiles")

    # Mentee side
    career_goals = models.ManyToManyField(CareerGoal, blank=True, related_name="profiles")
    interests = models.ManyToManyField(Interest, blank=True, related_name="profiles")
    # The mentee's own words, read by the recommender (matching); private: only /me shows it.
    help_with = models.TextField("What would you like help with?", max_length=1000, blank=True)

    # Mentor side
    is_mentor = models.BooleanField(default=False)
    expertise = models.CharField(max_length=200, blank=True)
    years_experience = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(70)]
    )
    topics = models.ManyToManyField(Topic, blank=True, related_name="profiles")
    session_lengths = models.JSONField(default=list, blank=True)
    capacity = models.PositiveSmallIntegerField(
        default=3, validators=[MinValueValidator(1), MaxValueValidator(50)]
    )
    accepting_requests = models.BooleanField(default=True)
    paused_until = models.DateField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["is_mentor", "accepting_requests"])]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.user.email.split("@")[0]

    @property
    def initials(self) -> str:
        parts = [p for p in self.name.replace("-", " ").split() if p]
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @property
    def is_paused(self) -> bool:
        return self.paused_until is not None and self.paused_until > timezone.localdate()

    @property
    def is_complete(self) -> bool:
        return bool(self.display_name and self.time_zone and self.headline)
