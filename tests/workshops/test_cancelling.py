"""Calling a workshop off (services.cancel_workshop): by its facilitator or a moderator of its
community, and by a ban of its facilitator from that community (a banned person used to go on
hosting the community's members in their own workshop)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.http import Http404
from django.utils import timezone

from mentorloom.communities import services as community_services
from mentorloom.communities.models import Role
from mentorloom.messaging.models import Participant
from mentorloom.notifications.models import Notification
from mentorloom.workshops import errors, selectors, services
from mentorloom.workshops.models import Attendance, MediaGrant, RoomAssignment, Workshop
from mentorloom.workshops.services.cancelling import BY_MODERATORS
from tests.communities.helpers import community_with
from tests.factories import client_for

from .conftest import person

pytestmark = pytest.mark.django_db


def test_the_facilitator_cancels_and_everyone_with_a_place_hears_it(
    workshop, facilitator, django_capture_on_commit_callbacks
):
    Workshop.objects.filter(pk=workshop.pk).update(capacity=1)
    ana, ben = person(), person()
    services.register(ana, workshop)
    services.register(ben, workshop)  # the waitlist
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        cancelled = services.cancel_workshop(facilitator, workshop, "  Moved to March, sorry!  ")

    assert cancelled.cancelled_at is not None
    assert cancelled.cancel_note == "Moved to March, sorry!"
    # Ana's calendar drops the event, with the note, unescaped; Ben had no place to lose.
    (to_ana,) = mail.outbox
    assert to_ana.to == [ana.email]
    assert to_ana.subject == "Workshop cancelled: Stories of setbacks"
    assert "Moved to March, sorry!" in to_ana.body and "&#x27;" not in to_ana.body
    assert "METHOD:CANCEL" in to_ana.attachments[0][1]
    # Both hear it in the app (no second e-mail), with the note.
    notes = Notification.objects.filter(kind="workshop.cancelled").order_by("user_id")
    assert [(n.user_id, n.body, n.url) for n in notes] == [
        (ana.pk, "Moved to March, sorry!", f"/workshops/{workshop.pk}/"),
        (ben.pk, "Moved to March, sorry!", f"/workshops/{workshop.pk}/"),
    ]
    # Nobody registers, joins or reaches a room any more; it is gone from the lists.
    with pytest.raises(errors.WorkshopCancelled):
        services.register(person(), workshop)
    with time_machine.travel(workshop.starts_at):
        with pytest.raises(errors.WorkshopCancelled):
            services.join(ana, workshop)
        with pytest.raises(errors.WorkshopCancelled):
            services.join(facilitator, workshop)
        with pytest.raises(Http404):
            selectors.get_room_for(facilitator, selectors.main_room(workshop).pk)
    assert not selectors.upcoming_workshops(ana).filter(pk=workshop.pk).exists()
    # Nobody gives up a place there (their calendar dropped it already), nobody is promoted
    # into one, and no reminder goes out.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(errors.WorkshopCancelled):
            services.cancel_registration(ana, workshop)
        services.send_due_reminders(now=workshop.starts_at - timedelta(minutes=30))
    assert selectors.registration_of(ben, workshop).status == "waitlisted"
    assert not mail.outbox
    # Calling it off again changes nothing and sends nothing.
    mail.outbox.clear()
    first = Workshop.objects.get(pk=workshop.pk).cancelled_at
    with django_capture_on_commit_callbacks(execute=True):
        services.cancel_workshop(facilitator, workshop, "Another note")
    assert Workshop.objects.get(pk=workshop.pk).cancelled_at == first
    assert Workshop.objects.get(pk=workshop.pk).cancel_note == "Moved to March, sorry!"
    assert not mail.outbox
    assert Notification.objects.filter(kind="workshop.cancelled").count() == 2


def test_only_the_facilitator_or_a_moderator_cancels_and_not_after_the_end(workshop, facilitator):
    ana = person()
    services.register(ana, workshop)
    with pytest.raises(errors.NotFacilitator):
        services.cancel_workshop(ana, workshop)
    with pytest.raises(errors.BadWorkshop) as too_long:
        services.cancel_workshop(facilitator, workshop, "x" * 301)
    assert "note" in too_long.value.fields
    with (
        time_machine.travel(workshop.ends_at + timedelta(minutes=1)),
        pytest.raises(errors.WorkshopOver),
    ):
        services.cancel_workshop(facilitator, workshop)
    assert Workshop.objects.get(pk=workshop.pk).cancelled_at is None

    community, owner, moderator, member, _general = community_with()
    start = timezone.now() + timedelta(days=2)
    theirs = services.create_workshop(
        moderator,
        title="Portfolio night",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=5,
        community=community,
    )
    with pytest.raises(errors.NotFacilitator):
        services.cancel_workshop(member, theirs)
    assert services.cancel_workshop(owner, theirs).cancelled_at is not None


def test_people_in_the_room_leave_it_when_it_is_called_off(
    workshop, facilitator, django_capture_on_commit_callbacks, monkeypatch
):
    from mentorloom.workshops.services import live

    ana = person()
    services.register(ana, workshop)
    sent: list[tuple[str, dict]] = []
    monkeypatch.setattr(live, "publish_all", lambda messages: sent.extend(messages))
    with time_machine.travel(workshop.starts_at + timedelta(minutes=5)):
        room = services.join(ana, workshop)
        services.join(facilitator, workshop)
        with django_capture_on_commit_callbacks(execute=True):
            services.cancel_workshop(facilitator, workshop)
    assert not Attendance.objects.filter(workshop=workshop, left_at__isnull=True).exists()
    # Out of the room's chat too, and told why.
    assert not Participant.objects.filter(conversation=room.conversation, user=ana).exists()
    told = [
        (group, message["event"])
        for group, message in sent
        if message.get("event", {}).get("type") == "workshop.removed"
    ]
    assert [(group, e["reason"]) for group, e in told] == [(f"user.{ana.pk}", "cancelled")]


def test_banning_a_facilitator_calls_off_their_workshops_during_the_ban(
    django_capture_on_commit_callbacks,
):
    community, owner, moderator, member, _general = community_with()

    def schedule(days: int, title: str) -> Workshop:
        start = timezone.now() + timedelta(days=days)
        return services.create_workshop(
            moderator,
            title=title,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            capacity=5,
            community=community,
        )

    soon, later = schedule(2, "Soon"), schedule(20, "Later")
    services.register(member, soon)
    # Moderators cannot be banned: the owner takes the role away first.
    target = community.memberships.get(user=moderator)
    community_services.set_role(owner, target, Role.MEMBER)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        community_services.ban_member(owner, target, minutes=7 * 24 * 60, reason="Harassment")

    soon.refresh_from_db()
    later.refresh_from_db()
    assert soon.cancelled_at is not None and soon.cancel_note == BY_MODERATORS
    assert later.cancelled_at is None  # it starts after the ban lifts
    to_member = [m for m in mail.outbox if m.to == [member.email]]
    assert len(to_member) == 1 and "METHOD:CANCEL" in to_member[0].attachments[0][1]
    assert BY_MODERATORS in to_member[0].body


def test_the_api_and_the_page_call_it_off(workshop, facilitator):
    ana = person()
    services.register(ana, workshop)
    url = f"/api/v1/workshops/{workshop.pk}/cancel"
    refused = client_for(ana).post(url, {"note": ""}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_facilitator"
    outsider = person()
    Workshop.objects.filter(pk=workshop.pk).update(is_public=False)
    assert client_for(outsider).post(url, {}, content_type="application/json").status_code == 404
    too_long = client_for(facilitator).post(
        url, {"note": "x" * 301}, content_type="application/json"
    )
    assert too_long.status_code == 422
    assert Workshop.objects.get(pk=workshop.pk).cancelled_at is None

    page = client_for(facilitator)
    detail = page.get(f"/workshops/{workshop.pk}/")
    assert b"Cancel the workshop for everyone" in detail.content
    assert (
        b"Cancel the workshop for everyone"
        not in client_for(ana).get(f"/workshops/{workshop.pk}/").content
    )
    done = page.post(f"/workshops/{workshop.pk}/call-off/", {"note": "Moved to March"})
    assert done.status_code == 302
    seen = client_for(ana).get(f"/workshops/{workshop.pk}/")
    assert b"This workshop was cancelled" in seen.content and b"Moved to March" in seen.content
    assert b"Cancel my registration" not in seen.content
    again = client_for(facilitator).post(url, {}, content_type="application/json")
    assert again.status_code == 200 and again.json()["cancel_note"] == "Moved to March"
    assert again.json()["cancelled_at"] is not None
    register = client_for(person()).post(f"/api/v1/workshops/{workshop.pk}/registration")
    assert register.status_code == 404  # private now, and cancelled anyway


def test_a_cancelled_workshop_moves_nobody_and_takes_no_more_writes(
    workshop, facilitator, django_capture_on_commit_callbacks
):
    """Called off during breakouts: the rooms close (no recall moves anyone later), nobody's
    token stays on a room, the facilitator's controls and everyone's hands, feedback and
    registration changes are refused, and the page's "where am I" answers 409."""
    ana, ben = person(), person()
    for p in (ana, ben):
        services.register(p, workshop)
    with time_machine.travel(workshop.starts_at + timedelta(minutes=5)):
        for p in (ana, ben, facilitator):
            services.join(p, workshop)
        services.create_breakouts(facilitator, workshop, 2)
        services.assign_automatically(facilitator, workshop)
        services.open_breakouts(facilitator, workshop, minutes=10)
        services.bring_everyone_back(facilitator, workshop)
        room = selectors.current_room_for(ana, workshop)
        MediaGrant.objects.create(workshop=workshop, user=ana, token="t-ana", feed_id=1, room=room)
        main = selectors.main_room(workshop)
        MediaGrant.objects.create(
            workshop=workshop, user=facilitator, token="t-fay", feed_id=2, room=main
        )
        Attendance.objects.filter(workshop=workshop, user=ana).update(left_at=timezone.now())
        with django_capture_on_commit_callbacks(execute=True):
            services.cancel_workshop(facilitator, workshop)
        workshop.refresh_from_db()
        assert (workshop.breakouts_opened_at, workshop.recall_at) == (None, None)
        assert not RoomAssignment.objects.filter(workshop=workshop).exists()
        assert not MediaGrant.objects.filter(workshop=workshop, room__isnull=False).exists()
        assert services.close_due_breakouts(now=timezone.now() + timedelta(minutes=2)) == 0
        with pytest.raises(errors.WorkshopCancelled):
            services.broadcast(facilitator, workshop, "Still here?")
        with pytest.raises(errors.WorkshopCancelled):
            services.create_breakouts(facilitator, workshop, 1)
        with pytest.raises(errors.WorkshopCancelled):
            services.raise_signal(ben, workshop, "hand")
        with pytest.raises(errors.WorkshopCancelled):
            services.cancel_registration(ben, workshop)
        where = client_for(ben).get(f"/api/v1/workshops/{workshop.pk}/room")
        assert where.status_code == 409
        assert where.json()["error"]["code"] == "workshop_cancelled"
    with (
        time_machine.travel(workshop.ends_at + timedelta(minutes=5)),
        pytest.raises(errors.WorkshopCancelled),
    ):
        services.submit_feedback(ben, workshop, 5)


def test_a_ban_goes_ahead_when_the_facilitators_workshop_ends_meanwhile(monkeypatch):
    from mentorloom.workshops.services import cancelling

    community, owner, moderator, _member, _general = community_with()
    start = timezone.now() + timedelta(days=1)
    services.create_workshop(
        moderator,
        title="Soon",
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=5,
        community=community,
    )
    target = community.memberships.get(user=moderator)
    community_services.set_role(owner, target, Role.MEMBER)

    def ended(workshop, note):  # type: ignore[no-untyped-def]
        raise errors.WorkshopOver()

    monkeypatch.setattr(cancelling, "_cancel", ended)
    community_services.ban_member(owner, target, minutes=60 * 48, reason="Spam")
    target.refresh_from_db()
    assert target.banned_until is not None
