"""HTTP behaviour of /api/v1/requests, /mentorships, /agreement and /goals."""

from __future__ import annotations

import pytest

from mentorloom.mentorships import services
from mentorloom.mentorships.models import Goal, MentorshipRequest
from tests.factories import MentorshipFactory

from .conftest import MESSAGE, post_json

pytestmark = pytest.mark.django_db


def create(client, mentor, key=None, **body):
    headers = {"Idempotency-Key": key} if key else {}
    return post_json(
        client, "/api/v1/requests", {"mentor_id": mentor.pk, "message": MESSAGE, **body}, **headers
    )


def test_create_request_returns_201_with_the_request(as_user, mentee, mentor):
    response = create(as_user(mentee), mentor, goal_ids=[mentee.profile.career_goals.get().pk])
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending" and body["goals"] == ["Move into product management"]
    assert body["mentor"] == {"user_id": mentor.pk, "name": "Maya Mentor"}


def test_same_idempotency_key_returns_the_first_result_and_no_second_request(
    as_user, mentee, mentor
):
    client = as_user(mentee)
    first = create(client, mentor, key="abc-123")
    again = create(client, mentor, key="abc-123")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert MentorshipRequest.objects.count() == 1
    # A new key is a new attempt, which meets the one-open-request rule.
    third = create(client, mentor, key="other")
    assert third.status_code == 409
    assert third.json()["error"]["code"] == "request_already_open"


def test_reusing_a_key_with_a_different_body_is_a_conflict(as_user, mentee, mentor):
    client = as_user(mentee)
    create(client, mentor, key="k1")
    response = create(client, mentor, key="k1", cadence="weekly")
    # The same rule as booking (issue 22.7): 409 `idempotency_key_reused`, nothing created.
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "idempotency_key_reused" and "Idempotency-Key" in error["fields"]
    assert MentorshipRequest.objects.count() == 1


