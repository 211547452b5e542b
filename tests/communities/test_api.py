"""The communities API: every action over HTTP, the shared error body, 404 for outsiders."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from mentorloom.communities.models import Community, Invite, Membership, WeeklyPrompt
from mentorloom.messaging.models import Message
from tests.communities.helpers import community_with, person, post
from tests.factories import client_for

BASE = "/api/v1/communities"


def _error(response) -> str:  # type: ignore[no-untyped-def]
    return response.json()["error"]["code"]


@pytest.mark.django_db
def test_create_is_idempotent_by_key_and_lists_in_the_directory():
    owner = person("Ann Owner")
    client = client_for(owner)
    body = {"name": "Founders", "topics": ["Startups"], "zone": "America/New_York"}
    first = client.post(BASE, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post(BASE, body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201 and again.status_code == 201
    assert first.json() == again.json()
    assert Community.objects.count() == 1
    listing = client.get(BASE, {"topic": "Startups"}).json()
    assert listing["count"] == 1 and listing["items"][0]["member_count"] == 1
    bad = client.post(BASE, {"name": "", "zone": "Mars/Base"}, content_type="application/json")
    assert bad.status_code == 422 and "name" in bad.json()["error"]["fields"]


@pytest.mark.django_db
def test_detail_shows_channels_only_to_members():
    community, _owner, _moderator, member, _general = community_with()
    outsider = person("Out Sider")
    seen = client_for(outsider).get(f"{BASE}/{community.slug}").json()
    assert seen["channels"] == [] and seen["me"] is None
    mine = client_for(member).get(f"{BASE}/{community.slug}").json()
    assert [c["name"] for c in mine["channels"]] == ["general"]
    assert mine["me"]["role"] == "member"
    assert client_for(member).get(f"{BASE}/nope").status_code == 404


@pytest.mark.django_db
def test_post_reply_react_and_read_over_http():
    community, owner, _moderator, member, general = community_with()
    url = f"{BASE}/{community.slug}/channels/{general.pk}/posts"
    client_id = str(uuid.uuid4())
    created = client_for(owner).post(
        url, {"client_id": client_id, "body": "Hi all"}, content_type="application/json"
    )
    assert created.status_code == 201
    retry = client_for(owner).post(
        url, {"client_id": client_id, "body": "Hi all"}, content_type="application/json"
    )
    assert retry.status_code == 200 and retry.json()["id"] == created.json()["id"]
    root_id = created.json()["id"]
    assert client_for(member).get(url).json()["first_unread_id"] == root_id
    reply = client_for(member).post(
        url,
        {"client_id": str(uuid.uuid4()), "body": "Hello!", "parent_id": root_id},
        content_type="application/json",
    )
    assert reply.status_code == 201 and reply.json()["parent_id"] == root_id
    page = client_for(member).get(url).json()
    assert [p["id"] for p in page["posts"]] == [root_id]
    assert page["posts"][0]["reply_count"] == 1
    replies = client_for(member).get(f"{url}/{root_id}/replies").json()
    assert [r["body"] for r in replies] == ["Hello!"]
    reacted = client_for(member).post(
        f"{url}/{root_id}/reactions", {"key": "heart"}, content_type="application/json"
    )
    assert reacted.json()["reactions"][0]["count"] == 1
    bad = client_for(member).post(
        f"{url}/{root_id}/reactions", {"key": "poo"}, content_type="application/json"
    )
    assert bad.status_code == 422 and _error(bad) == "unknown_reaction"
    read = client_for(member).post(
        f"{BASE}/{community.slug}/channels/{general.pk}/read",
        {"up_to_id": reply.json()["id"]},
        content_type="application/json",
    )
    assert read.status_code == 204
    assert client_for(member).get(url).json()["last_read_id"] == reply.json()["id"]


@pytest.mark.django_db
def test_posting_errors_have_the_shared_body():
    community, _owner, moderator, member, general = community_with()
    url = f"{BASE}/{community.slug}/channels/{general.pk}/posts"
    outsider = person("Out Sider")
    assert (
        client_for(outsider)
        .post(url, {"client_id": str(uuid.uuid4()), "body": "x"}, content_type="application/json")
        .status_code
        == 404
    )
    long = client_for(member).post(
        url, {"client_id": str(uuid.uuid4()), "body": "x" * 10_001}, content_type="application/json"
    )
    assert long.status_code == 422 and _error(long) == "message_too_long"
    bad_id = client_for(member).post(
        url, {"client_id": "nope", "body": "x"}, content_type="application/json"
    )
    assert bad_id.status_code == 422
    client_for(moderator).patch(
        f"{BASE}/{community.slug}/channels/{general.pk}",
        {"slow_mode_seconds": 30},
        content_type="application/json",
    )
    first = client_for(member).post(
        url, {"client_id": str(uuid.uuid4()), "body": "one"}, content_type="application/json"
    )
    assert first.status_code == 201
    second = client_for(member).post(
        url, {"client_id": str(uuid.uuid4()), "body": "two"}, content_type="application/json"
    )
    assert second.status_code == 429 and _error(second) == "slow_mode"
    assert Message.objects.filter(conversation=general.conversation).count() == 1


@pytest.mark.django_db
def test_moderation_over_http_and_members_get_403():
    community, _owner, moderator, member, general = community_with()
    message = post(member, general, "spam")
    base = f"{BASE}/{community.slug}"
    denied = client_for(member).post(
        f"{base}/members/{moderator.pk}/mute", {"minutes": 5}, content_type="application/json"
    )
    assert denied.status_code == 403 and _error(denied) == "not_a_moderator"
    muted = client_for(moderator).post(
        f"{base}/members/{member.pk}/mute",
        {"minutes": 5, "reason": "cool down"},
        content_type="application/json",
    )
    assert muted.status_code == 200 and muted.json()["muted_until"]
    refused = client_for(member).post(
        f"{base}/channels/{general.pk}/posts",
        {"client_id": str(uuid.uuid4()), "body": "x"},
        content_type="application/json",
    )
    assert refused.status_code == 403 and _error(refused) == "muted"
    deleted = client_for(moderator).post(
        f"{base}/channels/{general.pk}/posts/{message.pk}/delete",
        {"reason": "spam"},
        content_type="application/json",
    )
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    banned = client_for(moderator).post(
        f"{base}/members/{member.pk}/ban", {"reason": "spam"}, content_type="application/json"
    )
    assert banned.status_code == 200
    assert client_for(member).get(f"{base}/channels/{general.pk}/posts").status_code == 404


@pytest.mark.django_db
def test_invite_flow_and_expired_invite_error():
    community, _owner, moderator, _member, _general = community_with("invite")
    base = f"{BASE}/{community.slug}"
    created = client_for(moderator).post(
        f"{base}/invites", {"days": 3}, content_type="application/json"
    )
    assert created.status_code == 201
    token = created.json()["token"]
    guest = person("Gue St")
    assert client_for(guest).post(f"/api/v1/community-invites/{token}/accept").status_code == 200
    Invite.objects.filter(token=token).update(expires_at=timezone.now() - timedelta(minutes=1))
    late = person("Late Comer")
    expired = client_for(late).post(f"/api/v1/community-invites/{token}/accept")
    assert expired.status_code == 409 and _error(expired) == "invite_expired"
    assert not Membership.objects.filter(community=community, user=late).exists()
    joined = client_for(late).post(f"{base}/join")
    assert joined.status_code == 403 and _error(joined) == "invite_only"


@pytest.mark.django_db
def test_approval_flow_over_http():
    community, _owner, moderator, member, _general = community_with("approval")
    base = f"{BASE}/{community.slug}"
    applicant = person("App Licant")
    assert _error(client_for(applicant).post(f"{base}/join")) == "needs_approval"
    asked = client_for(applicant).post(
        f"{base}/requests", {"note": "hi"}, content_type="application/json"
    )
    assert asked.status_code == 201
    assert client_for(member).get(f"{base}/requests").status_code == 404
    pending = client_for(moderator).get(f"{base}/requests").json()
    approved = client_for(moderator).post(f"{base}/requests/{pending[0]['id']}/approve")
    assert approved.json()["status"] == "approved"
    assert Membership.objects.filter(community=community, user=applicant).exists()


@pytest.mark.django_db
def test_channels_and_prompts_over_http():
    community, _owner, moderator, member, general = community_with()
    base = f"{BASE}/{community.slug}"
    made = client_for(moderator).post(
        f"{base}/channels", {"name": "job-search"}, content_type="application/json"
    )
    assert made.status_code == 201
    taken = client_for(moderator).post(
        f"{base}/channels", {"name": "job-search"}, content_type="application/json"
    )
    assert taken.status_code == 409 and _error(taken) == "channel_name_taken"
    denied = client_for(member).post(
        f"{base}/channels", {"name": "mine"}, content_type="application/json"
    )
    assert denied.status_code == 403
    prompt = client_for(moderator).post(
        f"{base}/prompts",
        {
            "channel_id": general.pk,
            "title": "Portfolio Tuesday",
            "weekday": 2,
            "local_time": "18:00",
        },
        content_type="application/json",
    )
    assert prompt.status_code == 201 and prompt.json()["next_at"]
    bad = client_for(moderator).post(
        f"{base}/prompts",
        {"channel_id": general.pk, "title": "x", "weekday": 9, "local_time": "18:00"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and "weekday" in bad.json()["error"]["fields"]
    assert client_for(moderator).delete(f"{base}/prompts/{prompt.json()['id']}").status_code == 204
    assert not WeeklyPrompt.objects.get().active


@pytest.mark.django_db
def test_a_foreign_communitys_channel_is_404_through_another_slug():
    community, *_rest, member, _general = community_with()
    _other, *_r, other_general = community_with(name="Data folks")
    response = client_for(member).get(f"{BASE}/{community.slug}/channels/{other_general.pk}/posts")
    assert response.status_code == 404


@pytest.mark.django_db
def test_openapi_lists_the_communities_routes():
    user = person("Any One")
    schema = client_for(user).get("/api/v1/openapi.json").json()
    assert "/api/v1/communities/{slug}/channels/{channel_id}/posts" in schema["paths"]


@pytest.mark.django_db
def test_a_post_by_someone_blocked_either_way_cannot_be_opened_or_reacted_to_by_id():
    """The channel's pages hide a blocked person's posts; a review found their id still opened
    them: the reactions route answered with the hidden post's full text and added the
    reaction. Now 404 like a missing post, over both routes; moderators still act on it."""
    from mentorloom.safety import services as safety

    community, owner, moderator, member, general = community_with()
    hidden = post(owner, general, "Only for people who did not block me")
    safety.block_user(owner, member.pk)
    url = f"{BASE}/{community.slug}/channels/{general.pk}/posts/{hidden.pk}"
    client = client_for(member)
    assert client.get(f"{url}/replies").status_code == 404
    reacted = client.post(f"{url}/reactions", {"key": "heart"}, content_type="application/json")
    assert reacted.status_code == 404 and "Only for people" not in reacted.content.decode()
    chat_url = f"/api/v1/conversations/{general.conversation_id}/messages/{hidden.pk}/reactions"
    assert client.put(f"{chat_url}/heart").status_code == 404
    assert not hidden.reactions.exists()
    # A moderator who blocked its author still moderates it.
    safety.block_user(moderator, owner.pk)
    removed = client_for(moderator).post(
        f"{url}/delete", {"reason": "off topic"}, content_type="application/json"
    )
    assert removed.status_code == 200
