from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from mentorloom.messaging.models import Participant
from mentorloom.safety.models import Block
from mentorloom.workshops import errors, selectors, services
from mentorloom.workshops.models import (
    Attendance,
    Feedback,
    RegistrationStatus,
    RoomAssignment,
    RoomKind,
)

from .conftest import person

pytestmark = pytest.mark.django_db(transaction=False)


def _registered(workshop, n):
    people = [person() for _ in range(n)]
    for p in people:
        services.register(p, workshop)
    return people


def test_register_sends_an_ics_invitation_and_fills_then_waitlists(
    workshop, django_capture_on_commit_callbacks
):
    workshop.capacity = 2
    workshop.save()
    with django_capture_on_commit_callbacks(execute=True):
        a, b, c = _registered(workshop, 3)
    statuses = [selectors.registration_of(p, workshop).status for p in (a, b, c)]
    assert statuses == ["registered", "registered", "waitlisted"]
    invites = [m for m in mail.outbox if m.attachments]
    assert len(invites) == 2
    assert "BEGIN:VCALENDAR" in invites[0].attachments[0][1]
    assert "METHOD:REQUEST" in invites[0].attachments[0][1]


def test_cancelling_promotes_the_head_of_the_waitlist(workshop, django_capture_on_commit_callbacks):
    workshop.capacity = 1
    workshop.save()
    a, b, c = _registered(workshop, 3)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        promoted = services.cancel_registration(a, workshop)
    assert promoted.user == b
    assert selectors.registration_of(b, workshop).status == RegistrationStatus.REGISTERED
    assert selectors.registration_of(c, workshop).status == RegistrationStatus.WAITLISTED
    assert any("place opened up" in m.subject.lower() for m in mail.outbox)


def test_only_registered_participants_join_and_only_from_ten_minutes_before(workshop):
    (alice,) = _registered(workshop, 1)
    outsider = person()
    with (
        time_machine.travel(workshop.starts_at - timedelta(minutes=11)),
        pytest.raises(errors.NotOpenYet),
    ):
        services.join(alice, workshop)
    with time_machine.travel(workshop.starts_at - timedelta(minutes=9)):
        assert services.join(alice, workshop).kind == RoomKind.MAIN
        with pytest.raises(errors.NotRegistered):
            services.join(outsider, workshop)
    with (
        time_machine.travel(workshop.ends_at + timedelta(seconds=1)),
        pytest.raises(errors.WorkshopOver),
    ):
        services.join(alice, workshop)


def test_locked_room_refuses_newcomers_but_not_the_facilitator(workshop, facilitator):
    alice, bob = _registered(workshop, 2)
    with time_machine.travel(workshop.starts_at):
        services.join(alice, workshop)
        services.set_locked(facilitator, workshop, True)
        with pytest.raises(errors.WorkshopLocked):
            services.join(bob, workshop)
        services.join(alice, workshop)  # already inside: a reconnect is fine
        services.join(facilitator, workshop)
        with pytest.raises(errors.NotFacilitator):
            services.set_locked(alice, workshop, False)


def test_breakouts_balance_and_keep_blocked_people_apart(workshop, facilitator):
    people = _registered(workshop, 4)
    Block.objects.create(blocker=people[0], blocked=people[1])
    Block.objects.create(blocker=people[2], blocked=people[3])
    with time_machine.travel(workshop.starts_at):
        for p in people:
            services.join(p, workshop)
        services.create_breakouts(facilitator, workshop, 2)
        plan = services.assign_automatically(facilitator, workshop)
    assert sorted(len(m) for m in plan.values()) == [2, 2]
    for members in plan.values():
        assert {people[0].pk, people[1].pk} - set(members)
        assert {people[2].pk, people[3].pk} - set(members)


