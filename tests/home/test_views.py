from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from mentorloom.profiles.models import Profile
from mentorloom.scheduling.models import Session
from tests.factories import ProfileFactory, SchedulingMentorshipFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def profile(db):
    return ProfileFactory(display_name="Aiko Tanaka", time_zone="Asia/Tokyo")


@pytest.fixture
def member_client(client, profile):
    client.force_login(profile.user)
    return client


def test_dashboard_requires_login(client):
    response = client.get(reverse("dashboard"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_dashboard_creates_a_profile_and_shows_checklist_and_empty_state(client):
    user = UserFactory()
    client.force_login(user)
    response = client.get(reverse("dashboard"))
    assert response.status_code == 200
    assert Profile.objects.filter(user=user).exists()
    html = response.content.decode()
    assert "No mentorships yet" in html
    assert "Set your time zone" in html
    # A new profile has only the default working days; every other item is still to do.
    assert 0 < response.context["percent"] < 25
    assert reverse("accounts:settings") in html  # unverified e-mail banner


def test_dashboard_progress_and_verified_email_hide_banner(member_client, profile):
    profile.user.email_verified_at = timezone.now()
    profile.user.save()
    response = member_client.get(reverse("dashboard"))
    html = response.content.decode()
    assert "Please confirm your e-mail" not in html
    assert "Good" in html and "Aiko Tanaka" in html
    items, percent = response.context["checklist"], response.context["percent"]
    assert 0 < percent < 100
    assert any(item.done for item in items)


def test_dashboard_lists_mentorships_and_next_sessions_from_the_other_domains(client):
    mentorship = SchedulingMentorshipFactory()
    mentorship.mentee.profile.display_name = "Lucas Oliveira"
    mentorship.mentee.profile.save()
    starts = timezone.now() + timedelta(days=2)
    session = Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=30),
        zone="Europe/Berlin",
    )
    client.force_login(mentorship.mentor)
    html = client.get(reverse("dashboard")).content.decode()
    assert reverse("mentorships:detail", args=[mentorship.pk]) in html
    assert "Lucas Oliveira" in html and "your mentee" in html
    assert "Next sessions" in html
    assert reverse("scheduling:session", args=[session.pk]) in html
