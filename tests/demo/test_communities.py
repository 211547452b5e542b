"""Demo communities: lively, spread over weeks and zones, each with a weekly prompt; idempotent."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone

from mentorloom.communities.models import Community, Membership, Story, WeeklyPrompt
from mentorloom.messaging.models import Message

pytestmark = pytest.mark.django_db


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_demo_communities_are_lively_and_seeding_twice_adds_nothing():
    out = seed()
    communities = Community.objects.all()
    assert 6 <= communities.count() <= 8
    assert f"{communities.count()} communities" in out
    posts = Message.objects.filter(conversation__channel__isnull=False).count()
    for community in communities:
        assert community.channels.count() >= 3
        assert WeeklyPrompt.objects.filter(community=community, active=True).count() == 1
        zones = Membership.objects.filter(community=community).values("user__profile__time_zone")
        assert zones.distinct().count() >= 4
        threads = Message.objects.filter(
            conversation__channel__community=community, parent__isnull=True
        )
        assert threads.exists()
    oldest = Message.objects.filter(conversation__channel__isnull=False).order_by("created_at")
    assert timezone.now() - oldest.first().created_at > timedelta(days=14)
    assert Message.objects.filter(parent__isnull=False).exists()
    assert {c.visibility for c in communities} >= {"open", "approval", "invite"}
    # Stories by demo mentors, discussed in their threads, in open and private communities.
    stories = Story.objects.select_related("author__profile", "community", "message")
    assert 2 <= stories.count() <= 4
    assert all(s.author.profile.is_mentor and s.message.replies.exists() for s in stories)
    assert {s.community.visibility for s in stories} >= {"open", "approval"}
    seed()
    assert Community.objects.count() == communities.count()
    assert Message.objects.filter(conversation__channel__isnull=False).count() == posts
    assert Story.objects.count() == stories.count()