def test_a_participant_reaches_only_the_room_they_are_assigned_to(workshop, facilitator):
    a, b, c, d = _registered(workshop, 4)
    with time_machine.travel(workshop.starts_at):
        for p in (a, b, c, d):
            services.join(p, workshop)
        rooms = services.create_breakouts(facilitator, workshop, 2)
        services.assign_by_hand(facilitator, workshop, a.pk, rooms[0].pk)
        services.assign_by_hand(facilitator, workshop, b.pk, rooms[0].pk)
        services.assign_by_hand(facilitator, workshop, c.pk, rooms[1].pk)
        services.assign_by_hand(facilitator, workshop, d.pk, rooms[1].pk)
        services.open_breakouts(facilitator, workshop, minutes=10, prompt="A setback")
        assert selectors.get_room_for(a, rooms[0].pk) == rooms[0]
        with pytest.raises(Http404):
            selectors.get_room_for(a, rooms[1].pk)
        with pytest.raises(Http404):
            selectors.get_room_for(a, selectors.main_room(workshop).pk)
        with pytest.raises(Http404):
            selectors.get_room_for(a, "forged")
        assert selectors.get_room_for(facilitator, rooms[1].pk) == rooms[1]  # visiting
        with pytest.raises(errors.NotFacilitator):
            services.assign_by_hand(a, workshop, a.pk, rooms[1].pk)
        with pytest.raises(errors.NotFacilitator):
            services.bring_everyone_back(a, workshop)


def test_hand_assignment_refuses_a_room_with_someone_blocked(workshop, facilitator):
    a, b = _registered(workshop, 2)
    Block.objects.create(blocker=b, blocked=a)
    rooms = services.create_breakouts(facilitator, workshop, 2)
    services.assign_by_hand(facilitator, workshop, a.pk, rooms[0].pk)
    with pytest.raises(errors.BlockedTogether):
        services.assign_by_hand(facilitator, workshop, b.pk, rooms[0].pk)


def test_late_joiner_is_placed_in_the_smallest_room(workshop, facilitator):
    a, b, c, late = _registered(workshop, 4)
    with time_machine.travel(workshop.starts_at):
        for p in (a, b, c):
            services.join(p, workshop)
        services.create_breakouts(facilitator, workshop, 2)
        services.assign_automatically(facilitator, workshop)
        services.open_breakouts(facilitator, workshop)
        room = services.join(late, workshop)
    assert room.kind == RoomKind.BREAKOUT
    sizes = sorted(
        RoomAssignment.objects.filter(room=r).count() for r in selectors.breakout_rooms(workshop)
    )
    assert sizes == [2, 2]
    assert Participant.objects.filter(conversation=room.conversation, user=late).exists()


def test_bring_everyone_back_counts_down_sixty_seconds(workshop, facilitator):
    a, b = _registered(workshop, 2)
    with time_machine.travel(workshop.starts_at, tick=False) as clock:
        for p in (a, b):
            services.join(p, workshop)
        services.create_breakouts(facilitator, workshop, 1)
        services.assign_automatically(facilitator, workshop)
        services.open_breakouts(facilitator, workshop, minutes=15)
        workshop.refresh_from_db()
        assert selectors.current_room_for(a, workshop).kind == RoomKind.BREAKOUT
        services.bring_everyone_back(facilitator, workshop)
        workshop.refresh_from_db()
        clock.shift(59)
        assert selectors.current_room_for(a, workshop).kind == RoomKind.BREAKOUT
        assert services.close_due_breakouts() == 0
        clock.shift(1)
        assert selectors.current_room_for(a, workshop).kind == RoomKind.MAIN
        assert services.close_due_breakouts() == 1
    workshop.refresh_from_db()
    assert workshop.breakouts_opened_at is None


def test_the_timer_closes_rooms_when_it_runs_out(workshop, facilitator):
    (a,) = _registered(workshop, 1)
    with time_machine.travel(workshop.starts_at, tick=False) as clock:
        services.join(a, workshop)
        services.create_breakouts(facilitator, workshop, 1)
        services.assign_automatically(facilitator, workshop)
        services.open_breakouts(facilitator, workshop, minutes=5)
        clock.shift(4 * 60)
        assert services.close_due_breakouts() == 0
        clock.shift(60)
        assert services.close_due_breakouts() == 1


