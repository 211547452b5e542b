"""Server-rendered pages: ask to connect, inbox, request detail, mentorship space."""

from __future__ import annotations

import pytest

from mentorloom.mentorships import services
from mentorloom.mentorships.models import Goal, MentorshipRequest, RequestStatus
from tests.factories import MentorshipFactory

from .conftest import MESSAGE

pytestmark = pytest.mark.django_db


def test_request_page_sends_request_and_double_submit_makes_one(as_user, mentee, mentor):
    client = as_user(mentee)
    page = client.get(f"/mentors/{mentor.pk}/request/")
    assert page.status_code == 200 and b"Ask Maya Mentor to mentor you" in page.content
    key = page.context["form"].initial["idempotency_key"]
    data = {
        "message": MESSAGE,
        "goal_ids": [mentee.profile.career_goals.get().pk],
        "preferred_format": "video",
        "cadence": "weekly",
        "idempotency_key": key,
    }
    first = client.post(f"/mentors/{mentor.pk}/request/", data)
    r = MentorshipRequest.objects.get()
    assert first.status_code == 302 and first.url == f"/requests/{r.pk}/"
    # The same form submitted again (double click, back + resubmit) lands on the same request.
    second = client.post(f"/mentors/{mentor.pk}/request/", data)
    assert second.url == f"/requests/{r.pk}/"
    assert MentorshipRequest.objects.count() == 1


def test_request_page_shows_errors_next_to_fields(as_user, mentee, mentor):
    response = as_user(mentee).post(
        f"/mentors/{mentor.pk}/request/",
        {"message": "short", "preferred_format": "chat", "cadence": "weekly"},
    )
    assert response.status_code == 400
    assert b'id="id_message_error"' in response.content
    assert not MentorshipRequest.objects.exists()


def test_request_page_for_full_mentor_offers_waitlist(as_user, mentee, mentor):
    MentorshipFactory.create_batch(2, mentor=mentor)
    client = as_user(mentee)
    page = client.get(f"/mentors/{mentor.pk}/request/")
    assert b"Join the waitlist" in page.content
    client.post(f"/mentors/{mentor.pk}/waitlist/")
    assert (
        b"You are number 1 on the waitlist" in client.get(f"/mentors/{mentor.pk}/request/").content
    )


def test_request_page_404_for_self_non_mentor_and_blocked(as_user, mentee, mentor, outsider):
    from mentorloom.safety.models import Block

    client = as_user(mentee)
    assert client.get(f"/mentors/{mentee.pk}/request/").status_code == 404
    assert client.get(f"/mentors/{outsider.pk}/request/").status_code == 404
    Block.objects.create(blocker=mentor, blocked=mentee)
    assert client.get(f"/mentors/{mentor.pk}/request/").status_code == 404


def test_inbox_tabs(as_user, mentee, mentor):
    services.send_request(mentee, mentor.pk, message=MESSAGE)
    received = as_user(mentor).get("/requests/")
    assert b"From Ola Mentee" in received.content and b"1 open" in received.content
    sent = as_user(mentee).get("/requests/?tab=sent")
    assert b"To Maya Mentor" in sent.content
    empty = as_user(mentee).get("/requests/")
    assert b"No requests yet" in empty.content


