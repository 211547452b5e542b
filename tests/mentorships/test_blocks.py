"""A block ends contact through the mentorship: nothing either of the two does there reaches the
other any more (no notice, no e-mail, no shared page change), yet either can still end it."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.messages import get_messages

from mentorloom.mentorships import services
from mentorloom.mentorships.models import Goal, MentorshipStatus
from mentorloom.notifications.models import Notification
from mentorloom.safety.services import block_user
from tests.factories import MentorshipFactory

from .conftest import post_json

pytestmark = pytest.mark.django_db

UNTIL = (date.today() + timedelta(days=14)).isoformat()


@pytest.fixture
def blocked(mentor, mentee):
    """A mentorship whose mentor blocked the mentee; the mentee keeps a shared goal from before."""
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    goal = Goal.objects.create(mentorship=m, owner=mentee, title="Ship a side project")
    milestone = goal.milestones.create(title="Pick an idea")
    block_user(mentor, mentee.pk)
    Notification.objects.all().delete()
    return m, goal, milestone


def _assert_mentor_heard_nothing(mentor, mailoutbox):
    assert not Notification.objects.filter(user=mentor).exists()
    assert mailoutbox == []


def test_blocked_mentee_cannot_pause_resume_or_touch_the_agreement_over_the_api(
    as_user, mentor, mentee, blocked, mailoutbox
):
    m, _, _ = blocked
    client = as_user(mentee)
    paused = post_json(
        client, f"/api/v1/mentorships/{m.pk}/pause", {"until": UNTIL, "note": "answer me"}
    )
    assert paused.status_code == 403 and paused.json()["error"]["code"] == "blocked"
    m.refresh_from_db()
    assert m.status == MentorshipStatus.ACTIVE
    proposed = post_json(
        client, f"/api/v1/mentorships/{m.pk}/agreement", {"base_version": 0, "cadence": "Daily"}
    )
    assert proposed.status_code == 403 and proposed.json()["error"]["code"] == "blocked"
    confirm = post_json(client, f"/api/v1/mentorships/{m.pk}/agreement/confirm", {"version": 1})
    assert confirm.status_code == 403
    assert not m.agreement_versions.exists()
    _assert_mentor_heard_nothing(mentor, mailoutbox)


def test_a_mentorship_paused_before_the_block_cannot_be_resumed(as_user, mentor, mentee):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    services.pause_mentorship(mentee, m, date.today() + timedelta(days=3))
    block_user(mentor, mentee.pk)
    Notification.objects.all().delete()
    for user in (mentee, mentor):  # the blocker cannot reach the blocked person either
        resumed = post_json(as_user(user), f"/api/v1/mentorships/{m.pk}/resume")
        assert resumed.status_code == 403 and resumed.json()["error"]["code"] == "blocked"
    m.refresh_from_db()
    assert m.status == MentorshipStatus.PAUSED
    assert not Notification.objects.exists()


def test_shared_goals_are_read_only_after_a_block_private_ones_stay_open(
    as_user, mentor, mentee, blocked, mailoutbox
):
    m, goal, milestone = blocked
    client = as_user(mentee)
    shared = post_json(client, "/api/v1/goals", {"mentorship_id": m.pk, "title": "Hi again"})
    assert shared.status_code == 403 and shared.json()["error"]["code"] == "blocked"
    private = post_json(
        client, "/api/v1/goals", {"mentorship_id": m.pk, "title": "Mine", "is_private": True}
    )
    assert private.status_code == 201
    # A private goal cannot be turned into a shared one to reach the blocker.
    assert (
        client.patch(
            f"/api/v1/goals/{private.json()['id']}",
            data={"is_private": False},
            content_type="application/json",
        ).json()["error"]["code"]
        == "blocked"
    )
    writes = [
        client.patch(
            f"/api/v1/goals/{goal.pk}", data={"title": "x"}, content_type="application/json"
        ),
        post_json(client, f"/api/v1/goals/{goal.pk}/milestones", {"title": "x"}),
        post_json(client, f"/api/v1/goals/{goal.pk}/progress", {"progress": 50, "note": "x"}),
        client.patch(
            f"/api/v1/milestones/{milestone.pk}",
            data={"done": True},
            content_type="application/json",
        ),
    ]
    assert [w.status_code for w in writes] == [403, 403, 403, 403]
    goal.refresh_from_db()
    assert goal.title == "Ship a side project" and goal.progress == 0
    assert goal.milestones.count() == 1 and goal.milestones.get().done_at is None
    _assert_mentor_heard_nothing(mentor, mailoutbox)


@pytest.mark.parametrize("who", ["mentee", "mentor"])
def test_either_can_still_end_a_blocked_mentorship_and_nobody_is_told(
    as_user, mentor, mentee, blocked, mailoutbox, who
):
    m, _, _ = blocked
    ender = mentee if who == "mentee" else mentor
    ended = post_json(as_user(ender), f"/api/v1/mentorships/{m.pk}/end", {"went_well": "-"})
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    assert not Notification.objects.exists()
    assert mailoutbox == []


def test_pages_show_the_refusal_instead_of_acting(as_user, mentor, mentee, blocked, mailoutbox):
    m, goal, milestone = blocked
    client = as_user(mentee)
    pause = client.post(f"/mentorships/{m.pk}/pause/", {"until": UNTIL, "note": "answer me"})
    assert pause.status_code == 400 and b"You cannot message this person." in pause.content
    agreement = client.post(
        f"/mentorships/{m.pk}/agreement/", {"base_version": "0", "cadence": "x"}
    )
    assert agreement.status_code in (400, 409)
    assert b"You cannot message this person." in agreement.content
    goal_page = client.post(f"/mentorships/{m.pk}/goals/", {"title": "Hi again"})
    assert goal_page.status_code == 400
    assert b"You cannot message this person." in goal_page.content
    toggle = client.post(f"/milestones/{milestone.pk}/toggle/", {"done": "1"})
    assert toggle.status_code == 302
    assert "You cannot message this person." in [str(x) for x in get_messages(toggle.wsgi_request)]
    m.refresh_from_db()
    assert m.status == MentorshipStatus.ACTIVE and not m.agreement_versions.exists()
    assert goal.milestones.get().done_at is None and m.goals.count() == 1
    _assert_mentor_heard_nothing(mentor, mailoutbox)
    ended = client.post(f"/mentorships/{m.pk}/end/", {"went_well": "-"})
    assert ended.status_code == 302
    m.refresh_from_db()
    assert m.status == MentorshipStatus.ENDED
    _assert_mentor_heard_nothing(mentor, mailoutbox)
