"""E-mail digests of unread messages: one per conversation and recipient after 15 minutes,
held during the recipient's quiet hours from the agreement, and never sent twice."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, time, timedelta
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from mentorloom.mentorships.models import AgreementVersion
from mentorloom.messaging import services, tasks
from mentorloom.messaging.models import Conversation, Message, Participant
from mentorloom.messaging.selectors import quiet_hours_for
from mentorloom.safety.models import Block
from tests.factories import ProfileFactory
from tests.messaging.helpers import mentorship_conversation, request_conversation

# 14:00 UTC is 23:00 in Tokyo (no DST there): inside a 22:00–07:00 quiet time.
START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)


@pytest.fixture
def convo() -> Conversation:
    mentee = ProfileFactory(display_name="Mo Mentee", time_zone="Asia/Tokyo").user
    return mentorship_conversation(mentee=mentee)


def _send(user, convo, body: str, at: datetime) -> Message:  # type: ignore[no-untyped-def]
    with time_machine.travel(at, tick=False):
        return services.send_message(user, convo, uuid.uuid4(), body)[0]


def _digest_at(at: datetime, capture) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with time_machine.travel(at, tick=False), capture(execute=True):
        return services.send_message_digests()


def _agree(convo, quiet_hours: str, *, confirmed: bool = True, number: int = 1) -> None:  # type: ignore[no-untyped-def]
    AgreementVersion.objects.create(
        mentorship=convo.mentorship,
        number=number,
        quiet_hours=quiet_hours,
        mentor_confirmed_at=START if confirmed else None,
        mentee_confirmed_at=START if confirmed else None,
    )


@pytest.mark.django_db
def test_unread_for_14_minutes_sends_nothing(convo, django_capture_on_commit_callbacks):
    _send(convo.mentorship.mentor, convo, "First", START)
    result = _digest_at(START + timedelta(minutes=14), django_capture_on_commit_callbacks)
    assert mail.outbox == []
    assert result["waiting"] == 1


@pytest.mark.django_db
def test_unread_for_16_minutes_sends_one_mail_listing_both_messages(
    convo, django_capture_on_commit_callbacks
):
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    _send(mentor, convo, "First question", START)
    _send(mentor, convo, "And a second **one**", START + timedelta(minutes=1))
    result = _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    assert result["sent"] == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == [mentee.email]
    assert sent.subject == "2 unread messages from Mira Mentor"
    assert "First question" in sent.body and "And a second **one**" in sent.body
    # Times are in the recipient's zone: 14:00 UTC is 23:00 in Tokyo.
    assert "Tue 10 Mar, 23:00 (Asia/Tokyo)" in sent.body
    assert f"/messages/{convo.pk}/" in sent.body


@pytest.mark.django_db
def test_digest_is_sent_once_and_a_later_message_gets_its_own_digest(
    convo, django_capture_on_commit_callbacks
):
    mentor = convo.mentorship.mentor
    _send(mentor, convo, "Early", START)
    _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    _digest_at(START + timedelta(minutes=17), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    _send(mentor, convo, "Later", START + timedelta(minutes=30))
    _digest_at(START + timedelta(minutes=46), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 2
    assert "Later" in mail.outbox[1].body and "Early" not in mail.outbox[1].body


@pytest.mark.django_db
def test_messages_read_before_15_minutes_are_never_emailed(
    convo, django_capture_on_commit_callbacks
):
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    _send(mentor, convo, "One", START)
    last = _send(mentor, convo, "Two", START + timedelta(minutes=1))
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        services.mark_read(mentee, convo, last.pk)
    _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    _digest_at(START + timedelta(hours=3), django_capture_on_commit_callbacks)
    assert mail.outbox == []


@pytest.mark.django_db
def test_sender_is_never_emailed_their_own_messages(convo, django_capture_on_commit_callbacks):
    _send(convo.mentorship.mentor, convo, "Mine", START)
    _digest_at(START + timedelta(minutes=20), django_capture_on_commit_callbacks)
    assert [m.to for m in mail.outbox] == [[convo.mentorship.mentee.email]]


@pytest.mark.django_db
def test_digest_during_quiet_hours_across_midnight_is_held_then_sent_once_after(
    convo, django_capture_on_commit_callbacks
):
    _agree(convo, "Mira Mentor: 23:00–06:00 (Europe/Berlin)\nMo Mentee: 22:00–07:00")
    _send(convo.mentorship.mentor, convo, "Late thought", START)  # 23:00 in Tokyo
    # 23:16 and 06:59 Tokyo time (the next day, after midnight): still quiet, held.
    held = _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    _digest_at(START + timedelta(hours=7, minutes=59), django_capture_on_commit_callbacks)
    assert held["held"] == 1
    assert mail.outbox == []
    # 07:01 Tokyo: quiet hours are over, the digest goes out, exactly once.
    _digest_at(START + timedelta(hours=8, minutes=1), django_capture_on_commit_callbacks)
    _digest_at(START + timedelta(hours=8, minutes=2), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert "Late thought" in mail.outbox[0].body


@pytest.mark.django_db
def test_the_other_persons_quiet_hours_do_not_hold_my_digest(
    convo, django_capture_on_commit_callbacks
):
    # Only the mentor is quiet at this time; the mentee (recipient) has no quiet line.
    _agree(convo, "Mira Mentor: 14:00–16:00 (UTC)")
    _send(convo.mentorship.mentor, convo, "Hello", START)
    _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_unconfirmed_agreement_quiet_hours_are_not_applied(
    convo, django_capture_on_commit_callbacks
):
    _agree(convo, "Mo Mentee: 22:00–07:00", confirmed=False)
    _send(convo.mentorship.mentor, convo, "Hello", START)
    _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_quiet_hours_come_from_the_latest_confirmed_version(convo):
    mentee = convo.mentorship.mentee
    _agree(convo, "Mo Mentee: 22:00–07:00", number=1)
    _agree(convo, "Mo Mentee: 21:00–06:30 (Asia/Seoul)", number=2)
    _agree(convo, "Mo Mentee: 20:00–05:00", number=3, confirmed=False)
    assert quiet_hours_for(mentee, convo) == (time(21), time(6, 30), "Asia/Seoul")


@pytest.mark.django_db
def test_generated_agreement_draft_means_outside_working_hours_in_the_profile_zone(convo):
    _agree(convo, "Mo Mentee: no messages expected outside Mon–Fri 09:00–17:00 (Asia/Tokyo)")
    assert quiet_hours_for(convo.mentorship.mentee, convo) == (time(17), time(9), "Asia/Tokyo")
    assert quiet_hours_for(convo.mentorship.mentor, convo) is None


@pytest.mark.django_db
def test_request_threads_have_no_quiet_hours():
    a, b = ProfileFactory().user, ProfileFactory().user
    thread = request_conversation(a, b)
    assert quiet_hours_for(a, thread) is None


@pytest.mark.django_db
def test_messages_from_a_blocked_person_are_not_emailed(convo, django_capture_on_commit_callbacks):
    mentor, mentee = convo.mentorship.mentor, convo.mentorship.mentee
    _send(mentor, convo, "Before the block", START)
    Block.objects.create(blocker=mentee, blocked=mentor)
    _digest_at(START + timedelta(minutes=20), django_capture_on_commit_callbacks)
    assert mail.outbox == []


@pytest.mark.django_db
def test_deleted_messages_are_left_out_of_the_digest(convo, django_capture_on_commit_callbacks):
    mentor = convo.mentorship.mentor
    gone = _send(mentor, convo, "Oops wrong chat", START)
    _send(mentor, convo, "Real question", START + timedelta(minutes=1))
    with time_machine.travel(START + timedelta(minutes=2), tick=False):
        services.delete_message(mentor, gone)
    _digest_at(START + timedelta(minutes=17), django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    assert "Real question" in mail.outbox[0].body and "Oops" not in mail.outbox[0].body
    assert mail.outbox[0].subject == "1 unread message from Mira Mentor"


@pytest.mark.django_db
def test_digest_marker_moves_to_the_newest_listed_message(
    convo, django_capture_on_commit_callbacks
):
    last = _send(convo.mentorship.mentor, convo, "Hi", START)
    _digest_at(START + timedelta(minutes=16), django_capture_on_commit_callbacks)
    mine = Participant.objects.get(conversation=convo, user=convo.mentorship.mentee)
    assert mine.last_digested_message_id == last.pk


@pytest.mark.django_db
def test_management_command_and_task_send_the_digest(convo, django_capture_on_commit_callbacks):
    _send(convo.mentorship.mentor, convo, "Via the command", START)
    out = StringIO()
    later = START + timedelta(minutes=16)
    with time_machine.travel(later, tick=False), django_capture_on_commit_callbacks(execute=True):
        call_command("send_message_digests", stdout=out)
        tasks.send_message_digests.enqueue()
    assert '"sent": 1' in out.getvalue()
    assert len(mail.outbox) == 1
