"""Mentors' "open for a quick chat now" toggle: API, inbox page, badge tag, and expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.template import Context, Template
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorloom.messaging.models import ChatPresence
from mentorloom.messaging.selectors import open_for_chat_user_ids
from tests.factories import ProfileFactory, client_for
from tests.messaging.helpers import mentorship_conversation

API = "/api/v1/me/open-for-chat"
NOW = datetime(2026, 5, 4, 9, 0, tzinfo=UTC)
BADGE = "Open for a quick chat</span>"


def _put(client: Client, minutes: object):  # type: ignore[no-untyped-def]
    return client.put(API, json.dumps({"minutes": minutes}), content_type="application/json")


@pytest.fixture
def mentor():  # type: ignore[no-untyped-def]
    return ProfileFactory(is_mentor=True, display_name="Mira Mentor", time_zone="UTC").user


@pytest.mark.django_db
def test_mentor_opens_for_60_minutes_and_expired_presence_is_not_shown(mentor):
    client = client_for(mentor)
    with time_machine.travel(NOW, tick=False):
        response = _put(client, 60)
        assert response.status_code == 200
        assert response.json() == {"open": True, "open_until": "2026-05-04T10:00:00Z"}
        assert client.get(API).json()["open"] is True
    with time_machine.travel(NOW + timedelta(minutes=59), tick=False):
        assert mentor.pk in open_for_chat_user_ids()
    with time_machine.travel(NOW + timedelta(minutes=61), tick=False):
        assert mentor.pk not in open_for_chat_user_ids()
        assert client.get(API).json() == {"open": False, "open_until": None}


@pytest.mark.django_db
def test_opening_again_restarts_the_clock(mentor):
    client = client_for(mentor)
    with time_machine.travel(NOW, tick=False):
        _put(client, 120)
    with time_machine.travel(NOW + timedelta(minutes=10), tick=False):
        assert _put(client, 30).json()["open_until"] == "2026-05-04T09:40:00Z"
    assert ChatPresence.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", [45, 0, -30, "sixty", True, None])
def test_other_durations_are_rejected_with_a_field_error(mentor, minutes):
    response = _put(client_for(mentor), minutes)
    assert response.status_code == 422
    assert not ChatPresence.objects.exists()
    error = response.json()["error"]
    # Numbers outside the choices get our message; non-numbers fail schema validation first.
    assert error["code"] in ("invalid_duration", "invalid")
    assert error["fields"]


@pytest.mark.django_db
def test_45_minutes_is_a_422_invalid_duration(mentor):
    response = _put(client_for(mentor), 45)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_duration"


@pytest.mark.django_db
def test_non_mentor_cannot_open_for_chat():
    mentee = ProfileFactory(is_mentor=False).user
    response = _put(client_for(mentee), 30)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "not_a_mentor"
    assert not ChatPresence.objects.exists()


@pytest.mark.django_db
def test_signed_out_requests_are_401():
    assert Client().put(API, "{}", content_type="application/json").status_code == 401
    assert Client().delete(API).status_code == 401
    assert Client().get(API).status_code == 401


@pytest.mark.django_db
def test_delete_closes_and_is_idempotent(mentor):
    client = client_for(mentor)
    _put(client, 30)
    assert client.delete(API).json() == {"open": False, "open_until": None}
    assert client.delete(API).status_code == 200
    assert mentor.pk not in open_for_chat_user_ids()


@pytest.mark.django_db
def test_inbox_shows_the_badge_beside_an_open_mentor_until_it_expires(mentor):
    convo = mentorship_conversation(mentor=mentor)
    mentee_client = client_for(convo.mentorship.mentee)
    with time_machine.travel(NOW, tick=False):
        _put(client_for(mentor), 30)
        html = mentee_client.get(reverse("messaging:inbox")).text
        assert BADGE in html
        # Mentees do not get the toggle.
        assert reverse("messaging:open_for_chat") not in html
    with time_machine.travel(NOW + timedelta(minutes=31), tick=False):
        assert BADGE not in mentee_client.get(reverse("messaging:inbox")).text


@pytest.mark.django_db
def test_mentor_toggles_on_the_inbox_page_without_javascript(mentor):
    client = client_for(mentor)
    url = reverse("messaging:open_for_chat")
    with time_machine.travel(NOW, tick=False):
        page = client.get(reverse("messaging:inbox")).text
        assert 'name="minutes"' in page and url in page
        response = client.post(url, {"minutes": "120"})
        assert response.status_code == 302
        page = client.get(reverse("messaging:inbox")).text
        assert "open for a quick chat until" in page and "11:00" in page
        client.post(url, {"action": "close"})
    assert not ChatPresence.objects.exists()


@pytest.mark.django_db
def test_page_toggle_with_a_bad_duration_shows_the_error_next_to_the_choices(mentor):
    response = client_for(mentor).post(reverse("messaging:open_for_chat"), {"minutes": "7"})
    assert response.status_code == 422
    assert 'id="presence-error"' in response.text
    assert "Choose 30, 60 or 120 minutes." in response.text


@pytest.mark.django_db
def test_badge_tag_for_profiles_and_cards_uses_one_query_per_request(mentor):
    other = ProfileFactory(is_mentor=True).user
    ChatPresence.objects.create(user=mentor, open_until=datetime(2099, 1, 1, tzinfo=UTC))
    template = Template(
        "{% load messaging_tags %}[{% open_for_chat_badge a %}][{% open_for_chat_badge b %}]"
    )
    request = RequestFactory().get("/")
    with CaptureQueriesContext(connection) as queries:
        html = template.render(Context({"request": request, "a": mentor.pk, "b": other.pk}))
    assert len(queries) == 1
    first, second = html.split("][")
    assert BADGE in first and BADGE not in second


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["²", "99999999999999999999999"])
def test_page_toggle_with_an_odd_number_is_the_duration_error_not_500(mentor, raw):
    response = client_for(mentor).post(reverse("messaging:open_for_chat"), {"minutes": raw})
    assert response.status_code == 422
    assert "Choose 30, 60 or 120 minutes." in response.text
    assert not ChatPresence.objects.exists()
