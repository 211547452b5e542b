"""Who makes up k in a feedback release: sock-puppet raters (a mentor's own extra accounts
rating with known values) and one mentee's many ratings must not let a mentor read the target
mentee's rating out of the released figures (docs/sessions.md, "Who makes up k")."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.test import Client

from mentorloom.mentorships.models import Mentorship
from mentorloom.scheduling.models import SessionStatus
from mentorloom.sessions import insights, services
from mentorloom.sessions.models import FeedbackBatch, TraitFeedback
from mentorloom.sessions.releases import release_feedback
from tests.factories import ProfileFactory, SchedulingMentorshipFactory, UserFactory

from .conftest import make_session

pytestmark = pytest.mark.django_db
MONDAY = datetime(2026, 3, 23, 9, 0, tzinfo=UTC)
_offsets = itertools.count()


@pytest.fixture(autouse=True)
def _k(settings):
    settings.MENTORLOOM_FEEDBACK_K = 3


@pytest.fixture
def mentor(db):
    return ProfileFactory(user__email="me@mentor.example", is_mentor=True).user


def rate(mentor, mentee, when, values, *, since_days=60, status="booked"):  # type: ignore[no-untyped-def]
    """`mentee` books one session with `mentor` (accepted), it ends an hour before `when`, and
    they rate it; `since_days`: how long before the session their account was made (None:
    made at `when`, a fresh sign-up)."""
    with time_machine.travel(when, tick=False):
        mentorship = Mentorship.objects.filter(
            mentor=mentor, mentee=mentee
        ).first() or SchedulingMentorshipFactory(mentor=mentor, mentee=mentee)
        days = -0.1 - next(_offsets) / 1440  # a minute apart: one mentor, one start each
        session = make_session(mentorship, days=days, mentee_since_days=since_days)
        if status != "booked":
            session.status = status
            session.no_show_user = mentee
            session.save(update_fields=["status", "no_show_user"])
        return services.give_trait_feedback(
            session, mentee, ratings=dict(zip(insights.TRAIT_KEYS, values, strict=True)),
            useful=True, comment="You never listen." if values[0] == 1 else "",
            share_comment=values[0] == 1,
        )  # fmt: skip


def puppet(email: str):  # type: ignore[no-untyped-def]
    return ProfileFactory(user__email=email).user


def summary_at(mentor, when):  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        client = Client()
        client.force_login(mentor)
        return client.get("/api/v1/me/feedback-summary?period=all").json()


def release_at(when):  # type: ignore[no-untyped-def]
    with time_machine.travel(when, tick=False):
        return release_feedback()


def sums(body) -> dict[str, float]:  # type: ignore[no-untyped-def]
    return {t: body["averages"][t] * body["ratings"] for t in insights.TRAIT_KEYS}


def test_a_mentors_plus_address_puppets_do_not_make_up_k_so_the_target_stays_hidden(mentor):
    target = ProfileFactory().user
    before = summary_at(mentor, MONDAY - timedelta(days=8))
    rate(mentor, target, MONDAY - timedelta(days=9), (1, 2, 1, 3, 2))
    # Old, verified accounts even: only the "+tag" gives them away.
    for n in (1, 2):
        rate(mentor, puppet(f"me+p{n}@mentor.example"), MONDAY - timedelta(days=9), (5,) * 5)

    assert release_at(MONDAY) == 0
    after = summary_at(mentor, MONDAY + timedelta(hours=1))
    assert not before["enough"] and not after["enough"]
    assert after["averages"] == {} and after["shared_comments"] == []
    assert not FeedbackBatch.objects.exists()
    assert TraitFeedback.objects.filter(batch=None).count() == 3  # waiting, not lost


def test_fresh_accounts_do_not_make_up_k_until_established_raters_do(mentor):
    target = ProfileFactory().user
    rate(mentor, target, MONDAY - timedelta(days=9), (1, 2, 1, 3, 2))
    known = [puppet(f"someone.else{n}@elsewhere.example") for n in (1, 2)]
    for p in known:  # signed up the day of their session: not established
        rate(mentor, p, MONDAY - timedelta(days=9), (5,) * 5, since_days=None)
    assert release_at(MONDAY) == 0

    # Two real mentees of standing rate the next week: now there are 3 established raters,
    # and the batch takes every waiting rating, the fresh accounts' included.
    for _ in range(2):
        rate(mentor, ProfileFactory().user, MONDAY + timedelta(days=1), (4,) * 5)
    assert release_at(MONDAY + timedelta(days=14)) == 1
    body = summary_at(mentor, MONDAY + timedelta(days=14, hours=1))
    assert body["enough"] and body["ratings"] == 5
    # The puppets' known values subtracted leave the target with two unknown mentees.
    rest = {t: s - 10 for t, s in sums(body).items()}
    assert rest != dict(zip(insights.TRAIT_KEYS, (1, 2, 1, 3, 2), strict=True))
    assert rest == {t: v + 8 for t, v in zip(insights.TRAIT_KEYS, (1, 2, 1, 3, 2), strict=True)}


def test_an_unverified_rater_or_a_no_show_does_not_make_up_k(mentor):
    rate(mentor, ProfileFactory().user, MONDAY - timedelta(days=9), (3,) * 5)
    rate(mentor, UserFactory(email_verified_at=None), MONDAY - timedelta(days=9), (3,) * 5)
    named_absent = ProfileFactory().user
    rate(mentor, named_absent, MONDAY - timedelta(days=9), (3,) * 5, status=SessionStatus.NO_SHOW)
    assert release_at(MONDAY) == 0


def test_one_mentee_never_holds_more_than_half_of_a_batch(mentor):
    heavy = ProfileFactory().user
    for day in range(8):
        rate(mentor, heavy, MONDAY - timedelta(days=20 - day), (1,) * 5)
    for _ in range(2):
        rate(mentor, ProfileFactory().user, MONDAY - timedelta(days=9), (5,) * 5)

    assert release_at(MONDAY) == 1
    batch = FeedbackBatch.objects.get()
    assert batch.ratings == 4  # the heavy mentee's 2 oldest and the other two
    assert TraitFeedback.objects.filter(batch=batch, mentee=heavy).count() == 2
    assert summary_at(mentor, MONDAY + timedelta(hours=1))["averages"]["empathy"] == 3.0
    # The other six wait (never lost) for more mentees to balance them.
    assert TraitFeedback.objects.filter(batch=None, mentee=heavy).count() == 6


def test_releasable_rules():
    def r(mentee, counts=True):  # type: ignore[no-untyped-def]
        traits = dict.fromkeys(insights.TRAIT_KEYS, 3)
        return insights.Rating(mentee, "2026-03", traits, True, counts)

    assert insights.releasable([r(1), r(2), r(3, counts=False)], 3) == []
    assert insights.releasable([r(1), r(2), r(None), r(3)], 3) == [0, 1, 2, 3]
    assert insights.releasable([r(1), r(1), r(1), r(2), r(3)], 3) == [0, 1, 3, 4]
    assert insights.linked_addresses("Me+p1@Mentor.example", "me@mentor.example")
    assert not insights.linked_addresses("me@other.example", "me@mentor.example")