def test_attendance_records_each_stay(workshop):
    (a,) = _registered(workshop, 1)
    with time_machine.travel(workshop.starts_at, tick=False) as clock:
        services.join(a, workshop)
        clock.shift(600)
        services.leave(a, workshop)
        clock.shift(60)
        services.join(a, workshop)
        clock.shift(300)
        services.leave(a, workshop)
    assert Attendance.objects.filter(workshop=workshop, user=a).count() == 2
    (entry,) = selectors.attendance_summary(workshop)
    assert entry["seconds"] == 900


def test_feedback_only_after_the_end_and_only_from_attendees(workshop):
    a, b = _registered(workshop, 2)
    with time_machine.travel(workshop.starts_at):
        services.join(a, workshop)
        with pytest.raises(errors.FeedbackNotOpen):
            services.submit_feedback(a, workshop, 5)
    with time_machine.travel(workshop.ends_at + timedelta(minutes=1)):
        services.submit_feedback(a, workshop, 4, "Lovely")
        with pytest.raises(errors.FeedbackNotOpen):
            services.submit_feedback(b, workshop, 5)
        with pytest.raises(errors.BadWorkshop):
            services.submit_feedback(a, workshop, 9)
    assert Feedback.objects.get(workshop=workshop, user=a).rating == 4


def test_feedback_closes_with_its_window_and_nothing_saved_is_lost(workshop, settings):
    settings.MENTORLOOM_WORKSHOP_FEEDBACK_DAYS = 2
    (a,) = _registered(workshop, 1)
    with time_machine.travel(workshop.starts_at):
        services.join(a, workshop)
    with time_machine.travel(workshop.ends_at + timedelta(days=2, seconds=-1)):
        services.submit_feedback(a, workshop, 3)
    with (
        time_machine.travel(workshop.ends_at + timedelta(days=2)),
        pytest.raises(errors.FeedbackClosed),
    ):
        services.submit_feedback(a, workshop, 5)
    assert Feedback.objects.get(workshop=workshop, user=a).rating == 3


def test_feedback_summary_is_withheld_until_the_window_closes_and_k_people_rated(
    workshop, settings
):
    settings.MENTORLOOM_FEEDBACK_K = 3
    people = _registered(workshop, 3)
    with time_machine.travel(workshop.starts_at):
        for p in people:
            services.join(p, workshop)
    closes = selectors.feedback_closes_at(workshop)
    assert closes == workshop.ends_at + timedelta(days=3)  # the default window
    with time_machine.travel(workshop.ends_at + timedelta(minutes=5)):
        services.submit_feedback(people[0], workshop, 2)
        open_ = selectors.feedback_summary(workshop)
    assert open_["withheld"] == "window_open" and open_["average"] is open_["count"] is None
    # One rating, window closed: still withheld, for ever (no more answers can come).
    one = selectors.feedback_summary(workshop, now=closes)
    assert one["withheld"] == "fewer_than_k" and one["average"] is one["count"] is None
    with time_machine.travel(workshop.ends_at + timedelta(days=1)):
        services.submit_feedback(people[1], workshop, 4)
        services.submit_feedback(people[2], workshop, 5)
        # Three ratings but the window is open: no before/after to compare.
        assert selectors.feedback_summary(workshop)["average"] is None
    shown = selectors.feedback_summary(workshop, now=closes)
    assert (shown["withheld"], shown["average"], shown["count"]) == (None, 3.67, 3)


def test_breakout_note_persists_for_members_only(workshop, facilitator):
    a, b = _registered(workshop, 2)
    rooms = services.create_breakouts(facilitator, workshop, 2)
    services.assign_by_hand(facilitator, workshop, a.pk, rooms[0].pk)
    services.save_note(a, rooms[0], "We all failed once")
    rooms[0].refresh_from_db()
    assert rooms[0].note == "We all failed once"
    with pytest.raises(errors.NotRegistered):
        services.save_note(b, rooms[0], "not mine")
    assert selectors.rooms_of_member(a, workshop) == [rooms[0]]


