"""The sessions API through the test client: agenda, notes, action items, feedback, summary."""

from __future__ import annotations

import pytest
from django.test import Client

from mentorloom.scheduling.services import mark_no_show
from mentorloom.sessions import services
from tests.factories import ProfileFactory, SchedulingMentorshipFactory

from .conftest import make_session, release

pytestmark = pytest.mark.django_db
TRAITS = ("empathy", "adaptability", "active_listening", "encouragement", "expertise")


def as_user(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def put(client: Client, url: str, data: dict):  # type: ignore[no-untyped-def]
    return client.put(url, data, content_type="application/json")


@pytest.mark.parametrize(
    ("method", "suffix"),
    [
        ("get", "agenda"),
        ("put", "agenda"),
        ("get", "notes"),
        ("put", "notes"),
        ("get", "private-note"),
        ("get", "action-items"),
        ("post", "action-items"),
        ("get", "feedback"),
        ("put", "feedback"),
    ],
)
def test_outsiders_get_404_for_every_session_route(past, outsider, method, suffix):
    client = as_user(outsider)
    url = f"/api/v1/sessions/{past.pk}/{suffix}"
    payload = {"body": "x", "base_version": 0, "title": "x", "owner_id": outsider.pk}
    call = getattr(client, method)
    response = call(url) if method == "get" else call(url, payload, content_type="application/json")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_agenda_round_trip_with_version_check(upcoming):
    client = as_user(upcoming.mentee)
    body = {
        "topics": [{"title": "CV", "goal": "Pick 3 projects", "minutes": 20}, {"title": "Q&A"}],
        "questions": "What next?",
        "links": "https://example.org/cv",
        "base_version": 0,
    }
    response = put(client, f"/api/v1/sessions/{upcoming.pk}/agenda", body)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["version"] == 1 and [t["title"] for t in data["topics"]] == ["CV", "Q&A"]
    assert data["links"] == ["https://example.org/cv"]
    assert "1. CV (20 min) — goal: Pick 3 projects" in data["text"]
    stale = put(as_user(upcoming.mentor), f"/api/v1/sessions/{upcoming.pk}/agenda", body)
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_agenda"


def test_agenda_templates_are_listed_and_applied(upcoming):
    client = as_user(upcoming.mentee)
    slugs = [t["slug"] for t in client.get("/api/v1/agenda-templates").json()]
    assert "mock-interview" in slugs
    url = f"/api/v1/sessions/{upcoming.pk}/agenda/template"
    applied = client.post(url, {"template": "mock-interview"}, content_type="application/json")
    assert [t["title"] for t in applied.json()["topics"]][1] == "Interview"
    bad = client.post(url, {"template": "nope"}, content_type="application/json")
    assert bad.status_code == 422 and "template" in bad.json()["error"]["fields"]


def test_carried_forward_items_are_suggested_and_accepted_over_the_api(past, upcoming):
    services.create_action_item(past, past.mentor, title="Draft CV", owner_id=past.mentee_id)
    client = as_user(upcoming.mentee)
    suggestions = client.get(f"/api/v1/sessions/{upcoming.pk}/agenda").json()["suggestions"]
    assert [s["title"] for s in suggestions] == ["Draft CV"]
    response = client.post(
        f"/api/v1/sessions/{upcoming.pk}/agenda/suggestions",
        {"kind": "action_item", "id": suggestions[0]["id"]},
        content_type="application/json",
    )
    assert response.json()["topics"][0]["title"] == "Follow up: Draft CV"
    assert response.json()["suggestions"] == []


def test_notes_save_then_stale_save_gets_409_with_the_current_text(past):
    url = f"/api/v1/sessions/{past.pk}/notes"
    body = "<b onclick=x>hi</b> **there**"
    first = put(as_user(past.mentee), url, {"body": body, "base_version": 0})
    assert first.status_code == 200
    assert first.json()["version"] == 1
    html = first.json()["html"]
    assert "<b " not in html and "&lt;b onclick=x&gt;" in html  # escaped text, not a tag
    assert "<strong>there</strong>" in html
    stale = put(as_user(past.mentor), url, {"body": "mine", "base_version": 0})
    assert stale.status_code == 409
    assert stale.json()["error"]["code"] == "stale_notes"
    assert stale.json()["current"] == {"body": "<b onclick=x>hi</b> **there**", "version": 1}


def test_notes_over_100_kb_get_422_and_nothing_changes(past):
    url = f"/api/v1/sessions/{past.pk}/notes"
    response = put(as_user(past.mentee), url, {"body": "x" * (100 * 1024 + 1), "base_version": 0})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "notes_too_large"
    assert as_user(past.mentee).get(url).json()["version"] == 0


def test_private_note_is_never_visible_to_the_other_participant(past):
    url = f"/api/v1/sessions/{past.pk}/private-note"
    put(as_user(past.mentee), url, {"body": "only me"})
    assert as_user(past.mentee).get(url).json()["body"] == "only me"
    assert as_user(past.mentor).get(url).json()["body"] == ""


def test_action_items_create_list_patch_and_outsider_404(past, outsider):
    client = as_user(past.mentor)
    created = client.post(
        f"/api/v1/sessions/{past.pk}/action-items",
        {"title": "Send CV", "owner_id": past.mentee_id, "due_date": "2000-01-01"},
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["overdue"] is True
    item_id = created.json()["id"]
    mine = as_user(past.mentee).get("/api/v1/me/action-items").json()
    assert [i["id"] for i in mine] == [item_id]
    patched = client.patch(
        f"/api/v1/action-items/{item_id}", {"status": "done"}, content_type="application/json"
    )
    assert patched.json()["status"] == "done" and patched.json()["overdue"] is False
    assert as_user(past.mentee).get("/api/v1/me/action-items").json() == []
    bad_owner = client.post(
        f"/api/v1/sessions/{past.pk}/action-items",
        {"title": "x", "owner_id": outsider.pk},
        content_type="application/json",
    )
    assert bad_owner.status_code == 422
    hidden = as_user(outsider).patch(
        f"/api/v1/action-items/{item_id}", {"status": "open"}, content_type="application/json"
    )
    assert hidden.status_code == 404


def test_mentee_feedback_over_the_api(past):
    url = f"/api/v1/sessions/{past.pk}/feedback"
    client = as_user(past.mentee)
    assert client.get(url).json()["given"] is False
    response = put(client, url, {**dict.fromkeys(TRAITS, 5), "useful": True, "comment": "Thanks"})
    assert response.status_code == 200
    data = response.json()
    assert data["role"] == "mentee" and data["given"] and data["mine"]["share_comment"] is False


@pytest.mark.parametrize("bad", [0, 6])
def test_ratings_outside_1_to_5_get_422(past, bad):
    response = put(
        as_user(past.mentee),
        f"/api/v1/sessions/{past.pk}/feedback",
        {**dict.fromkeys(TRAITS, 3), "expertise": bad, "useful": True},
    )
    assert response.status_code == 422
    assert "expertise" in response.json()["error"]["fields"]


def test_feedback_before_the_session_ended_gets_409(upcoming):
    response = put(
        as_user(upcoming.mentee),
        f"/api/v1/sessions/{upcoming.pk}/feedback",
        {**dict.fromkeys(TRAITS, 3), "useful": True},
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "session_not_over"


def test_feedback_api_stays_open_to_the_mentee_a_no_show_report_names_absent(past):
    mark_no_show(past.mentor, past)
    url = f"/api/v1/sessions/{past.pk}/feedback"
    mentee = as_user(past.mentee)
    assert mentee.get(url).json()["can_give"] is True
    assert as_user(past.mentor).get(url).json()["can_give"] is False
    response = put(mentee, url, {**dict.fromkeys(TRAITS, 2), "useful": False})
    assert response.status_code == 200 and response.json()["given"] is True


def test_mentor_feedback_reaches_the_mentee(past):
    url = f"/api/v1/sessions/{past.pk}/feedback"
    response = put(as_user(past.mentor), url, {"progress": "Big steps", "next_steps": "Apply"})
    assert response.json()["role"] == "mentor"
    assert as_user(past.mentee).get(url).json()["received"]["progress"] == "Big steps"


def _rate_by_new_mentees(mentor, n: int, start: int = 0) -> None:  # type: ignore[no-untyped-def]
    for i in range(start, start + n):
        session = make_session(SchedulingMentorshipFactory(mentor=mentor), days=-1 - i / 24)
        services.give_trait_feedback(
            session, session.mentee, ratings=dict.fromkeys(TRAITS, 4), useful=i % 2 == 0
        )


def test_feedback_summary_hides_everything_at_2_raters_and_shows_averages_at_3():
    mentor = ProfileFactory(is_mentor=True).user
    client = as_user(mentor)
    _rate_by_new_mentees(mentor, 2)
    release()
    below = client.get("/api/v1/me/feedback-summary").json()
    assert below["enough"] is False and below["k"] == 3 and below["released_at"] is None
    assert below["averages"] == {} and below["trend"] == [] and below["raters"] is None
    _rate_by_new_mentees(mentor, 1, start=2)
    # Live ratings never show: the third mentee counts from the next weekly release on.
    assert client.get("/api/v1/me/feedback-summary").json()["enough"] is False
    release(weeks_later=2)
    at_k = client.get("/api/v1/me/feedback-summary").json()
    assert at_k["enough"] is True and at_k["raters"] == 3 and at_k["period"] == "90d"
    assert at_k["averages"]["active_listening"] == 4.0
    assert "mentee_id" not in str(at_k) and "session" not in str(at_k)


@pytest.mark.parametrize("query", ["days=-1", "days=35", "days=45", "days=91", "period=30d"])
def test_feedback_summary_rejects_any_but_the_fixed_periods(query):
    client = as_user(ProfileFactory().user)
    response = client.get(f"/api/v1/me/feedback-summary?{query}")
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["fields"].keys() == {query.split("=")[0]}


@pytest.mark.parametrize(
    ("query", "period", "days"),
    [("", "90d", 90), ("days=90", "90d", 90), ("days=365", "12m", 365), ("days=0", "all", None),
     ("period=12m", "12m", 365), ("period=all", "all", None)],
)  # fmt: skip
def test_feedback_summary_maps_legacy_days_to_the_fixed_periods(query, period, days):
    body = as_user(ProfileFactory().user).get(f"/api/v1/me/feedback-summary?{query}").json()
    assert body["period"] == period and body["days"] == days


def test_stale_notes_put_with_its_base_text_merges_and_overlaps_get_409(past):
    url = f"/api/v1/sessions/{past.pk}/notes"
    base = "a\nb\nc\n"
    put(as_user(past.mentee), url, {"body": base, "base_version": 0})
    put(as_user(past.mentee), url, {"body": "A\nb\nc\n", "base_version": 1, "base_body": base})

    merged = put(
        as_user(past.mentor), url, {"body": "a\nb\nC\n", "base_version": 1, "base_body": base}
    )
    assert merged.status_code == 200
    assert (merged.json()["body"], merged.json()["version"]) == ("A\nb\nC\n", 3)

    overlap = put(
        as_user(past.mentor), url, {"body": "a2\nb\nc\n", "base_version": 1, "base_body": base}
    )
    assert overlap.status_code == 409
    answer = overlap.json()
    assert answer["error"]["code"] == "stale_notes"
    assert answer["overlaps"] == [{"base": "a", "mine": "a2", "theirs": "A"}]
    assert answer["merged"] == "a2\nb\nC\n" and answer["current"]["version"] == 3
