"""Community pages: render for members, 404 for outsiders' private pages, forms work without JS."""

from __future__ import annotations

import pytest
from django.urls import reverse

from mentorloom.communities.models import JoinRequest, Membership
from mentorloom.messaging.models import Message
from tests.communities.helpers import community_with, person, post
from tests.factories import client_for


@pytest.mark.django_db
def test_directory_and_community_page_render_with_nav_link():
    community, *_rest, member, _general = community_with(description="Critique circle")
    page = client_for(member).get(reverse("communities:directory"), {"q": "design"})
    assert page.status_code == 200
    assert b"Design crit" in page.content and b'href="/communities/"' in page.content
    detail = client_for(member).get(reverse("communities:detail", args=[community.slug]))
    assert b"#general" in detail.content and b"Mo Derator" in detail.content


@pytest.mark.django_db
def test_join_post_reply_and_react_through_forms():
    community, owner, _moderator, _member, general = community_with()
    newcomer = person("New Comer")
    client = client_for(newcomer)
    client.post(reverse("communities:join", args=[community.slug]))
    assert Membership.objects.filter(community=community, user=newcomer).exists()
    root = post(owner, general, "Share your portfolio")
    url = reverse("communities:post", args=[community.slug, general.pk])
    client.post(url, {"body": "Here is mine", "parent_id": root.pk})
    reply = Message.objects.get(parent=root)
    assert reply.sender == newcomer
    client.post(
        reverse("communities:react", args=[community.slug, general.pk, root.pk]),
        {"key": "tada", "active": "1"},
    )
    assert root.reactions.filter(user=newcomer, key="tada").exists()
    page = client.get(
        reverse("communities:channel", args=[community.slug, general.pk]), {"thread": root.pk}
    )
    assert b"Here is mine" in page.content and b"Reply in thread" in page.content


@pytest.mark.django_db
def test_form_errors_are_shown_not_500():
    community, *_rest, member, general = community_with()
    client = client_for(member)
    response = client.post(
        reverse("communities:post", args=[community.slug, general.pk]), {"body": "   "}
    )
    # The page again, the reason beside the composer (not a redirect that loses the text).
    assert response.status_code == 422
    assert b'id="composer-error" data-composer-error role="alert">Write something' in (
        response.content
    )


@pytest.mark.django_db
def test_outsiders_get_404_for_channels_but_see_the_public_page():
    community, *_rest, general = community_with()
    outsider = client_for(person("Out Sider"))
    assert (
        outsider.get(reverse("communities:channel", args=[community.slug, general.pk])).status_code
        == 404
    )
    page = outsider.get(reverse("communities:detail", args=[community.slug]))
    assert page.status_code == 200 and b"Join community" in page.content


@pytest.mark.django_db
def test_approval_request_with_note_through_the_form():
    community, _owner, moderator, *_ = community_with("approval")
    applicant = person("App Licant")
    client_for(applicant).post(
        reverse("communities:join", args=[community.slug]), {"note": "I work in UX"}
    )
    request = JoinRequest.objects.get(user=applicant)
    assert request.note == "I work in UX"
    client_for(moderator).post(
        reverse("communities:decide", args=[community.slug, request.pk]), {"decision": "approve"}
    )
    assert Membership.objects.filter(community=community, user=applicant).exists()


@pytest.mark.django_db
def test_opening_a_channel_clears_its_unread_badge():
    from mentorloom.communities import selectors

    community, owner, _moderator, member, general = community_with()
    post(owner, general, "news")
    assert selectors.unread_by_channel(member, community)[general.pk] == 1
    client_for(member).get(reverse("communities:channel", args=[community.slug, general.pk]))
    assert selectors.unread_by_channel(member, community)[general.pk] == 0