def test_removed_participant_loses_the_place_and_a_waiting_person_gets_it(workshop, facilitator):
    workshop.capacity = 1
    workshop.save()
    a, b = _registered(workshop, 2)
    services.remove_participant(facilitator, workshop, a.pk)
    assert selectors.registration_of(a, workshop).status == RegistrationStatus.REMOVED
    assert selectors.registration_of(b, workshop).status == RegistrationStatus.REGISTERED
    with pytest.raises(errors.NotRegistered):
        services.register(a, workshop)


def test_media_falls_back_to_mesh_without_janus(workshop, facilitator):
    room = selectors.main_room(workshop)
    media = services.media_for(facilitator, room)
    assert media["mode"] == "mesh" and media["video"] is True


def test_bad_workshop_input_is_a_field_error(facilitator):
    from django.utils import timezone

    now = timezone.now()
    with pytest.raises(errors.BadWorkshop) as caught:
        services.create_workshop(
            facilitator, title="", starts_at=now - timedelta(hours=1), ends_at=now, capacity=0
        )
    assert {"title", "starts_at", "capacity"} <= set(caught.value.fields)
    # A typo of a year (9999) would list it for everyone for ever; a day-long one is a typo too.
    far = now + timedelta(days=3 * 365)
    with pytest.raises(errors.BadWorkshop) as caught:
        services.create_workshop(
            facilitator, title="T", starts_at=far, ends_at=far + timedelta(hours=1), capacity=5
        )
    assert set(caught.value.fields) == {"starts_at"}
    soon = now + timedelta(days=1)
    with pytest.raises(errors.BadWorkshop) as caught:
        services.create_workshop(
            facilitator, title="T", starts_at=soon, ends_at=soon + timedelta(hours=13), capacity=5
        )
    assert set(caught.value.fields) == {"ends_at"}


def test_reminder_goes_once_to_registered_people_an_hour_before(
    workshop, django_capture_on_commit_callbacks
):
    a, b = _registered(workshop, 2)
    services.cancel_registration(b, workshop)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.send_due_reminders(now=workshop.starts_at - timedelta(hours=2)) == 0
        assert services.send_due_reminders(now=workshop.starts_at - timedelta(minutes=59)) == 1
        assert services.send_due_reminders(now=workshop.starts_at - timedelta(minutes=58)) == 0
    assert [m.to for m in mail.outbox] == [[a.email]]
    assert "Starting soon" in mail.outbox[0].subject


def test_reminders_whose_enqueue_fails_are_sent_by_the_next_run_and_only_once(workshop, request):
    """The enqueue fails once (a lock timeout): the workshop is not marked reminded without
    its e-mails (they are written with reminder_sent_at), so the next periodic run queues
    them, and the one after queues nothing again."""
    people = _registered(workshop, 2)
    failure = request.getfixturevalue("enqueue_fails_once")  # the registrations went through
    due = workshop.starts_at - timedelta(minutes=59)
    with pytest.raises(failure):
        services.send_due_reminders(now=due)
    workshop.refresh_from_db()
    assert workshop.reminder_sent_at is None
    queued = DBTaskResult.objects.filter(task_path="mentorloom.core.email.deliver_email")
    assert not queued.exists()

    assert services.send_due_reminders(now=due + timedelta(minutes=1)) == 2
    assert services.send_due_reminders(now=due + timedelta(minutes=2)) == 0
    assert sorted(r.args_kwargs["kwargs"]["to"][0] for r in queued) == sorted(
        p.email for p in people
    )


