"""The one-time tidy-up (`services.cancel_orphaned_registrations`, `manage.py
tidy_workshop_registrations`): places and waitlist spots kept in a community's upcoming
workshops by people who left it, or were banned from it, before leaving and a ban cancelled
them go as leaving or the ban would have sent them."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorloom.communities import services as community_services
from mentorloom.communities.models import Membership
from mentorloom.messaging.models import Participant
from mentorloom.workshops import selectors, services
from mentorloom.workshops.models import Registration, RegistrationStatus, RoomKind, Workshop
from mentorloom.workshops.services._common import INVITATION_TASK
from tests.communities.helpers import community_with

from .conftest import person

pytestmark = pytest.mark.django_db


def _schedule(moderator, community, *, days: int = 2, capacity: int = 10, title: str = "Crit"):  # type: ignore[no-untyped-def]
    start = timezone.now() + timedelta(days=days)
    return services.create_workshop(
        moderator,
        title=title,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        capacity=capacity,
        zone="UTC",
        community=community,
    )


def _members(community, *names: str) -> list:  # type: ignore[no-untyped-def]
    people = [person(display_name=name) for name in names]
    for p in people:
        community_services.join_community(p, community)
    return people


def _left_before_the_change(user, community) -> None:  # type: ignore[no-untyped-def]
    """Leaving as it was before it cancelled workshop places: the membership simply went."""
    Membership.objects.filter(community=community, user=user).delete()


def _banned_before_the_change(user, community, *, days: int | None = 7) -> None:  # type: ignore[no-untyped-def]
    until = timezone.now() + timedelta(days=days or 365 * 100)
    Membership.objects.filter(community=community, user=user).update(banned_until=until)


def _status(user, workshop: Workshop) -> str:  # type: ignore[no-untyped-def]
    return selectors.registration_of(user, workshop).status


def _tidy(django_capture_on_commit_callbacks) -> int:  # type: ignore[no-untyped-def]
    with django_capture_on_commit_callbacks(execute=True):
        return services.cancel_orphaned_registrations()


def test_a_place_kept_after_leaving_goes_and_the_head_of_the_waitlist_is_invited(
    database_tasks, django_capture_on_commit_callbacks
):
    community, _owner, moderator, _member, _ = community_with()
    ana, ben, cy = _members(community, "Ana", "Ben", "Cy")
    workshop = _schedule(moderator, community, capacity=1)
    for p in (ana, ben, cy):
        services.register(p, workshop)
    _left_before_the_change(ana, community)
    DBTaskResult.objects.all().delete()

    assert _tidy(django_capture_on_commit_callbacks) == 1

    assert [_status(p, workshop) for p in (ana, ben, cy)] == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
    ]
    queued = [
        r.args_kwargs["kwargs"] for r in DBTaskResult.objects.filter(task_path=INVITATION_TASK)
    ]
    assert sorted((q["to"][0], q["method"]) for q in queued) == sorted(
        [(ana.email, "CANCEL"), (ben.email, "REQUEST")]
    )
    assert "METHOD:CANCEL" in next(q["ics"] for q in queued if q["to"] == [ana.email])


def test_a_place_kept_by_a_banned_member_goes_until_the_ban_lifts(
    django_capture_on_commit_callbacks,
):
    community, _owner, moderator, _member, _ = community_with()
    (ana,) = _members(community, "Ana")
    soon = _schedule(moderator, community, days=2)
    after_the_ban = _schedule(moderator, community, days=30, title="Later crit")
    for w in (soon, after_the_ban):
        services.register(ana, w)
    _banned_before_the_change(ana, community, days=7)
    mail.outbox.clear()

    assert _tidy(django_capture_on_commit_callbacks) == 1

    assert _status(ana, soon) == RegistrationStatus.CANCELLED
    # As a ban does (cancel_for_community_ban): she is back in good standing by then.
    assert _status(ana, after_the_ban) == RegistrationStatus.REGISTERED
    to_ana = [m for m in mail.outbox if m.to == [ana.email] and m.attachments]
    assert len(to_ana) == 1 and "METHOD:CANCEL" in to_ana[0].attachments[0][1]


def test_a_ban_for_good_loses_every_upcoming_place(django_capture_on_commit_callbacks):
    community, _owner, moderator, _member, _ = community_with()
    (ana,) = _members(community, "Ana")
    workshops = [_schedule(moderator, community, days=d) for d in (2, 300)]
    for w in workshops:
        services.register(ana, w)
    _banned_before_the_change(ana, community, days=None)

    assert _tidy(django_capture_on_commit_callbacks) == 2
    assert {_status(ana, w) for w in workshops} == {RegistrationStatus.CANCELLED}


def test_members_in_good_standing_keep_their_places(django_capture_on_commit_callbacks):
    community, _owner, moderator, member, _ = community_with()
    (ana,) = _members(community, "Ana")
    workshop = _schedule(moderator, community)
    services.register(ana, workshop)
    services.register(member, workshop)
    # A ban that has lifted is good standing again.
    Membership.objects.filter(community=community, user=member).update(
        banned_until=timezone.now() - timedelta(minutes=1)
    )

    assert _tidy(django_capture_on_commit_callbacks) == 0
    assert _status(ana, workshop) == RegistrationStatus.REGISTERED
    assert _status(member, workshop) == RegistrationStatus.REGISTERED


def test_a_place_in_another_community_is_kept(django_capture_on_commit_callbacks):
    community, _owner, moderator, _member, _ = community_with()
    elsewhere, _o, other_moderator, *_ = community_with(name="Elsewhere")
    (ana,) = _members(community, "Ana")
    community_services.join_community(ana, elsewhere)
    here = _schedule(moderator, community)
    there = _schedule(other_moderator, elsewhere)
    for w in (here, there):
        services.register(ana, w)
    _left_before_the_change(ana, community)

    assert _tidy(django_capture_on_commit_callbacks) == 1
    assert _status(ana, here) == RegistrationStatus.CANCELLED
    assert _status(ana, there) == RegistrationStatus.REGISTERED


def test_a_workshop_that_is_over_is_left_alone(django_capture_on_commit_callbacks):
    community, _owner, moderator, _member, _ = community_with()
    (ana,) = _members(community, "Ana")
    workshop = _schedule(moderator, community)
    services.register(ana, workshop)
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=timezone.now() - timedelta(days=2),
        ends_at=timezone.now() - timedelta(days=2) + timedelta(hours=1),
    )
    _left_before_the_change(ana, community)

    assert _tidy(django_capture_on_commit_callbacks) == 0
    assert _status(ana, workshop) == RegistrationStatus.REGISTERED


def test_a_waitlisted_ex_member_is_never_promoted_on_the_way_out(
    django_capture_on_commit_callbacks,
):
    """Ana (place) and Cy (first in line) both left: Cy's spot goes before Ana's place, so the
    place goes to Ben and Cy is not e-mailed a place she loses at once."""
    community, _owner, moderator, _member, _ = community_with()
    ana, cy, ben = _members(community, "Ana", "Cy", "Ben")
    workshop = _schedule(moderator, community, capacity=1)
    for p in (ana, cy, ben):
        services.register(p, workshop)
    for p in (ana, cy):
        _left_before_the_change(p, community)
    mail.outbox.clear()

    assert _tidy(django_capture_on_commit_callbacks) == 2

    assert [_status(p, workshop) for p in (ana, cy, ben)] == [
        RegistrationStatus.CANCELLED,
        RegistrationStatus.CANCELLED,
        RegistrationStatus.REGISTERED,
    ]
    assert not [m for m in mail.outbox if m.to == [cy.email]]
    assert [m for m in mail.outbox if m.to == [ben.email]]


def test_the_facilitator_is_never_cancelled_from_their_own_workshop(
    django_capture_on_commit_callbacks,
):
    """`register` refuses the facilitator; a row written by other means (old data, the admin)
    still never cancels them out of their own workshop, neither here nor when they leave."""
    community, _owner, moderator, _member, _ = community_with()
    workshop = _schedule(moderator, community)
    own = Registration.objects.create(
        workshop=workshop, user=moderator, status=RegistrationStatus.REGISTERED
    )
    _left_before_the_change(moderator, community)

    assert selectors.orphaned_registrations() == []  # not even listed by the dry run
    assert _tidy(django_capture_on_commit_callbacks) == 0
    own.refresh_from_db()
    assert own.status == RegistrationStatus.REGISTERED
    assert services.cancel_for_community_leave(community.pk, moderator) == []
    own.refresh_from_db()
    assert own.status == RegistrationStatus.REGISTERED


def test_a_second_run_cancels_nothing(django_capture_on_commit_callbacks):
    community, _owner, moderator, _member, _ = community_with()
    ana, ben = _members(community, "Ana", "Ben")
    workshop = _schedule(moderator, community, capacity=1)
    for p in (ana, ben):
        services.register(p, workshop)
    _left_before_the_change(ana, community)
    _banned_before_the_change(ben, community)
    assert _tidy(django_capture_on_commit_callbacks) == 2
    mail.outbox.clear()

    assert _tidy(django_capture_on_commit_callbacks) == 0
    assert selectors.orphaned_registrations() == []
    assert mail.outbox == []


def test_the_dry_run_lists_what_it_would_cancel_and_changes_nothing(
    django_capture_on_commit_callbacks,
):
    community, _owner, moderator, _member, _ = community_with()
    ana, ben, cy = _members(community, "Ana", "Ben", "Cy")
    workshop = _schedule(moderator, community, capacity=1, title="Portfolio night")
    for p in (ana, ben, cy):
        services.register(p, workshop)
    _left_before_the_change(ana, community)
    _banned_before_the_change(ben, community)
    mail.outbox.clear()
    out = StringIO()

    with django_capture_on_commit_callbacks(execute=True):
        call_command("tidy_workshop_registrations", "--dry-run", stdout=out)

    printed = out.getvalue()
    assert f"<{ana.email}> (not a member)" in printed
    assert f"<{ben.email}> (banned until" in printed
    assert f'would cancel registered in workshop {workshop.pk} "Portfolio night"' in printed
    assert f'would cancel waitlisted in workshop {workshop.pk} "Portfolio night"' in printed
    assert "2 orphaned workshop registration(s) would be cancelled (dry run)" in printed
    assert [_status(p, workshop) for p in (ana, ben, cy)] == [
        RegistrationStatus.REGISTERED,
        RegistrationStatus.WAITLISTED,
        RegistrationStatus.WAITLISTED,
    ]
    assert mail.outbox == []

    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("tidy_workshop_registrations", stdout=out)
    assert "2 orphaned workshop registration(s) cancelled" in out.getvalue()
    assert _status(cy, workshop) == RegistrationStatus.REGISTERED


def _in_room_chat(workshop: Workshop, *people) -> None:  # type: ignore[no-untyped-def]
    for p in people:
        room = workshop.rooms.get(kind=RoomKind.MAIN)
        Participant.objects.get_or_create(conversation_id=room.conversation_id, user=p)


def _room_chat_people(workshop: Workshop) -> set[int]:
    return set(
        Participant.objects.filter(conversation__workshop_room__workshop=workshop).values_list(
            "user_id", flat=True
        )
    )


def test_people_who_left_or_were_banned_leave_its_room_chats_past_workshops_included(
    django_capture_on_commit_callbacks,
):
    """Before leaving and a ban took people out of a community's workshop room chats, they
    stayed in them (they could still read and write a breakout room's chat). The tidy-up takes
    them out as leaving or the ban would; members in good standing and the facilitator stay."""
    community, _owner, moderator, _member, _ = community_with()
    ana, ben, cy = _members(community, "Ana", "Ben", "Cy")
    workshop = _schedule(moderator, community)
    over = timezone.now() - timedelta(days=3)  # a past workshop: its chats stay readable
    Workshop.objects.filter(pk=workshop.pk).update(
        starts_at=over, ends_at=over + timedelta(hours=1)
    )
    _in_room_chat(workshop, ana, ben, cy, moderator)
    _left_before_the_change(ana, community)
    _banned_before_the_change(ben, community)
    out = StringIO()

    call_command("tidy_workshop_registrations", "--dry-run", stdout=out)
    printed = out.getvalue()
    assert f"user {ana.pk} (not a member): would leave its workshops' room chats" in printed
    assert f"user {ben.pk} (banned): would leave its workshops' room chats" in printed
    assert "2 person(s) would be taken out" in printed
    assert _room_chat_people(workshop) == {ana.pk, ben.pk, cy.pk, moderator.pk}

    with django_capture_on_commit_callbacks(execute=True):
        assert services.close_orphaned_room_chats() == 2
    assert _room_chat_people(workshop) == {cy.pk, moderator.pk}
    assert services.close_orphaned_room_chats() == 0
    assert selectors.room_chat_outsiders() == []
