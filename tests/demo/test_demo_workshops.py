"""Demo workshops: a past one with attendance, notes and feedback, an upcoming one with a
waitlist; seeding twice changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from mentorloom.communities.models import Community
from mentorloom.workshops import selectors
from mentorloom.workshops.models import RegistrationStatus, Workshop

pytestmark = pytest.mark.django_db


def test_seed_demo_adds_a_past_and_an_upcoming_workshop_idempotently(settings):
    settings.MENTORLOOM_JANUS_URL = []
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    past = Workshop.objects.get(title="Learning from setbacks")
    upcoming = Workshop.objects.get(title="Telling your career story")
    assert Workshop.objects.count() == 4
    assert selectors.feedback_summary(past)["count"] == 6
    assert len(selectors.attendance_summary(past)) == 7
    assert all(r.note for r in selectors.breakout_rooms(past))
    statuses = list(upcoming.registrations.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.REGISTERED) == 4
    assert statuses.count(RegistrationStatus.WAITLISTED) == 1


def test_seed_demo_gives_the_first_demo_community_an_upcoming_workshop(settings):
    settings.MENTORLOOM_JANUS_URL = []
    call_command("seed_demo", stdout=None)
    call_command("seed_demo", stdout=None)
    community = Community.objects.get(slug="design-crit")
    event = Workshop.objects.get(community=community)
    assert event.title == "Live portfolio crit" and not event.is_public
    assert event.starts_at > timezone.now()
    owner = community.memberships.get(role="owner").user
    assert event.facilitator == owner
    page = Client()
    page.force_login(owner)
    html = page.get(f"/communities/{community.slug}/").content.decode()
    assert "Upcoming events" in html and "Live portfolio crit" in html
    # An old demo database whose event has ended gets it moved forward.
    Workshop.objects.filter(pk=event.pk).update(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-1),
    )
    call_command("seed_demo", stdout=None)
    assert Workshop.objects.get(community=community).starts_at > timezone.now()


def test_seed_demo_has_a_workshop_on_now_whose_room_opens(settings):
    # Every feature shows on the first run: the live room too (Aiko facilitates, Lucas joins).
    settings.MENTORLOOM_JANUS_URL = []
    call_command("seed_demo", stdout=None)
    live = Workshop.objects.get(title="Drop-in: ask a mentor anything")
    assert live.starts_at <= timezone.now() < live.ends_at
    assert live.zone == "Asia/Tokyo"
    lucas = live.registrations.get(user__email="lucas.oliveira@demo.mentorloom.org")
    assert lucas.status == RegistrationStatus.REGISTERED
    page = Client()
    page.force_login(lucas.user)
    assert page.get(f"/workshops/{live.pk}/live/").status_code == 200
    # A demo started days later moves it to its own now instead of showing it ended.
    Workshop.objects.filter(pk=live.pk).update(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2, hours=-4),
    )
    call_command("seed_demo", stdout=None)
    moved = Workshop.objects.get(pk=live.pk)
    assert moved.starts_at <= timezone.now() < moved.ends_at
    assert Workshop.objects.filter(title=live.title).count() == 1