def test_a_workshops_reminders_are_enqueued_together_one_task_per_person(
    workshop, django_capture_on_commit_callbacks, settings
):
    workshop.capacity = 12
    workshop.save()
    people = [person(time_zone=z) for z in ["Asia/Tokyo", "America/New_York"] * 6]
    for p in people:
        services.register(p, workshop)
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": settings.MENTORLOOM_TASK_QUEUES,
        }
    }
    with (
        CaptureQueriesContext(connection) as queries,
        django_capture_on_commit_callbacks(execute=True) as callbacks,
    ):
        assert services.send_due_reminders(now=workshop.starts_at - timedelta(minutes=59)) == 12
    assert callbacks == []  # written with reminder_sent_at, in the workshop's transaction
    queued = DBTaskResult.objects.filter(task_path="mentorloom.core.email.deliver_email")
    reminders = [r.args_kwargs["kwargs"] for r in queued if "Starting soon" in str(r.args_kwargs)]
    assert sorted(r["to"][0] for r in reminders) == sorted(p.email for p in people)
    # Each in the person's own zone (Tokyo is 13 or 14 hours ahead of New York).
    assert len({r["body"] for r in reminders}) == 2
    # One task per person, all written in one transaction (a savepoint inside the
    # workshop's), not an autocommit each.
    sql = [q["sql"] for q in queries.captured_queries]
    task_rows = [i for i, s in enumerate(sql) if DBTaskResult._meta.db_table in s]
    assert len(task_rows) == 12
    opened = max(i for i, s in enumerate(sql[: task_rows[0]]) if s.startswith("SAVEPOINT"))
    assert not any(s.startswith(("SAVEPOINT", "RELEASE")) for s in sql[opened + 1 : task_rows[-1]])


def test_choosing_a_room_only_when_the_facilitator_allows_it(workshop, facilitator):
    (a,) = _registered(workshop, 1)
    rooms = services.create_breakouts(facilitator, workshop, 2)
    with pytest.raises(errors.ChoosingClosed):
        services.choose_room(a, workshop, rooms[1].pk)
    services.open_breakouts(facilitator, workshop, participants_choose=True)
    assert services.choose_room(a, workshop, rooms[1].pk).room == rooms[1]
    with pytest.raises(errors.BadWorkshop):
        services.choose_room(a, workshop, "not-a-room")


def test_hands_are_listed_in_the_order_raised_and_help_names_the_room(workshop, facilitator):
    a, b = _registered(workshop, 2)
    with time_machine.travel(workshop.starts_at, tick=False) as clock:
        for p in (a, b):
            services.join(p, workshop)
        services.create_breakouts(facilitator, workshop, 1)
        services.assign_automatically(facilitator, workshop)
        services.open_breakouts(facilitator, workshop)
        services.raise_signal(b, workshop, "hand")
        clock.shift(1)
        services.raise_signal(a, workshop, "help")
        clock.shift(1)
        services.raise_signal(b, workshop, "hand")  # still raised: not a second entry
    signals = list(selectors.open_signals(workshop))
    assert [(s.user, s.kind) for s in signals] == [(b, "hand"), (a, "help")]
    assert signals[1].room.name == "Room 1"
    with pytest.raises(errors.NotFacilitator):
        services.lower_signal(a, workshop, signals[0].pk)
    services.lower_signal(facilitator, workshop, signals[0].pk)
    assert [s.user for s in selectors.open_signals(workshop)] == [a]


def test_fake_attendees_do_not_make_up_k_for_the_feedback_average(workshop, facilitator, settings):
    # The facilitator's own "+tag" addresses and a fresh sign-up attend and rate with known
    # values beside one real attendee: the published average must not give that one away.
    settings.MENTORLOOM_FEEDBACK_K = 3
    local, domain = facilitator.email.split("@")
    real = person()
    fakes = [
        person(user__email=f"{local}+p1@{domain}"),
        person(user__email=f"{local}+p2@{domain}"),
        person(user__date_joined=timezone.now()),
    ]
    people = [real, *fakes]
    for p in people:
        services.register(p, workshop)
    with time_machine.travel(workshop.starts_at):
        for p in people:
            services.join(p, workshop)
    with time_machine.travel(workshop.ends_at + timedelta(minutes=5)):
        services.submit_feedback(real, workshop, 1)
        for p in fakes:
            services.submit_feedback(p, workshop, 5)
    closes = selectors.feedback_closes_at(workshop)
    hidden = selectors.feedback_summary(workshop, now=closes)
    assert hidden["withheld"] == "fewer_than_k" and hidden["average"] is None
