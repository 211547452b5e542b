import pytest
import time_machine
from django.http import Http404

from mentorloom.calls import services
from mentorloom.calls.errors import BlockedPair, CallEnded, MentorshipNotActive
from mentorloom.calls.models import Call, CallStatus
from mentorloom.notifications.models import Notification
from mentorloom.safety.models import Block
from tests.factories import UserFactory


def test_starting_a_call_rings_the_other_person(pair, django_capture_on_commit_callbacks):
    mentor, mentee, mentorship = pair
    with django_capture_on_commit_callbacks(execute=True):
        call, created = services.start_call(mentor, mentorship.pk)
    assert created and call.status == CallStatus.RINGING
    note = Notification.objects.get(user=mentee)
    assert note.kind == "call.incoming"
    assert note.title == "Aiko Tanaka is calling you"
    assert note.url == f"/calls/{call.pk}/"


def test_a_second_click_from_either_side_joins_the_live_call(pair):
    mentor, mentee, mentorship = pair
    first, _ = services.start_call(mentor, mentorship.pk)
    again, created = services.start_call(mentee, mentorship.pk)
    assert again.pk == first.pk and not created
    assert Call.objects.count() == 1


def test_outsiders_cannot_start_a_call(pair):
    _, _, mentorship = pair
    with pytest.raises(Http404):
        services.start_call(UserFactory(), mentorship.pk)


def test_no_calls_in_an_ended_mentorship_or_between_blocked_people(pair):
    mentor, mentee, mentorship = pair
    Block.objects.create(blocker=mentee, blocked=mentor)
    with pytest.raises(BlockedPair):
        services.start_call(mentor, mentorship.pk)
    Block.objects.all().delete()
    mentorship.status = "ended"
    mentorship.save()
    with pytest.raises(MentorshipNotActive):
        services.start_call(mentor, mentorship.pk)


def test_answer_then_hang_up_records_the_duration(pair):
    mentor, mentee, mentorship = pair
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as clock:
        call, _ = services.start_call(mentor, mentorship.pk)
        clock.shift(20)
        call = services.join_call(mentee, call)
        assert call.status == CallStatus.ACTIVE
        clock.shift(12 * 60)
        call = services.end_call(mentee, call)
    assert call.status == CallStatus.ENDED
    assert call.duration_seconds == 12 * 60
    assert call.ended_by == mentee
    # Hanging up twice (both sides at once) changes nothing.
    assert services.end_call(mentor, call).ended_by == mentee


def test_the_caller_joining_does_not_answer_their_own_call(pair):
    mentor, _, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    assert services.join_call(mentor, call).status == CallStatus.RINGING


def test_an_unanswered_call_ends_as_missed_and_cannot_be_joined(pair):
    mentor, mentee, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    call = services.end_call(mentor, call)
    assert call.status == CallStatus.MISSED
    with pytest.raises(CallEnded):
        services.join_call(mentee, call)


def test_ringing_too_long_counts_as_missed_and_a_new_click_starts_a_new_call(pair):
    mentor, _, mentorship = pair
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as clock:
        old, _ = services.start_call(mentor, mentorship.pk)
        clock.shift(3 * 60)
        new, created = services.start_call(mentor, mentorship.pk)
    old.refresh_from_db()
    assert created and new.pk != old.pk
    assert old.status == CallStatus.MISSED


def test_only_the_person_called_can_decline(pair):
    mentor, mentee, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    with pytest.raises(CallEnded):
        services.decline_call(mentor, call)
    assert services.decline_call(mentee, call).status == CallStatus.DECLINED


def test_a_call_left_by_a_closed_tab_does_not_swallow_the_next_start(
    pair, django_capture_on_commit_callbacks
):
    mentor, mentee, mentorship = pair
    first, _ = services.start_call(mentee, mentorship.pk)
    services.call_connected(mentee, first, "tab-1")
    services.call_disconnected(first.pk, "tab-1")  # the tab closed; nobody hung up
    with django_capture_on_commit_callbacks(execute=True):
        second, created = services.start_call(mentee, mentorship.pk)
    assert created and second.pk != first.pk
    first.refresh_from_db()
    assert first.status == CallStatus.MISSED and first.ended_at is not None
    rings = Notification.objects.filter(user=mentor, kind="call.incoming")
    assert [n.url for n in rings.filter(read_at__isnull=True)] == [f"/calls/{second.pk}/"]


def test_start_while_still_in_the_call_in_another_tab_rings_again(pair):
    mentor, mentee, mentorship = pair
    call, _ = services.start_call(mentee, mentorship.pk)
    services.call_connected(mentee, call, "tab-1")
    again, created = services.start_call(mentee, mentorship.pk)
    assert again.pk == call.pk and not created
    assert Notification.objects.filter(user=mentor, kind="call.incoming").count() == 2


def test_start_joins_the_call_the_other_person_is_waiting_in(pair):
    mentor, mentee, mentorship = pair
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as clock:
        call, _ = services.start_call(mentor, mentorship.pk)
        services.call_connected(mentor, call, "mentor-tab")
        clock.shift(120)  # still waiting, long after the start
        joined, created = services.start_call(mentee, mentorship.pk)
    assert joined.pk == call.pk and not created


def test_the_sweep_ends_a_call_empty_for_thirty_seconds_and_clears_its_ring(pair):
    mentor, mentee, mentorship = pair
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as clock:
        call, _ = services.start_call(mentee, mentorship.pk)
        services.call_connected(mentee, call, "tab-1")
        services.call_connected(mentor, call, "tab-2")
        services.join_call(mentor, call)
        services.call_disconnected(call.pk, "tab-2")
        clock.shift(60)
        assert services.end_abandoned_calls() == 0  # the mentee is still there
        services.call_disconnected(call.pk, "tab-1")
        clock.shift(29)
        assert services.end_abandoned_calls() == 0  # a reload gets its grace
        clock.shift(2)
        assert services.end_abandoned_calls() == 1
    call.refresh_from_db()
    assert call.status == CallStatus.ENDED
    assert not Notification.objects.filter(kind="call.incoming", read_at__isnull=True).exists()


def test_a_call_nobody_ever_connected_to_is_swept_too(pair):
    _mentor, mentee, mentorship = pair
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as clock:
        call, _ = services.start_call(mentee, mentorship.pk)
        clock.shift(31)
        assert services.end_abandoned_calls() == 1
    call.refresh_from_db()
    assert call.status == CallStatus.MISSED


def test_the_unload_beacon_drops_only_sockets_opened_before_it(pair):
    mentor, mentee, mentorship = pair
    with time_machine.travel("2026-05-01 10:00Z", tick=False) as clock:
        call, _ = services.start_call(mentee, mentorship.pk)
        services.call_connected(mentee, call, "old-tab")
        clock.shift(5)
        services.leave_call(mentee, call)
        call.refresh_from_db()
        assert call.empty_since is not None and not call.connections.exists()
        services.call_connected(mentee, call, "reloaded")
        services.leave_call(mentor, call)  # someone else's beacon changes nothing
    call.refresh_from_db()
    assert call.empty_since is None and call.connections.count() == 1