@pytest.mark.parametrize(
    ("setup", "status", "code"),
    [
        ("self", 422, "self_request"),
        ("short", 422, "invalid"),
        ("long", 422, "invalid"),
        ("blocked", 404, "mentor_not_found"),
        ("paused", 409, "mentor_paused"),
        ("not_accepting", 409, "mentor_not_accepting"),
        ("full", 409, "mentor_at_capacity"),
    ],
)
def test_bad_requests_get_a_clear_4xx_and_change_nothing(
    as_user, mentee, mentor, setup, status, code
):
    from datetime import date, timedelta

    from mentorloom.safety.models import Block

    body = {}
    target = mentor
    if setup == "self":
        target = mentee
    elif setup == "short":
        body["message"] = "Too short"
    elif setup == "long":
        body["message"] = "x" * 2001
    elif setup == "blocked":
        Block.objects.create(blocker=mentor, blocked=mentee)
    elif setup == "paused":
        mentor.profile.paused_until = date.today() + timedelta(days=5)
        mentor.profile.save()
    elif setup == "not_accepting":
        mentor.profile.accepting_requests = False
        mentor.profile.save()
    elif setup == "full":
        MentorshipFactory.create_batch(2, mentor=mentor)
    response = create(as_user(mentee), target, **body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["code"] == code and error["message"]
    assert not MentorshipRequest.objects.exists()


def test_full_mentor_offers_waitlist_which_can_be_joined(as_user, mentee, mentor):
    MentorshipFactory.create_batch(2, mentor=mentor)
    client = as_user(mentee)
    assert "waitlist" in create(client, mentor).json()["error"]["message"]
    response = post_json(client, f"/api/v1/mentors/{mentor.pk}/waitlist")
    assert response.status_code == 201 and response.json()["position"] == 1
    assert client.delete(f"/api/v1/mentors/{mentor.pk}/waitlist").status_code == 204


def test_list_mine_as_mentee_and_as_mentor(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    assert [x["id"] for x in as_user(mentee).get("/api/v1/requests").json()] == [r.pk]
    assert as_user(mentee).get("/api/v1/requests?role=mentor").json() == []
    assert [x["id"] for x in as_user(mentor).get("/api/v1/requests?role=mentor").json()] == [r.pk]


def test_request_lifecycle_over_the_api(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m_client = as_user(mentor)
    assert (
        post_json(m_client, f"/api/v1/requests/{r.pk}/ask-info", {"body": "Why me?"}).status_code
        == 201
    )
    e_client = as_user(mentee)
    assert (
        post_json(e_client, f"/api/v1/requests/{r.pk}/answer", {"body": "Your talk."}).status_code
        == 201
    )
    m_client = as_user(mentor)
    accepted = post_json(m_client, f"/api/v1/requests/{r.pk}/accept")
    assert accepted.status_code == 200
    again = post_json(m_client, f"/api/v1/requests/{r.pk}/accept")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    detail = m_client.get(f"/api/v1/requests/{r.pk}").json()
    assert detail["status"] == "accepted" and len(detail["thread"]) == 2


def test_mentee_cannot_accept_own_request(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    response = post_json(as_user(mentee), f"/api/v1/requests/{r.pk}/accept")
    assert response.status_code == 403


def test_decline_and_withdraw_over_the_api(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    body = post_json(as_user(mentor), f"/api/v1/requests/{r.pk}/decline", {"reason": "Full"})
    assert body.json()["decline_reason"] == "Full"
    r2 = services.send_request(mentee, mentor.pk, message=MESSAGE)
    assert post_json(as_user(mentee), f"/api/v1/requests/{r2.pk}/withdraw").json()["status"] == (
        "withdrawn"
    )


def test_agreement_versions_confirm_and_stale_confirm(as_user, mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m = services.accept_request(mentor, r)
    url = f"/api/v1/mentorships/{m.pk}/agreement"
    got = as_user(mentee).get(url).json()
    assert got["in_force"] is None and got["latest"]["number"] == 1
    assert post_json(as_user(mentee), url + "/confirm", {"version": 1}).status_code == 200
    body = post_json(as_user(mentor), url + "/confirm", {"version": 1}).json()
    assert body["in_force"]["number"] == 1
    proposal = {**{k: body["latest"][k] for k in ("goals", "cadence")}, "base_version": 1}
    proposal["session_length"] = "60 minutes"
    created = post_json(as_user(mentor), url, proposal)
    assert created.status_code == 201
    state = created.json()
    assert state["in_force"]["number"] == 1 and state["latest"]["number"] == 2
    assert "session_length" in [d["name"] for d in state["pending_changes"]]
    stale = post_json(as_user(mentee), url + "/confirm", {"version": 1})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_agreement_version"
    stale_propose = post_json(as_user(mentee), url, {**proposal, "cadence": "x"})
    assert stale_propose.status_code == 409


def test_goals_api_hides_private_goals_from_the_other_person(as_user, mentee, mentor):
    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    client = as_user(mentee)
    shared = post_json(
        client,
        "/api/v1/goals",
        {"mentorship_id": m.pk, "title": "Ship a PM portfolio", "milestones": ["Draft case study"]},
    ).json()
    private = post_json(
        client,
        "/api/v1/goals",
        {"mentorship_id": m.pk, "title": "Ask for a raise", "is_private": True},
    ).json()
    assert shared["milestones"][0]["title"] == "Draft case study"
    progress = post_json(client, f"/api/v1/goals/{shared['id']}/progress", {"progress": 40})
    assert progress.status_code == 201 and progress.json()["updates"][0]["progress"] == 40
    mentor_view = as_user(mentor).get(f"/api/v1/goals?mentorship_id={m.pk}").json()
    assert [g["id"] for g in mentor_view] == [shared["id"]]
    assert as_user(mentor).get(f"/api/v1/goals/{private['id']}").status_code == 404
    bad = post_json(as_user(mentee), f"/api/v1/goals/{shared['id']}/progress", {"progress": 101})
    assert bad.status_code == 422


def test_pause_resume_end_over_the_api(as_user, mentee, mentor):
    from datetime import date, timedelta

    m = MentorshipFactory(mentor=mentor, mentee=mentee)
    client = as_user(mentee)
    until = (date.today() + timedelta(days=14)).isoformat()
    paused = post_json(client, f"/api/v1/mentorships/{m.pk}/pause", {"until": until})
    assert paused.json()["status"] == "paused" and paused.json()["paused_until"] == until
    past = post_json(client, f"/api/v1/mentorships/{m.pk}/pause", {"until": "2000-01-01"})
    assert past.status_code in (409, 422)
    assert post_json(client, f"/api/v1/mentorships/{m.pk}/resume").json()["status"] == "active"
    ended = post_json(client, f"/api/v1/mentorships/{m.pk}/end", {"went_well": "Lots"})
    assert ended.json()["status"] == "ended"
    assert post_json(client, f"/api/v1/mentorships/{m.pk}/end").status_code == 409


# --- outsiders get 404 on every endpoint -------------------------------------------------------


def _world(mentee, mentor):
    r = services.send_request(mentee, mentor.pk, message=MESSAGE)
    m = MentorshipFactory(mentor=mentor)  # with someone else
    goal = Goal.objects.create(mentorship=m, owner=m.mentee, title="G")
    milestone = goal.milestones.create(title="M")
    return r, m, goal, milestone


def test_outsiders_get_404_on_every_endpoint(as_user, mentee, mentor, outsider):
    r, m, goal, milestone = _world(mentee, mentor)
    client = as_user(outsider)
    calls = [
        ("get", f"/api/v1/requests/{r.pk}", None),
        ("post", f"/api/v1/requests/{r.pk}/accept", {}),
        ("post", f"/api/v1/requests/{r.pk}/decline", {}),
        ("post", f"/api/v1/requests/{r.pk}/ask-info", {"body": "x"}),
        ("post", f"/api/v1/requests/{r.pk}/answer", {"body": "x"}),
        ("post", f"/api/v1/requests/{r.pk}/withdraw", {}),
        ("get", f"/api/v1/mentorships/{m.pk}", None),
        ("post", f"/api/v1/mentorships/{m.pk}/pause", {"until": "2099-01-01"}),
        ("post", f"/api/v1/mentorships/{m.pk}/resume", {}),
        ("post", f"/api/v1/mentorships/{m.pk}/end", {}),
        ("get", f"/api/v1/mentorships/{m.pk}/agreement", None),
        ("post", f"/api/v1/mentorships/{m.pk}/agreement", {"base_version": 0}),
        ("post", f"/api/v1/mentorships/{m.pk}/agreement/confirm", {"version": 1}),
        ("get", f"/api/v1/goals?mentorship_id={m.pk}", None),
        ("post", "/api/v1/goals", {"mentorship_id": m.pk, "title": "Hijack"}),
        ("get", f"/api/v1/goals/{goal.pk}", None),
        ("patch", f"/api/v1/goals/{goal.pk}", {"title": "x"}),
        ("post", f"/api/v1/goals/{goal.pk}/milestones", {"title": "x"}),
        ("post", f"/api/v1/goals/{goal.pk}/progress", {"progress": 5}),
        ("patch", f"/api/v1/milestones/{milestone.pk}", {"done": True}),
    ]
    for method, url, body in calls:
        if body is None:
            response = getattr(client, method)(url)
        else:
            import json

            response = getattr(client, method)(
                url, data=json.dumps(body), content_type="application/json"
            )
        assert response.status_code == 404, (method, url, response.status_code)
        assert response.json()["error"]["code"] == "not_found"
    assert client.get("/api/v1/requests").json() == []
    assert client.get("/api/v1/mentorships").json() == []
    r.refresh_from_db()
    assert r.status == "pending"


def test_api_needs_a_session(client, db):
    assert client.get("/api/v1/requests").status_code == 401
