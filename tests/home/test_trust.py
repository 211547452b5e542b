"""Trust signals on a mentor's public profile (issue 26): sessions held, mentees helped,
typical response time, member since, and a generated avatar when there is no photo."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from mentorloom.home.selectors import MentorTrust, mentor_trust
from mentorloom.mentorships.models import Mentorship, MentorshipRequest
from mentorloom.mentorships.selectors import mentees_helped
from mentorloom.profiles.avatars import PALETTE, colour_for
from mentorloom.scheduling.models import Session, SessionStatus
from mentorloom.scheduling.selectors import sessions_held
from tests.factories import MentorProfileFactory, ProfileFactory

pytestmark = pytest.mark.django_db


def _session(mentorship, days_ago: int, status: str) -> Session:
    starts = timezone.now() - timedelta(days=days_ago)
    return Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=45),
        zone="Europe/Berlin",
        status=status,
    )


def _answered_request(mentor, hours: float) -> None:
    created = timezone.now() - timedelta(days=3)
    MentorshipRequest.objects.create(
        mentee=ProfileFactory().user,
        mentor=mentor,
        message="I would love your guidance on moving from backend work into product work.",
        status="declined",
        created_at=created,
        first_response_at=created + timedelta(hours=hours),
        expires_at=created + timedelta(days=7),
    )


@pytest.fixture
def record():
    """A mentor with three mentees: two sessions held, one cancelled, one no-show, one upcoming
    with the first; one held with the second (an ended mentorship); none with the third."""
    mentor = MentorProfileFactory(display_name="Aiko Tanaka", capacity=5)
    first, second, third = (ProfileFactory().user for _ in range(3))
    running = Mentorship.objects.create(mentor=mentor.user, mentee=first)
    ended = Mentorship.objects.create(mentor=mentor.user, mentee=second, status="ended")
    Mentorship.objects.create(mentor=mentor.user, mentee=third)
    _session(running, 30, SessionStatus.COMPLETED)
    _session(running, 20, SessionStatus.COMPLETED)
    _session(running, 10, SessionStatus.CANCELLED)
    _session(running, 5, SessionStatus.NO_SHOW)
    _session(running, -3, SessionStatus.BOOKED)
    _session(ended, 60, SessionStatus.COMPLETED)
    # A second, later mentorship with the same mentee is still one mentee helped.
    Mentorship.objects.create(mentor=second, mentee=mentor.user)  # they mentored Aiko: not hers
    again = Mentorship.objects.create(mentor=mentor.user, mentee=second, status="ended")
    _session(again, 40, SessionStatus.COMPLETED)
    for hours in (2, 5, 30):
        _answered_request(mentor.user, hours)
    return mentor


def test_only_completed_sessions_as_mentor_count_as_held(record):
    # 2 + 1 + 1 completed; the cancelled, no-show and upcoming ones do not count.
    assert sessions_held([record.user_id]) == {record.user_id: 4}
    assert sessions_held([]) == {}


def test_mentees_helped_counts_each_mentee_once_and_only_as_mentor(record):
    assert mentees_helped([record.user_id]) == {record.user_id: 3}
    newcomer = MentorProfileFactory()
    assert mentees_helped([newcomer.user_id]) == {}


def test_mentor_trust_combines_the_record_with_the_ranking_response_time(record):
    trust = mentor_trust(record)
    assert (trust.sessions_held, trust.mentees_helped) == (4, 3)
    assert trust.response_hours == pytest.approx(5.0)  # the median of 2, 5 and 30 h
    assert trust.response_label == "within 5 h"
    assert trust.member_since == record.user.date_joined


@pytest.mark.parametrize(
    ("hours", "label"),
    [(0.2, "within an hour"), (1.0, "within an hour"), (4.1, "within 5 h"), (47, "within 47 h"),
     (50, "within 3 days"), (None, None)],
)  # fmt: skip
def test_response_labels_round_up(hours, label):
    trust = MentorTrust(0, 0, datetime(2024, 3, 1, tzinfo=UTC), hours)
    assert trust.response_label == label


def test_the_public_profile_shows_the_track_record(client, record):
    record.user.date_joined = datetime(2024, 3, 15, tzinfo=UTC)
    record.user.save()
    client.force_login(ProfileFactory().user)
    html = client.get(f"/people/{record.user_id}/").content.decode()
    stats = re.search(r'<ul class="trust-stats".*?</ul>', html, re.S).group(0)
    text = " ".join(re.sub(r"<[^>]+>", " ", stats).split())
    assert "4 sessions held" in text
    assert "3 mentees helped" in text
    assert "Typically responds within 5 h" in text
    assert "Member since March 2024" in text


def test_a_new_mentor_says_so_instead_of_zeros(client, db):
    mentor = MentorProfileFactory()
    client.force_login(ProfileFactory().user)
    html = client.get(f"/people/{mentor.user_id}/").content.decode()
    assert "New mentor: no sessions yet" in html
    assert "0 sessions held" not in html and "Typically responds" not in html


def test_a_mentee_profile_has_no_track_record(client, db):
    mentee = ProfileFactory()
    client.force_login(ProfileFactory().user)
    html = client.get(f"/people/{mentee.user_id}/").content.decode()
    assert 'class="trust-stats"' not in html and "Member since" in html


def test_without_a_photo_the_avatar_is_generated_from_initials_and_a_stable_colour(client, db):
    mentor = MentorProfileFactory(display_name="Aiko Tanaka")
    client.force_login(ProfileFactory().user)
    html = client.get(f"/people/{mentor.user_id}/").content.decode()
    svg = re.search(r'<svg class="avatar avatar--generated avatar--lg".*?</svg>', html, re.S)
    assert svg, "no generated avatar on the profile"
    assert f'fill="{colour_for(mentor.user_id)}"' in svg.group(0)
    assert ">AT</text>" in svg.group(0) and 'aria-hidden="true"' in svg.group(0)


def test_avatar_colours_are_stable_and_spread_over_the_palette():
    assert colour_for(42) == colour_for(42)
    assert colour_for(42) in PALETTE
    assert len({colour_for(i) for i in range(1, 200)}) == len(PALETTE)
