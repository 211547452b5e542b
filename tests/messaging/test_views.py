"""Chat pages: inbox, conversation (with the no-JavaScript form), the mentorship shortcut."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from mentorloom.messaging import services
from mentorloom.messaging.models import Message
from tests.factories import UserFactory, client_for
from tests.messaging.helpers import mentorship_conversation

pytestmark = pytest.mark.django_db


@pytest.fixture
def convo():
    return mentorship_conversation()


def test_mentorship_chat_redirects_to_its_conversation(convo):
    response = client_for(convo.mentorship.mentee).get(
        reverse("messaging:mentorship_chat", args=[convo.mentorship_id])
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("messaging:conversation", args=[convo.pk])


def test_mentorship_chat_is_404_for_an_outsider(convo):
    response = client_for(UserFactory()).get(
        reverse("messaging:mentorship_chat", args=[convo.mentorship_id])
    )
    assert response.status_code == 404


def test_conversation_page_shows_sanitised_history_and_the_live_module(convo):
    mentor = convo.mentorship.mentor
    services.send_message(mentor, convo, uuid.uuid4(), "Hi **there** <img src=x onerror=alert(1)>")
    response = client_for(convo.mentorship.mentee).get(
        reverse("messaging:conversation", args=[convo.pk])
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "<strong>there</strong>" in html
    assert "<img src=x" not in html and "&lt;img" in html
    assert "Mira Mentor" in html
    assert "mentorloom/js/chat.js" in html
    assert 'name="client_id"' in html


def test_conversation_page_is_404_for_an_outsider(convo):
    response = client_for(UserFactory()).get(reverse("messaging:conversation", args=[convo.pk]))
    assert response.status_code == 404


def test_anonymous_is_sent_to_log_in(convo):
    response = Client().get(reverse("messaging:conversation", args=[convo.pk]))
    assert response.status_code == 302 and "/accounts/login" in response["Location"]


def test_form_post_without_javascript_sends_once_even_if_submitted_twice(convo):
    client = client_for(convo.mentorship.mentee)
    url = reverse("messaging:conversation", args=[convo.pk])
    form = {"client_id": str(uuid.uuid4()), "body": "Sent without JavaScript"}
    first = client.post(url, form)
    second = client.post(url, form)  # double click / resubmission
    assert first.status_code == second.status_code == 302
    assert Message.objects.filter(body="Sent without JavaScript").count() == 1


def test_form_post_errors_are_shown_next_to_the_field(convo):
    client = client_for(convo.mentorship.mentee)
    url = reverse("messaging:conversation", args=[convo.pk])
    response = client.post(url, {"client_id": str(uuid.uuid4()), "body": "x" * 10_001})
    assert response.status_code == 422
    html = response.content.decode()
    assert "at most 10,000 characters" in html
    assert 'aria-invalid="true"' in html
    assert Message.objects.count() == 0


def test_older_history_loads_as_an_htmx_partial(convo, monkeypatch):
    monkeypatch.setattr(services, "SEND_LIMIT", 1000)
    mentor = convo.mentorship.mentor
    ids = [services.send_message(mentor, convo, uuid.uuid4(), f"m{n}")[0].pk for n in range(55)]
    client = client_for(convo.mentorship.mentee)
    url = reverse("messaging:conversation", args=[convo.pk])
    page = client.get(url).content.decode()
    assert f'data-id="{ids[5]}"' in page and f'data-id="{ids[4]}"' not in page
    assert f"?before={ids[5]}" in page
    partial = client.get(f"{url}?before={ids[5]}", headers={"HX-Request": "true"})
    html = partial.content.decode()
    assert "<html" not in html
    assert all(f'data-id="{i}"' in html for i in ids[:5])
    assert "Load older messages" not in html  # nothing older left


def test_inbox_lists_conversations_with_unread_counts(convo):
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "one")
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "two")
    html = client_for(convo.mentorship.mentee).get(reverse("messaging:inbox")).content.decode()
    assert "Mira Mentor" in html
    assert "2 unread" in html
    assert "<title>(2) Messages · " in html  # a tab in the background shows the count too


def test_inbox_shows_each_conversations_newest_message_as_one_line(convo):
    mentee = convo.mentorship.mentee
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "Hi, **welcome**!")
    inbox = reverse("messaging:inbox")
    html = client_for(mentee).get(inbox).content.decode()
    assert '<p class="inbox__preview small muted">Hi, welcome!</p>' in html
    # Your own last word is marked as yours, and markup is text, not HTML.
    mine, _ = services.send_message(mentee, convo, uuid.uuid4(), "Tom & <b>Jerry</b>")
    html = client_for(mentee).get(inbox).content.decode()
    assert (
        '<p class="inbox__preview small muted">You: Tom &amp; &lt;b&gt;Jerry&lt;/b&gt;</p>' in html
    )
    services.delete_message(mentee, mine)
    assert "You: Message deleted" in client_for(mentee).get(inbox).content.decode()


def test_inbox_list_alone_for_htmx_with_the_total_swapped_out_of_band(convo):
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "one")
    response = client_for(convo.mentorship.mentee).get(
        reverse("messaging:inbox"), headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert "<html" not in html
    assert html.lstrip().startswith('<div id="inbox-list"')
    assert '<span id="inbox-total" hx-swap-oob="true">' in html
    assert 'aria-label="1 unread">1</span>' in html
    assert "HX-Request" in response["Vary"]


def test_empty_inbox_explains_what_to_do():
    html = client_for(UserFactory()).get(reverse("messaging:inbox")).content.decode()
    assert "No conversations yet" in html


@pytest.mark.parametrize("raw", ["²", "99999999999999999999999", "-3"])
def test_odd_before_parameter_shows_the_newest_messages_not_500(convo, raw):
    services.send_message(convo.mentorship.mentor, convo, uuid.uuid4(), "newest words")
    url = reverse("messaging:conversation", args=[convo.pk])
    response = client_for(convo.mentorship.mentee).get(url, {"before": raw})
    assert response.status_code == 200 and "newest words" in response.content.decode()