@pytest.mark.django_db
def test_opening_a_read_channel_writes_nothing_and_an_unread_one_moves_the_marker_once():
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from mentorloom.messaging.selectors import read_marker

    community, owner, _moderator, member, general = community_with()
    post(owner, general, "news")
    newest = post(owner, general, "more news")
    client = client_for(member)
    url = reverse("communities:channel", args=[community.slug, general.pk])

    def writes() -> list[str]:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        words = ("INSERT", "UPDATE", "DELETE")
        return [
            q["sql"]
            for q in queries.captured_queries
            if q["sql"].lstrip().startswith(words) and "messaging_" in q["sql"]
        ]

    moved = writes()
    assert len(moved) == 1 and "messaging_participant" in moved[0]
    assert read_marker(member, general.conversation) == newest.pk
    assert writes() == []  # read already: the page only reads


@pytest.mark.django_db
def test_moderators_manage_channels_invites_prompts_and_members():
    from mentorloom.communities.models import Channel, Invite, WeeklyPrompt

    community, _owner, moderator, member, _general = community_with()
    url = reverse("communities:manage", args=[community.slug])
    assert client_for(member).get(url).status_code == 404
    client = client_for(moderator)
    assert client.get(url).status_code == 200
    client.post(url, {"action": "channel", "name": "job-search"})
    assert Channel.objects.filter(community=community, name="job-search").exists()
    client.post(url, {"action": "invite", "days": "3"})
    assert Invite.objects.filter(community=community).count() == 1
    channel = Channel.objects.get(name="job-search")
    client.post(
        url,
        {
            "action": "prompt",
            "channel_id": channel.pk,
            "title": "Friday wins",
            "weekday": "5",
            "local_time": "16:00",
        },
    )
    assert WeeklyPrompt.objects.filter(title="Friday wins").exists()
    page = client.post(url, {"action": "ban", "user_id": member.pk, "reason": ""}, follow=True)
    assert b"This field is required" in page.content
    client.post(url, {"action": "mute", "user_id": member.pk, "minutes": "10", "reason": "x"})
    assert Membership.objects.get(community=community, user=member).is_muted()


@pytest.mark.django_db
def test_members_search_posts_within_the_community():
    community, owner, _moderator, member, general = community_with()
    post(owner, general, "Portfolio tips for juniors")
    post(owner, general, "Something else")
    url = reverse("communities:detail", args=[community.slug])
    page = client_for(member).get(url, {"q": "portfolio"})
    assert b"<mark>Portfolio</mark> tips for juniors" in page.content
    assert b"Something else" not in page.content
    outsider = client_for(person("Out Sider")).get(url, {"q": "portfolio"})
    assert b"Portfolio tips" not in outsider.content


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["²", "①", "-1", "99999999999999999999999", "abc"])
def test_odd_numbers_in_channel_parameters_are_404_or_ignored_never_500(raw):
    community, owner, _moderator, member, general = community_with()
    root = post(owner, general, "Share your portfolio")
    client = client_for(member)
    url = reverse("communities:channel", args=[community.slug, general.pk])
    older = client.get(url, {"before": raw})
    assert older.status_code == 200 and b"Share your portfolio" in older.content
    assert client.get(url, {"thread": raw}).status_code == 404
    reply = client.post(
        reverse("communities:post", args=[community.slug, general.pk]),
        {"body": "A reply to nothing", "parent_id": raw},
    )
    assert reply.status_code == 404
    assert not Message.objects.filter(body="A reply to nothing").exists()
    assert client.get(url, {"thread": root.pk}).status_code == 200


@pytest.mark.django_db
def test_the_manage_page_lists_only_invite_links_that_still_let_people_in():
    """A link whose maker stopped moderating (before such links were revoked) is refused at
    use, so the owner is not shown it as if it worked."""
    from mentorloom.communities import services
    from mentorloom.communities.models import Role

    community, owner, moderator, _member, _general = community_with()
    theirs = services.create_invite(moderator, community, days=30)
    mine = services.create_invite(owner, community, days=30)
    Membership.objects.filter(community=community, user=moderator).update(role=Role.MEMBER)
    page = client_for(owner).get(reverse("communities:manage", args=[community.slug]))
    assert page.status_code == 200
    assert mine.token in page.content.decode()
    assert theirs.token not in page.content.decode()
