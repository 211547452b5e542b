"""The parts of a post that communities_tags builds in Python (meta line, reaction buttons,
"More" menu, thread link, files): what each viewer sees, that people's text is escaped, that
the forms carry the page's CSRF token and post to the right place, and that a page of posts
with reactions and files costs a fixed number of queries."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from mentorloom.communities import selectors, services
from mentorloom.messaging.events import message_payload
from mentorloom.messaging.models import REACTIONS, Attachment, AttachmentKind, Message
from tests.communities.helpers import community_with, person, post
from tests.factories import client_for

pytestmark = pytest.mark.django_db


def page_of(user, community, channel) -> str:  # type: ignore[no-untyped-def]
    response = client_for(user).get(
        reverse("communities:channel", args=[community.slug, channel.pk])
    )
    assert response.status_code == 200
    return response.content.decode()


def article(html: str, message: Message) -> str:
    match = re.search(rf'<article [^>]*id="post-{message.pk}".*?</article>', html, re.S)
    assert match, f"post {message.pk} is not on the page"
    return match.group(0)


def test_the_authors_name_is_escaped_and_links_to_their_profile():
    community, owner, _moderator, member, general = community_with()
    owner.profile.display_name = '<img src=x onerror="alert(1)"> Olga'
    owner.profile.save(update_fields=["display_name"])
    message = post(owner, general, "Welcome")
    html = article(page_of(member, community, general), message)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; Olga" in html
    assert f'href="{reverse("profiles:public", args=[owner.pk])}"' in html
    assert re.search(
        r'<time datetime="\d{4}-\d\d-\d\dT[\d:.]+\+0[01]:00">\d{1,2} \w{3}, \d\d:\d\d', html
    )


def test_reaction_buttons_show_counts_and_the_viewers_own_as_pressed():
    community, owner, moderator, member, general = community_with()
    message = post(owner, general, "Ship it")
    services.react_to_post(member, general, message, "tada")
    services.react_to_post(moderator, general, message, "tada")
    services.react_to_post(moderator, general, message, "heart")
    html = article(page_of(member, community, general), message)
    buttons = re.findall(
        r'<button class="reaction[^"]*"[^>]*data-reaction="(\w+)">.*?</button>', html
    )
    assert buttons == list(REACTIONS)  # every reaction, in the fixed order
    tada = re.search(
        r'<button class="reaction reaction--mine[^>]*data-reaction="tada">.*?</button>', html
    )
    assert (
        tada
        and 'aria-pressed="true"' in tada.group(0)
        and "<span data-count>2</span>" in tada.group(0)
    )
    heart = re.search(r'<button class="reaction btn[^>]*data-reaction="heart">.*?</button>', html)
    assert (
        heart
        and 'aria-pressed="false"' in heart.group(0)
        and "<span data-count>1</span>" in heart.group(0)
    )
    react_url = reverse("communities:react", args=[community.slug, general.pk, message.pk])
    assert html.count(f'action="{react_url}"') == len(REACTIONS)
    # The forms carry the page's CSRF token: pressing one works with CSRF checks on.
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    html = article(
        strict.get(
            reverse("communities:channel", args=[community.slug, general.pk])
        ).content.decode(),
        message,
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    pressed = strict.post(react_url, {"csrfmiddlewaretoken": token, "key": "heart", "active": "1"})
    assert pressed.status_code in (200, 302)
    assert message.reactions.filter(user=member, key="heart").exists()


def test_the_more_menu_offers_what_each_role_may_do():
    community, owner, moderator, member, general = community_with()
    message = post(owner, general, "A post")
    moderate_url = reverse(
        "communities:moderate_post", args=[community.slug, general.pk, message.pk]
    )
    as_member = article(page_of(member, community, general), message)
    assert f'action="{moderate_url}"' in as_member and 'value="report">Report' in as_member
    assert 'value="pin"' not in as_member and 'value="delete">Delete<' not in as_member
    assert f'<label for="reason-{message.pk}">Reason</label>' in as_member
    as_moderator = article(page_of(moderator, community, general), message)
    assert 'value="pin">Pin</button>' in as_moderator
    assert 'value="delete">Delete</button>' in as_moderator


def test_a_story_author_may_delete_their_story_from_the_menu():
    community, _owner, _moderator, member, general = community_with()
    member.profile.is_mentor = True
    member.profile.save(update_fields=["is_mentor"])
    reader = person("Rea Reader")
    services.join_community(reader, community)
    story, _ = services.publish_story(member, general, title="My first failure", body="Long")
    html = article(page_of(member, community, general), story.message)
    assert "Delete story</button>" in html and "community-post--story" in html
    assert 'value="pin"' not in html
    assert "Delete story" not in article(page_of(reader, community, general), story.message)


def test_the_thread_link_counts_replies_in_words():
    community, owner, _moderator, member, general = community_with()
    none, one, two = post(owner, general, "A"), post(owner, general, "B"), post(owner, general, "C")
    post(member, general, "reply", parent_id=one.pk)
    post(member, general, "reply 1", parent_id=two.pk)
    post(owner, general, "reply 2", parent_id=two.pk)
    html = page_of(member, community, general)
    base = reverse("communities:channel", args=[community.slug, general.pk])
    for message, words in [(none, "0 replies"), (one, "1 reply"), (two, "2 replies")]:
        link = (
            f'<a href="{base}?thread={message.pk}#post-{message.pk}" data-thread-link>{words}</a>'
        )
        assert link in article(html, message)


def test_files_show_on_the_post_and_a_page_costs_the_same_queries_with_reactions_and_files():
    community, owner, moderator, member, general = community_with()

    def queries() -> int:
        client = client_for(member)
        url = reverse("communities:channel", args=[community.slug, general.pk])
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured.captured_queries)

    for n in range(3):
        post(owner, general, f"Plain {n}")
    plain = queries()
    for n in range(10):
        message = post(moderator, general, f"With extras {n}")
        services.react_to_post(owner, general, message, "heart")
        services.react_to_post(member, general, message, "thanks")
        Attachment.objects.create(
            message=message,
            kind=AttachmentKind.PDF,
            content_type="application/pdf",
            name=f"notes-{n}.pdf",
            size=1234,
            file=f"chat/{uuid.uuid4().hex}.pdf",
        )
    assert queries() == plain
    html = page_of(member, community, general)
    assert "notes-9.pdf" in html and "(PDF, 1.2\xa0KB)" in html
    # The API's payloads of a page read the same lists: no query per post.
    page = selectors.channel_page(member, general)
    with CaptureQueriesContext(connection) as captured:
        payloads = [message_payload(m) for m in page.posts]
    assert not captured.captured_queries
    assert {len(p["attachments"]) for p in payloads} == {0, 1}


def test_a_live_post_fragment_does_not_count_notifications():
    """Every template rendered with the request gets the nav badge's count; it is counted
    only when a template shows it (the page), not for a fragment such as a live post."""
    community, owner, _moderator, member, general = community_with()
    message = post(owner, general, "Fresh")
    client = client_for(member)
    url = reverse("communities:post_partial", args=[community.slug, general.pk, message.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        fragment = client.get(url)
    assert fragment.status_code == 200 and b"Fresh" in fragment.content
    assert not [
        q
        for q in captured.captured_queries
        if "notifications_notification" in q["sql"] and "COUNT" in q["sql"]
    ]
