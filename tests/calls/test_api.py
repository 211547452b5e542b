import pytest

from mentorloom.calls import services
from tests.factories import UserFactory


@pytest.fixture
def mentor_client(client, pair):
    client.force_login(pair[0])
    return client


def test_start_call_returns_201_then_200_for_the_same_live_call(mentor_client, pair):
    _, _, mentorship = pair
    first = mentor_client.post(f"/api/v1/mentorships/{mentorship.pk}/calls")
    second = mentor_client.post(f"/api/v1/mentorships/{mentorship.pk}/calls")
    assert first.status_code == 201
    assert second.status_code == 200
    assert first.json()["id"] == second.json()["id"]
    assert first.json()["room_url"] == f"/calls/{first.json()['id']}/"


def test_starting_a_call_needs_a_verified_email(mentor_client, pair):
    mentor, _, mentorship = pair
    mentor.email_verified_at = None
    mentor.save(update_fields=["email_verified_at"])
    response = mentor_client.post(f"/api/v1/mentorships/{mentorship.pk}/calls")
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "email_unverified"
    assert not mentorship.calls.exists()


def test_call_history_lists_the_mentorship_calls(mentor_client, pair):
    mentor, _, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    services.end_call(mentor, call)
    history = mentor_client.get(f"/api/v1/mentorships/{mentorship.pk}/calls").json()
    assert [(c["id"], c["status"]) for c in history] == [(call.pk, "missed")]


def test_outsiders_get_404_on_every_call_endpoint(client, pair):
    mentor, _, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    client.force_login(UserFactory())
    for method, url in [
        ("post", f"/api/v1/mentorships/{mentorship.pk}/calls"),
        ("get", f"/api/v1/mentorships/{mentorship.pk}/calls"),
        ("get", f"/api/v1/calls/{call.pk}"),
        ("post", f"/api/v1/calls/{call.pk}/end"),
        ("post", f"/api/v1/calls/{call.pk}/decline"),
        ("get", f"/api/v1/calls/{call.pk}/ice-servers"),
    ]:
        response = getattr(client, method)(url)
        assert response.status_code == 404, url
        assert response.json()["error"]["code"] == "not_found"
    assert client.get(f"/calls/{call.pk}/").status_code == 404


def test_ending_a_call_through_the_api(mentor_client, pair):
    mentor, _, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    response = mentor_client.post(f"/api/v1/calls/{call.pk}/end")
    assert response.json()["status"] == "missed"


def test_declining_your_own_call_is_a_409(mentor_client, pair):
    mentor, _, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    response = mentor_client.post(f"/api/v1/calls/{call.pk}/decline")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "call_ended"


def test_start_button_redirects_to_the_room(mentor_client, pair):
    _, _, mentorship = pair
    response = mentor_client.post(f"/mentorships/{mentorship.pk}/call/")
    assert response.status_code == 302
    assert response["Location"].startswith("/calls/")
    room = mentor_client.get(response["Location"])
    assert room.status_code == 200
    assert "Call with Lucas Oliveira" in room.content.decode()


def test_conversation_page_offers_a_call_and_lists_recent_calls(mentor_client, pair):
    from mentorloom.messaging.services import get_or_create_conversation_for_mentorship

    mentor, _, mentorship = pair
    convo = get_or_create_conversation_for_mentorship(mentorship)
    call, _ = services.start_call(mentor, mentorship.pk)
    services.end_call(mentor, call)
    html = mentor_client.get(f"/messages/{convo.pk}/").content.decode()
    assert f'action="/mentorships/{mentorship.pk}/call/"' in html
    assert "Start video call" in html
    assert "Recent calls:" in html and "missed" in html


def test_call_room_shows_the_agenda_of_the_session_on_now(mentor_client, pair):
    from datetime import timedelta

    from django.utils import timezone

    from mentorloom.scheduling.models import Session

    mentor, mentee, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    room = f"/calls/{call.pk}/"
    assert "Prepare and reflect" not in mentor_client.get(room).content.decode()
    soon = timezone.now() + timedelta(minutes=5)  # the room opens 10 minutes early
    Session.objects.create(
        mentorship=mentorship, mentor=mentor, mentee=mentee, starts_at=soon,
        ends_at=soon + timedelta(minutes=45), zone="Asia/Tokyo",
    )  # fmt: skip
    html = mentor_client.get(room).content.decode()
    assert "Prepare and reflect" in html
    assert "data-chat" in html and "Chat with Lucas Oliveira" in html  # the chat beside it


def test_the_unload_beacon_leaves_the_call_and_outsiders_get_404(client, pair):
    mentor, _mentee, mentorship = pair
    call, _ = services.start_call(mentor, mentorship.pk)
    services.call_connected(mentor, call, "tab-1")
    client.force_login(UserFactory())
    assert client.post(f"/calls/{call.pk}/leave/").status_code == 404
    client.force_login(mentor)
    assert client.get(f"/calls/{call.pk}/leave/").status_code == 405
    assert client.post(f"/calls/{call.pk}/leave/").status_code == 204
    assert not call.connections.exists()
