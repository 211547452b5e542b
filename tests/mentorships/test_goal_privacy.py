"""A private goal is the owner's alone: creating, editing or progressing it never notifies the
other person, and its title reaches them through no notification, e-mail, page or API."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from mentorloom.notifications.models import Notification
from tests.factories import MentorshipFactory

from .conftest import post_json

pytestmark = pytest.mark.django_db
SECRET = "Ask for a raise in March"


def _everything_the_other_person_got(other) -> str:  # type: ignore[no-untyped-def]
    notes = Notification.objects.filter(user=other).values_list("title", "body", "url")
    emails = [(m.subject, m.body, str(m.alternatives)) for m in mail.outbox if other.email in m.to]
    return json.dumps([list(n) for n in notes] + emails)


def test_private_goal_creation_edit_and_progress_never_notify_the_other_person(
    as_user, mentee, mentor, django_capture_on_commit_callbacks
):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    client = as_user(mentee)
    with django_capture_on_commit_callbacks(execute=True):
        # A shared goal does notify the mentor: proof this test would see a notification.
        post_json(client, "/api/v1/goals", {"mentorship_id": m.pk, "title": "Ship a portfolio"})
        assert "Ship a portfolio" in _everything_the_other_person_got(mentor)
        before = Notification.objects.filter(user=mentor).count()
        created = post_json(
            client,
            "/api/v1/goals",
            {"mentorship_id": m.pk, "title": SECRET, "is_private": True, "milestones": ["Prep"]},
        )
        assert created.status_code == 201
        goal_id = created.json()["id"]
        edited = client.patch(
            f"/api/v1/goals/{goal_id}",
            data=json.dumps({"title": f"{SECRET}!", "description": SECRET, "status": "done"}),
            content_type="application/json",
        )
        assert edited.status_code == 200
        post_json(client, f"/api/v1/goals/{goal_id}/progress", {"progress": 50, "note": SECRET})
        post_json(client, f"/api/v1/goals/{goal_id}/milestones", {"title": SECRET})
    assert Notification.objects.filter(user=mentor).count() == before
    assert SECRET not in _everything_the_other_person_got(mentor)
    # Nor on the mentor's pages and API.
    mentor_client = as_user(mentor)
    assert SECRET not in mentor_client.get(f"/api/v1/goals?mentorship_id={m.pk}").content.decode()
    assert SECRET not in mentor_client.get(f"/mentorships/{m.pk}/").content.decode()
    assert mentor_client.get(f"/api/v1/goals/{goal_id}").status_code == 404


def test_making_a_shared_goal_private_sends_nothing_new(
    as_user, mentee, mentor, django_capture_on_commit_callbacks
):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    client = as_user(mentee)
    with django_capture_on_commit_callbacks(execute=True):
        goal = post_json(client, "/api/v1/goals", {"mentorship_id": m.pk, "title": "Shared"})
        before = Notification.objects.filter(user=mentor).count()
        client.patch(
            f"/api/v1/goals/{goal.json()['id']}",
            data=json.dumps({"is_private": True, "title": SECRET}),
            content_type="application/json",
        )
    assert Notification.objects.filter(user=mentor).count() == before
    assert SECRET not in _everything_the_other_person_got(mentor)
