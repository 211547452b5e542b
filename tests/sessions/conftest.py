"""A mentorship (mentor in Berlin, mentee in Tokyo) with sessions placed directly in time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.scheduling.models import Session
from tests.factories import SchedulingMentorshipFactory


def make_session(  # type: ignore[no-untyped-def]
    mentorship,
    *,
    days: float,
    minutes: int = 60,
    status: str = "booked",
    mentee_since_days: int | None = 60,
) -> Session:
    """A session starting `days` from now (negative = in the past). The mentee's account is
    backdated to `mentee_since_days` before it (None: left as created), so by default their
    rating makes up k (sessions.insights.counts_towards_k wants 30 days)."""
    starts = timezone.now().replace(microsecond=0) + timedelta(days=days)
    mentee = mentorship.mentee
    if mentee_since_days is not None and mentee.date_joined > starts - timedelta(
        days=mentee_since_days
    ):
        mentee.date_joined = starts - timedelta(days=mentee_since_days)
        mentee.save(update_fields=["date_joined"])
    return Session.objects.create(
        mentorship=mentorship,
        mentor=mentorship.mentor,
        mentee=mentorship.mentee,
        booked_by=mentorship.mentee,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=minutes),
        zone="Asia/Tokyo",
        status=status,
    )


def release(*, weeks_later: int = 1) -> int | None:
    """Run the weekly feedback release `weeks_later` weeks and a day from now (one run per
    week): ratings given before the call are final (past their 7-day edit window) by then."""
    from mentorloom.sessions.releases import release_feedback

    return release_feedback(timezone.now() + timedelta(weeks=weeks_later, days=1))


@pytest.fixture
def mentorship(db):
    return SchedulingMentorshipFactory()


@pytest.fixture
def past(mentorship):
    return make_session(mentorship, days=-2)


@pytest.fixture
def upcoming(mentorship):
    return make_session(mentorship, days=3)


@pytest.fixture
def outsider(db):
    from tests.factories import ProfileFactory

    return ProfileFactory().user


@pytest.fixture(autouse=True)
def _builtin_agenda_templates(agenda_templates):
    # Present in every real database (data migration); restored here after other tests'
    # flushes so these tests never depend on test order.
    return agenda_templates


def live_events_during(users, action, per_user: int = 1) -> dict[int, list[dict]]:  # type: ignore[no-untyped-def]
    """The live events (core.realtime.live) each of `users` receives while `action()` runs and
    commits. One event loop for the whole exchange: the Redis layer's channels live in the loop
    that made them."""
    from asgiref.sync import async_to_sync, sync_to_async
    from channels.layers import get_channel_layer
    from django.test import TestCase

    from mentorloom.core.realtime.live import user_group

    layer = get_channel_layer()

    def run() -> None:
        with TestCase.captureOnCommitCallbacks(execute=True):
            action()

    async def exchange() -> dict[int, list[dict]]:
        channels = {}
        for user in users:
            channels[user.pk] = await layer.new_channel()
            await layer.group_add(user_group(user.pk), channels[user.pk])
        await sync_to_async(run)()
        return {
            user_id: [(await layer.receive(channel))["event"] for _ in range(per_user)]
            for user_id, channel in channels.items()
        }

    return async_to_sync(exchange)()
