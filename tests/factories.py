"""factory-boy factories shared by the test suites."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from mentorloom.profiles.models import Profile

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    email = factory.Sequence(lambda n: f"person{n}@example.org")
    # Verified by default: acting towards other people needs it (accounts.access.require_verified).
    # Pass email_verified_at=None for a fresh, unverified sign-up.
    email_verified_at = factory.LazyFunction(timezone.now)

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        password = kwargs.pop("password", DEFAULT_PASSWORD)
        return model_class.objects.create_user(*args, password=password, **kwargs)


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    display_name = factory.Faker("name")
    headline = "Engineer who likes helping"
    time_zone = "Europe/Berlin"
    work_days = [1, 2, 3, 4, 5]


# --- discovery ------------------------------------------------------------------------------


class DiscoveryMentorFactory(ProfileFactory):
    """A mentor accepting requests. Tag fields take lists of names:
    DiscoveryMentorFactory(skills=["Python"], topics=["Career switch"])."""

    is_mentor = True
    capacity = 3
    accepting_requests = True

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        from mentorloom.profiles.models import TAG_MODELS, tag_key

        tags = {name: kwargs.pop(name) for name in list(kwargs) if name in TAG_MODELS}
        profile = super()._create(model_class, *args, **kwargs)
        for field, names in tags.items():
            model = TAG_MODELS[field]
            objs = [
                model.objects.get_or_create(key=tag_key(n), defaults={"name": n})[0] for n in names
            ]
            getattr(profile, field).set(objs)
        return profile


class DiscoveryMentorshipFactory(factory.django.DjangoModelFactory):
    """An active mentorship; pass mentor=<user>."""

    class Meta:
        model = "mentorships.Mentorship"

    mentor = factory.SubFactory(UserFactory)
    mentee = factory.SubFactory(UserFactory)


# --- mentorships (Requests issue) -------------------------------------------------------------


class MentorProfileFactory(ProfileFactory):
    is_mentor = True
    capacity = 2
    accepting_requests = True


class MentorshipRequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mentorships.MentorshipRequest"

    mentee = factory.LazyFunction(lambda: ProfileFactory().user)
    mentor = factory.LazyFunction(lambda: MentorProfileFactory().user)
    message = "I would love your guidance on moving from backend work into product management."
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class MentorshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "mentorships.Mentorship"

    mentee = factory.LazyFunction(lambda: ProfileFactory().user)
    mentor = factory.LazyFunction(lambda: MentorProfileFactory().user)


# --- calls ---------------------------------------------------------------------------------


def call_pair() -> tuple[Any, Any, Any]:
    """(mentor, mentee, mentorship) for call tests: Aiko in Tokyo mentoring Lucas in São Paulo."""
    from mentorloom.mentorships.models import Mentorship

    mentor = ProfileFactory(display_name="Aiko Tanaka", time_zone="Asia/Tokyo").user
    mentee = ProfileFactory(display_name="Lucas Oliveira", time_zone="America/Sao_Paulo").user
    return mentor, mentee, Mentorship.objects.create(mentor=mentor, mentee=mentee)


# --- scheduling ------------------------------------------------------------------------------


class SchedulingMentorshipFactory(factory.django.DjangoModelFactory):
    """An active mentorship: a mentor in Berlin (profile default) and a mentee in Tokyo."""

    class Meta:
        model = "mentorships.Mentorship"

    mentor = factory.LazyFunction(lambda: ProfileFactory(is_mentor=True).user)
    mentee = factory.LazyFunction(lambda: ProfileFactory(time_zone="Asia/Tokyo").user)
    status = "active"


# --- programs --------------------------------------------------------------------------------


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "programs.Organisation"

    name = factory.Sequence(lambda n: f"Organisation {n}")
    email_domains = ["example.org"]


class ProgramFactory(factory.django.DjangoModelFactory):
    """A private program; `ProgramFactory(admin=user)` also makes `user` its admin."""

    class Meta:
        model = "programs.Program"
        skip_postgeneration_save = True

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Program {n}")
    questions = [{"key": "track", "label": "Track", "kind": "single", "choices": ["web", "data"]}]

    @factory.post_generation
    def admin(self, create: bool, user: Any, **kwargs: Any) -> None:
        if create and user is not None:
            ProgramMembershipFactory(program=self, user=user, email=user.email, role="admin")


class ProgramMembershipFactory(factory.django.DjangoModelFactory):
    """A member with an account (pass user=None, email=... for an imported, not signed-up one)."""

    class Meta:
        model = "programs.ProgramMembership"

    program = factory.SubFactory(ProgramFactory)
    user = factory.LazyFunction(lambda: ProfileFactory().user)
    email = factory.LazyAttribute(lambda m: m.user.email if m.user else "someone@example.org")
    name = factory.LazyAttribute(lambda m: m.user.get_full_name() if m.user else "")
    role = "mentee"
    zone = "Europe/Berlin"
    languages = ["en"]
    # A member with an account has joined (pass joined_at=None for one only added so far).
    joined_at = factory.LazyAttribute(lambda m: timezone.now() if m.user else None)


def workshop_soon(*names: str) -> tuple[Any, list[Any], Any]:
    """Fay Facilitator's workshop "Stories of setbacks" (10 places) starting in five minutes,
    so its room is open already (from 10 minutes before), with one person registered per name:
    (facilitator, people, workshop). Calls services, so from a browser test run it in_thread."""
    from mentorloom.workshops import services

    facilitator = ProfileFactory(display_name="Fay Facilitator").user
    people = [ProfileFactory(display_name=name).user for name in names]
    start = timezone.now() + timedelta(minutes=5)
    workshop = services.create_workshop(
        facilitator,
        title="Stories of setbacks",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=10,
    )
    for person in people:
        services.register(person, workshop)
    return facilitator, people, workshop


def client_for(user) -> Client:  # type: ignore[no-untyped-def]
    """A Django test client signed in as `user`."""
    client = Client()
    client.force_login(user)
    return client
