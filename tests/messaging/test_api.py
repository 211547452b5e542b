"""The messaging HTTP API (the fallback when sockets are blocked), through the test client."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from mentorloom.messaging import services
from mentorloom.messaging.models import Message
from mentorloom.safety.models import Block
from tests.factories import UserFactory, client_for
from tests.messaging.helpers import mentorship_conversation

pytestmark = pytest.mark.django_db
BASE = "/api/v1/conversations"


@pytest.fixture
def convo():
    return mentorship_conversation()


@pytest.fixture
def mentor_client(convo) -> Client:
    return client_for(convo.mentorship.mentor)


@pytest.fixture
def mentee_client(convo) -> Client:
    return client_for(convo.mentorship.mentee)


@pytest.fixture
def outsider_client() -> Client:
    return client_for(UserFactory())


def post(client: Client, path: str, data: dict):  # type: ignore[no-untyped-def]
    return client.post(path, data, content_type="application/json")


def test_list_conversations_with_unread_counts(convo, mentor_client, mentee_client):
    for n in range(3):
        post(
            mentor_client,
            f"{BASE}/{convo.pk}/messages",
            {"client_id": str(uuid.uuid4()), "body": f"m{n}"},
        )
    response = mentee_client.get(BASE)
    assert response.status_code == 200
    [row] = response.json()
    assert row["id"] == convo.pk
    assert row["unread_count"] == 3
    assert row["others"] == [{"id": convo.mentorship.mentor_id, "name": "Mira Mentor"}]
    assert row["url"] == f"/messages/{convo.pk}/"
    assert (row["last_message_preview"], row["last_message_sender_id"]) == (
        "m2",
        convo.mentorship.mentor_id,
    )
    assert mentor_client.get(BASE).json()[0]["unread_count"] == 0


def test_a_conversation_without_messages_has_no_preview(convo, mentee_client):
    [row] = mentee_client.get(BASE).json()
    assert (row["last_message_preview"], row["last_message_sender_id"]) == (None, None)


def test_outsider_sees_no_conversations(convo, outsider_client):
    assert outsider_client.get(BASE).json() == []


def test_anonymous_gets_401():
    response = Client().get(BASE)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"


def test_post_is_idempotent_by_client_id(convo, mentor_client):
    body = {"client_id": str(uuid.uuid4()), "body": "Hello"}
    first = post(mentor_client, f"{BASE}/{convo.pk}/messages", body)
    again = post(mentor_client, f"{BASE}/{convo.pk}/messages", body)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Message.objects.count() == 1


def test_post_with_a_reused_client_id_and_a_different_body_is_409(convo, mentor_client):
    client_id = str(uuid.uuid4())
    first = post(
        mentor_client, f"{BASE}/{convo.pk}/messages", {"client_id": client_id, "body": "Hi"}
    )
    other = {"client_id": client_id, "body": "Something else"}
    again = post(mentor_client, f"{BASE}/{convo.pk}/messages", other)
    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "client_id_reused"
    assert list(Message.objects.values_list("body", flat=True)) == ["Hi"]


def test_unverified_sender_is_refused_with_403_and_nothing_is_stored(convo):
    mentor = convo.mentorship.mentor
    mentor.email_verified_at = None
    mentor.save(update_fields=["email_verified_at"])
    body = {"client_id": str(uuid.uuid4()), "body": "Hello"}
    response = post(client_for(mentor), f"{BASE}/{convo.pk}/messages", body)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"
    assert not Message.objects.exists()


def test_post_renders_markdown_lite_and_sanitises(convo, mentor_client):
    body = "**bold** [link](https://example.org) <script>alert(1)</script> [x](javascript:alert(1))"
    response = post(
        mentor_client, f"{BASE}/{convo.pk}/messages", {"client_id": str(uuid.uuid4()), "body": body}
    )
    html = response.json()["html"]
    assert "<strong>bold</strong>" in html
    assert 'href="https://example.org"' in html and 'rel="nofollow noopener noreferrer ugc"' in html
    assert "<script" not in html and 'href="javascript' not in html


def test_messages_after_and_before_cursors(convo, mentor_client):
    ids = [
        post(
            mentor_client,
            f"{BASE}/{convo.pk}/messages",
            {"client_id": str(uuid.uuid4()), "body": f"m{n}"},
        ).json()["id"]
        for n in range(5)
    ]
    latest = mentor_client.get(f"{BASE}/{convo.pk}/messages?limit=2").json()
    assert [m["id"] for m in latest["messages"]] == ids[3:]
    assert latest["has_more"] is True
    older = mentor_client.get(f"{BASE}/{convo.pk}/messages?before={ids[3]}&limit=2").json()
    assert [m["id"] for m in older["messages"]] == ids[1:3]
    after = mentor_client.get(f"{BASE}/{convo.pk}/messages?after={ids[1]}").json()
    assert [m["id"] for m in after["messages"]] == ids[2:]
    assert after["has_more"] is False


@pytest.mark.parametrize("query", ["limit=0", "limit=201", "after=-1", "after=abc"])
def test_bad_cursor_is_422(convo, mentor_client, query):
    response = mentor_client.get(f"{BASE}/{convo.pk}/messages?{query}")
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("method", "suffix", "data"),
    [
        ("get", "/messages", None),
        ("post", "/messages", {"client_id": str(uuid.uuid4()), "body": "hi"}),
        ("post", "/read", {"up_to_id": 1}),
    ],
)
def test_outsider_gets_404_for_every_conversation_route(
    convo, outsider_client, method, suffix, data
):
    path = f"{BASE}/{convo.pk}{suffix}"
    response = outsider_client.get(path) if method == "get" else post(outsider_client, path, data)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert Message.objects.count() == 0


def test_missing_conversation_is_404_like_a_foreign_one(mentor_client):
    assert mentor_client.get(f"{BASE}/999999/messages").status_code == 404


def test_body_over_10000_chars_is_422(convo, mentor_client):
    response = post(
        mentor_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "x" * 10_001},
    )
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "message_too_long"
    assert "body" in response.json()["error"]["fields"]


def test_missing_or_bad_client_id_is_422(convo, mentor_client):
    for data in ({"body": "hi"}, {"client_id": "nope", "body": "hi"}):
        response = post(mentor_client, f"{BASE}/{convo.pk}/messages", data)
        assert response.status_code == 422
        assert "client_id" in response.json()["error"]["fields"]


def test_blocked_pair_gets_403(convo, mentor_client):
    Block.objects.create(blocker=convo.mentorship.mentee, blocked=convo.mentorship.mentor)
    response = post(
        mentor_client, f"{BASE}/{convo.pk}/messages", {"client_id": str(uuid.uuid4()), "body": "hi"}
    )
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "blocked"


def test_ended_mentorship_gets_409(convo, mentor_client):
    convo.mentorship.status = "ended"
    convo.mentorship.save()
    response = post(
        mentor_client, f"{BASE}/{convo.pk}/messages", {"client_id": str(uuid.uuid4()), "body": "hi"}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "conversation_closed"


def test_rate_limit_is_429(convo, mentor_client):
    with time_machine.travel("2026-03-02 10:00:00+00:00", tick=False):
        statuses = [
            post(
                mentor_client,
                f"{BASE}/{convo.pk}/messages",
                {"client_id": str(uuid.uuid4()), "body": "x"},
            ).status_code
            for _ in range(services.SEND_LIMIT + 1)
        ]
    assert statuses[:-1] == [201] * services.SEND_LIMIT
    assert statuses[-1] == 429


def test_read_moves_the_marker_and_unread_count(convo, mentor_client, mentee_client):
    sent = post(
        mentor_client, f"{BASE}/{convo.pk}/messages", {"client_id": str(uuid.uuid4()), "body": "x"}
    ).json()
    response = post(mentee_client, f"{BASE}/{convo.pk}/read", {"up_to_id": sent["id"]})
    assert response.status_code == 200
    assert response.json() == {"conversation_id": convo.pk, "last_read_message_id": sent["id"]}
    assert mentee_client.get(BASE).json()[0]["unread_count"] == 0
    reads = mentor_client.get(f"{BASE}/{convo.pk}/messages").json()["reads"]
    assert {"user_id": convo.mentorship.mentee_id, "up_to_id": sent["id"]}.items() <= next(
        r for r in reads if r["user_id"] == convo.mentorship.mentee_id
    ).items()


def test_edit_and_delete_own_message_within_15_minutes(convo, mentor_client):
    sent = post(
        mentor_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "typo"},
    ).json()
    path = f"{BASE}/{convo.pk}/messages/{sent['id']}"
    edited = mentor_client.patch(path, {"body": "fixed"}, content_type="application/json")
    assert edited.status_code == 200
    assert edited.json()["body"] == "fixed" and edited.json()["edited_at"] is not None
    deleted = mentor_client.delete(path)
    assert deleted.status_code == 200
    assert deleted.json()["deleted"] is True and deleted.json()["body"] == ""


def test_edit_after_15_minutes_is_409(convo, mentor_client):
    sent = post(
        mentor_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "old"},
    ).json()
    message = Message.objects.get(pk=sent["id"])
    with time_machine.travel(message.created_at + timedelta(minutes=16)):
        response = mentor_client.patch(
            f"{BASE}/{convo.pk}/messages/{sent['id']}",
            {"body": "new"},
            content_type="application/json",
        )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "edit_window_closed"


def test_after_a_block_editing_is_refused_as_sending_is_but_deleting_works(
    convo, mentor_client, mentee_client
):
    sent = post(
        mentee_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "Thanks for today"},
    ).json()
    Block.objects.create(blocker=convo.mentorship.mentor, blocked=convo.mentorship.mentee)
    refused_send = post(
        mentee_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "hello?"},
    )
    path = f"{BASE}/{convo.pk}/messages/{sent['id']}"
    refused_edit = mentee_client.patch(path, {"body": "rewritten"}, content_type="application/json")
    assert refused_edit.status_code == refused_send.status_code == 403
    assert refused_edit.json()["error"] == refused_send.json()["error"]
    assert Message.objects.get(pk=sent["id"]).body == "Thanks for today"
    assert mentee_client.delete(path).status_code == 200


def test_editing_someone_elses_message_is_403(convo, mentor_client, mentee_client):
    sent = post(
        mentor_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "mine"},
    ).json()
    path = f"{BASE}/{convo.pk}/messages/{sent['id']}"
    assert (
        mentee_client.patch(path, {"body": "x"}, content_type="application/json").status_code == 403
    )
    assert mentee_client.delete(path).status_code == 403


def test_outsider_cannot_edit_or_delete_and_gets_404(convo, mentor_client, outsider_client):
    sent = post(
        mentor_client,
        f"{BASE}/{convo.pk}/messages",
        {"client_id": str(uuid.uuid4()), "body": "mine"},
    ).json()
    path = f"{BASE}/{convo.pk}/messages/{sent['id']}"
    assert (
        outsider_client.patch(path, {"body": "x"}, content_type="application/json").status_code
        == 404
    )
    assert outsider_client.delete(path).status_code == 404


def test_message_of_another_conversation_is_404(convo, mentor_client):
    other = mentorship_conversation(mentor=convo.mentorship.mentor)
    sent = post(
        mentor_client, f"{BASE}/{other.pk}/messages", {"client_id": str(uuid.uuid4()), "body": "x"}
    ).json()
    response = mentor_client.delete(f"{BASE}/{convo.pk}/messages/{sent['id']}")
    assert response.status_code == 404