def test_mentor_asks_mentee_answers_mentor_accepts_through_pages(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    as_user(mentor).post(f"/requests/{r.pk}/ask/", {"ask-body": "What is your timeline?"})
    page = as_user(mentee).get(f"/requests/{r.pk}/")
    assert b"What is your timeline?" in page.content and b"Send answer" in page.content
    as_user(mentee).post(f"/requests/{r.pk}/answer/", {"answer-body": "Six months."})
    response = as_user(mentor).post(f"/requests/{r.pk}/accept/")
    r.refresh_from_db()
    assert r.status == RequestStatus.ACCEPTED
    assert response.url == f"/mentorships/{r.mentorship_id}/"


def test_decline_with_template_reason(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    as_user(mentor).post(f"/requests/{r.pk}/decline/", {"decline-template": "1"})
    r.refresh_from_db()
    assert r.status == RequestStatus.DECLINED
    assert r.decline_reason == services.DECLINE_TEMPLATES[1]


def test_second_accept_shows_a_message_not_an_error_page(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    client = as_user(mentor)
    client.post(f"/requests/{r.pk}/accept/")
    follow = client.post(f"/requests/{r.pk}/accept/", follow=True)
    assert follow.status_code == 200
    assert b"You cannot accept a request that is accepted." in follow.content


def test_mentorship_space_links_sessions_conversation_and_calls(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m = services.accept_request(mentor, r)
    client = as_user(mentee)
    page = client.get(f"/mentorships/{m.pk}/")
    assert b"Confirm version 1" in page.content
    html = page.content.decode()
    assert f"/mentorships/{m.pk}/book/" in html
    assert f"/mentorships/{m.pk}/chat/" in html
    assert f'action="/mentorships/{m.pk}/call/"' in html
    client.post(f"/mentorships/{m.pk}/agreement/confirm/", {"version": "1"})
    as_user(mentor).post(f"/mentorships/{m.pk}/agreement/confirm/", {"version": "1"})
    page = as_user(mentee).get(f"/mentorships/{m.pk}/")
    assert b"In force: version 1" in page.content
    as_user(mentee).post(
        f"/mentorships/{m.pk}/goals/",
        {"title": "Land a PM role", "milestones": "Write a case study\nMock interview"},
    )
    goal = Goal.objects.get()
    assert list(goal.milestones.values_list("title", flat=True)) == [
        "Write a case study",
        "Mock interview",
    ]
    assert b"Land a PM role" in as_user(mentor).get(f"/mentorships/{m.pk}/").content


def test_stale_agreement_edit_is_a_conflict_on_the_page(as_user, mentee, mentor):
    m = services.accept_request(mentor, services.send_request(mentee, mentor.pk, message=MESSAGE))
    response = as_user(mentee).post(
        f"/mentorships/{m.pk}/agreement/", {"base_version": "0", "cadence": "Weekly"}
    )
    assert response.status_code == 409
    assert b"A newer version of the agreement exists" in response.content


def test_private_goal_is_not_shown_to_the_other_person(as_user, mentee, mentor):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    services.create_goal(mentee, m, title="Secret salary goal", is_private=True)
    assert b"Secret salary goal" in as_user(mentee).get(f"/mentorships/{m.pk}/").content
    assert b"Secret salary goal" not in as_user(mentor).get(f"/mentorships/{m.pk}/").content


def test_end_with_reflection_page(as_user, mentee, mentor):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    client = as_user(mentee)
    client.post(
        f"/mentorships/{m.pk}/end/",
        {"went_well": "Clear advice", "outcome_reached": "yes", "would_recommend": "yes"},
    )
    m.refresh_from_db()
    assert m.status == "ended"
    reflection = m.reflections.get()
    assert reflection.outcome_reached is True and reflection.went_well == "Clear advice"
    # Reflections are private to their author.
    assert b"Clear advice" in client.get(f"/mentorships/{m.pk}/").content
    assert b"Clear advice" not in as_user(mentor).get(f"/mentorships/{m.pk}/").content


@pytest.mark.parametrize(
    "path",
    [
        "/requests/{r}/",
        "/mentorships/{m}/",
        "/mentorships/{m}/agreement/",
        "/mentorships/{m}/agreement/v1/",
        "/mentorships/{m}/pause/",
        "/mentorships/{m}/end/",
    ],
)
def test_pages_are_404_for_outsiders(as_user, mentee, mentor, outsider, path):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m = services.accept_request(mentor, r)
    assert as_user(outsider).get(path.format(r=r.pk, m=m.pk)).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/requests/{r}/accept/",
        "/requests/{r}/decline/",
        "/requests/{r}/ask/",
        "/requests/{r}/answer/",
        "/requests/{r}/withdraw/",
        "/mentorships/{m}/agreement/confirm/",
        "/mentorships/{m}/goals/",
        "/mentorships/{m}/resume/",
        "/goals/{g}/progress/",
        "/goals/{g}/milestones/",
        "/milestones/{ms}/toggle/",
    ],
)
def test_actions_are_404_for_outsiders(as_user, mentee, mentor, outsider, path):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m = MentorshipFactory(mentor=mentor)
    g = Goal.objects.create(mentorship=m, owner=mentor, title="G")
    ms = g.milestones.create(title="M")
    url = path.format(r=r.pk, m=m.pk, g=g.pk, ms=ms.pk)
    assert as_user(outsider).post(url, {}).status_code == 404
    r.refresh_from_db()
    assert r.status == RequestStatus.PENDING


def test_mentorship_list_page(as_user, mentee, mentor):
    MentorshipFactory(mentor=mentor, mentee=mentee)
    assert b"Mentored by Maya Mentor" in as_user(mentee).get("/mentorships/").content
    assert b"Mentoring Ola Mentee" in as_user(mentor).get("/mentorships/").content


def test_goal_owner_edits_title_status_and_privacy_other_side_cannot(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m = services.accept_request(mentor, r)
    goal = services.create_goal(mentee, m, title="Ship a portfolio site")
    url = f"/goals/{goal.pk}/edit/"
    assert as_user(mentor).get(url).status_code == 404
    client = as_user(mentee)
    assert url in client.get(f"/mentorships/{m.pk}/").content.decode()
    bad = client.post(url, {"title": "", "status": "done"})
    assert bad.status_code == 400
    saved = client.post(
        url, {"title": "Ship a portfolio with two case studies", "status": "in_progress",
              "is_private": "on"},
    )  # fmt: skip
    assert saved.status_code == 302
    goal.refresh_from_db()
    assert goal.title == "Ship a portfolio with two case studies"
    assert goal.status == "in_progress" and goal.is_private


def test_a_milestone_is_a_checkbox_whose_state_is_saved(as_user, mentee, mentor):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    g = Goal.objects.create(mentorship=m, owner=mentee, title="G")
    ms = g.milestones.create(title="Write a case study")
    client = as_user(mentee)
    page = client.get(f"/mentorships/{m.pk}/").content.decode()
    assert f'<input type="checkbox" id="milestone-{ms.pk}" name="done" value="1">' in page
    assert "Mark “Write a case study” done" not in page
    client.post(f"/milestones/{ms.pk}/toggle/", {"done": "1"})
    ms.refresh_from_db()
    assert ms.done_at is not None
    page = client.get(f"/mentorships/{m.pk}/").content.decode()
    assert f'id="milestone-{ms.pk}" name="done" value="1" checked>' in page
    client.post(f"/milestones/{ms.pk}/toggle/", {})  # an unticked box sends nothing: not done
    ms.refresh_from_db()
    assert ms.done_at is None
