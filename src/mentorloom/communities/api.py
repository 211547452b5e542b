"""The communities JSON API (/api/v1/communities/...): every action of the pages.

Creates take an Idempotency-Key header (core.idempotency); posts are idempotent by their
`client_id`, as chat messages are.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from mentorloom.core.idempotency import run_idempotent
from mentorloom.core.markdown import render_markdown
from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id
from mentorloom.messaging.events import message_payload

from . import selectors, services, weekly
from .access import (
    get_channel_for,
    get_community,
    get_invite_for,
    get_join_request_for,
    get_member_for,
    get_membership_for,
    get_own_story_for,
    get_post_for,
    get_prompt_for,
    get_story_for,
    membership_of,
)
from .models import Channel, Community, Invite, Membership, Story, Visibility, WeeklyPrompt
from .schemas import (
    ChannelIn,
    ChannelOut,
    ChannelPageOut,
    CommunityDetailOut,
    CommunityIn,
    CommunityOut,
    CommunityPageOut,
    InviteIn,
    InviteOut,
    JoinRequestIn,
    JoinRequestOut,
    MembershipOut,
    ModerateIn,
    MutedIn,
    PostEditIn,
    PostHitOut,
    PostIn,
    PostOut,
    PromptIn,
    PromptOut,
    ReactionIn,
    ReadIn,
    ReasonIn,
    RoleIn,
    SlowModeIn,
    StoryEditIn,
    StoryIn,
    StoryOut,
)

router = Router(tags=["communities"])


def _person(user) -> dict:  # type: ignore[no-untyped-def]
    return {"id": user.pk, "name": selectors.person_name(user)}


def _community(community: Community) -> dict:
    return {
        "id": community.pk,
        "slug": community.slug,
        "name": community.name,
        "description": community.description,
        "topics": community.topics or [],
        "language": community.language,
        "zone": community.zone,
        "visibility": community.visibility,
        "member_count": getattr(community, "member_count", 0) or 0,
        "active_this_week": bool(getattr(community, "active_this_week", False)),
        "url": reverse("communities:detail", args=[community.slug]),
    }


def _membership(membership: Membership) -> dict:
    return {
        "community": membership.community.slug,
        "user": _person(membership.user),
        "role": membership.role,
        "notifications_muted": membership.notifications_muted,
        "muted_until": membership.muted_until,
        "banned_until": membership.banned_until,
        "open_for_questions": membership.open_for_questions,
    }


def _channel(channel: Channel) -> dict:
    return {
        "id": channel.pk,
        "name": channel.name,
        "description": channel.description,
        "slow_mode_seconds": channel.slow_mode_seconds,
        "conversation_id": channel.conversation_id,
        "unread_count": getattr(channel, "unread_count", 0) or 0,
    }


def _post(message, reply_count: int | None = None) -> dict:  # type: ignore[no-untyped-def]
    return {**message_payload(message), "reply_count": reply_count}


def _invite(request: HttpRequest, invite: Invite) -> dict:
    return {
        "id": invite.pk,
        "token": invite.token,
        "url": request.build_absolute_uri(reverse("communities:invite", args=[invite.token])),
        "expires_at": invite.expires_at,
        "revoked": invite.revoked_at is not None,
    }


def _prompt(prompt: WeeklyPrompt) -> dict:
    return {
        "id": prompt.pk,
        "channel_id": prompt.channel_id,
        "title": prompt.title,
        "body": prompt.body,
        "weekday": prompt.weekday,
        "local_time": prompt.local_time.strftime("%H:%M"),
        "active": prompt.active,
        "next_at": weekly.next_occurrence(
            timezone.now(), prompt.weekday, prompt.local_time, ZoneInfo(prompt.community.zone)
        )
        if prompt.active
        else None,
    }


# --- communities -------------------------------------------------------------------------------


class DirectoryQuery(Schema):
    q: str = Field("", max_length=100)
    topic: str = Field("", max_length=40)
    language: str = Field("", max_length=12)
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


@router.get("/communities", response={200: CommunityPageOut, **READ_ERRORS})
def list_communities(request: HttpRequest, query: Query[DirectoryQuery]) -> dict:
    qs = selectors.directory(query=query.q, topic=query.topic, language=query.language)
    return {
        "items": [_community(c) for c in qs[query.offset : query.offset + query.limit]],
        "count": qs.count(),
    }


@router.post("/communities", response={**WRITE_ERRORS, 201: CommunityOut})
def create_community(request: HttpRequest, payload: CommunityIn) -> tuple[int, dict]:
    """Create a community (you own it; it starts with #general). Idempotency-Key honoured."""

    def create() -> tuple[int, dict]:
        community = services.create_community(request.user, **payload.dict())
        return 201, _community(community)

    return run_idempotent(request, "communities.create", payload.dict(), create)


@router.get("/communities/{slug}", response={200: CommunityDetailOut, **READ_ERRORS})
def community_detail(request: HttpRequest, slug: str) -> dict:
    community = get_community(slug)
    me = membership_of(request.user, community)
    counted = selectors.directory().filter(pk=community.pk).first() or community
    return {
        **_community(counted),
        "rules_html": render_markdown(community.rules),
        "moderators": [_person(m.user) for m in selectors.moderators(community)],
        "me": _membership(me) if me is not None else None,
        "channels": (
            [_channel(c) for c in selectors.channels_for(request.user, community)] if me else []
        ),
        "pinned": [_post(p.message) for p in selectors.pinned_posts(community)] if me else [],
    }


@router.post("/communities/{slug}/join", response={200: MembershipOut, **WRITE_ERRORS})
def join(request: HttpRequest, slug: str) -> dict:
    return _membership(services.join_community(request.user, get_community(slug)))


@router.post("/communities/{slug}/leave", response={**WRITE_ERRORS, 204: None})
def leave(request: HttpRequest, slug: str) -> tuple[int, None]:
    services.leave_community(request.user, get_community(slug))
    return 204, None


@router.post("/communities/{slug}/mute", response={200: MembershipOut, **WRITE_ERRORS})
def mute_community(request: HttpRequest, slug: str, payload: MutedIn) -> dict:
    community = get_community(slug)
    get_membership_for(request.user, community)
    return _membership(services.set_notifications_muted(request.user, community, payload.muted))


@router.post(
    "/communities/{slug}/open-for-questions", response={200: MembershipOut, **WRITE_ERRORS}
)
def open_for_questions(request: HttpRequest, slug: str, payload: MutedIn) -> dict:
    """`muted` reads as "on" here: true marks you open for questions in this community."""
    community = get_community(slug)
    get_membership_for(request.user, community)
    return _membership(services.set_open_for_questions(request.user, community, payload.muted))


class SearchQuery(Schema):
    q: str = Field("", max_length=200)
    limit: int = Field(30, ge=1, le=100)


@router.get("/communities/{slug}/search", response={200: list[PostHitOut], **READ_ERRORS})
def search(request: HttpRequest, slug: str, query: Query[SearchQuery]) -> list[dict]:
    """Full-text search of the community's posts (members only): every word must match (as
    a prefix, stemmed: "designing" finds "design"), best first, each with a snippet and the
    link that opens it in its thread. Quotes, `*` or operator words are plain text."""
    community = get_community(slug)
    get_membership_for(request.user, community)
    return [
        {
            **_post(hit.message),
            "channel_id": hit.channel.pk,
            "snippet_html": str(hit.snippet),
            "url": hit.url,
        }
        for hit in selectors.search_posts(request.user, community, query.q, limit=query.limit)
    ]


# --- joining -----------------------------------------------------------------------------------


@router.post("/communities/{slug}/requests", response={**WRITE_ERRORS, 201: JoinRequestOut})
def request_to_join(request: HttpRequest, slug: str, payload: JoinRequestIn) -> tuple[int, dict]:
    community = get_community(slug)

    def create() -> tuple[int, dict]:
        join_request = services.request_to_join(request.user, community, payload.note)
        return 201, _join_request(join_request)

    return run_idempotent(request, f"communities.request.{community.pk}", payload.dict(), create)


def _join_request(join_request) -> dict:  # type: ignore[no-untyped-def]
    return {
        "id": join_request.pk,
        "user": _person(join_request.user),
        "note": join_request.note,
        "status": join_request.status,
        "created_at": join_request.created_at,
    }


@router.get("/communities/{slug}/requests", response={200: list[JoinRequestOut], **READ_ERRORS})
def list_requests(request: HttpRequest, slug: str) -> list[dict]:
    community = get_community(slug)
    if not get_membership_for(request.user, community).moderates:
        raise Http404
    return [_join_request(r) for r in selectors.pending_requests(community)]


@router.post(
    "/communities/{slug}/requests/{request_id}/{decision}",
    response={200: JoinRequestOut, **WRITE_ERRORS},
)
def decide_request(request: HttpRequest, slug: str, request_id: int, decision: str) -> dict:
    community = get_community(slug)
    join_request = get_join_request_for(request.user, community, request_id)
    if decision not in ("approve", "decline"):
        raise Http404
    decided = services.decide_join_request(
        request.user, join_request, approve=decision == "approve"
    )
    return _join_request(decided)


@router.post("/communities/{slug}/invites", response={**WRITE_ERRORS, 201: InviteOut})
def create_invite(request: HttpRequest, slug: str, payload: InviteIn) -> tuple[int, dict]:
    community = get_community(slug)
    get_membership_for(request.user, community)

    def create() -> tuple[int, dict]:
        return 201, _invite(
            request, services.create_invite(request.user, community, days=payload.days)
        )

    return run_idempotent(request, f"communities.invite.{community.pk}", payload.dict(), create)


@router.post(
    "/communities/{slug}/invites/{invite_id}/revoke", response={200: InviteOut, **WRITE_ERRORS}
)
def revoke_invite(request: HttpRequest, slug: str, invite_id: int) -> dict:
    invite = get_invite_for(request.user, get_community(slug), invite_id)
    return _invite(request, services.revoke_invite(request.user, invite))


@router.post("/community-invites/{token}/accept", response={200: MembershipOut, **WRITE_ERRORS})
def accept_invite(request: HttpRequest, token: str) -> dict:
    return _membership(services.accept_invite(request.user, token))


# --- channels and posts ------------------------------------------------------------------------


@router.post("/communities/{slug}/channels", response={**WRITE_ERRORS, 201: ChannelOut})
def create_channel(request: HttpRequest, slug: str, payload: ChannelIn) -> tuple[int, dict]:
    community = get_community(slug)
    get_membership_for(request.user, community)

    def create() -> tuple[int, dict]:
        return 201, _channel(services.create_channel(request.user, community, **payload.dict()))

    return run_idempotent(request, f"communities.channel.{community.pk}", payload.dict(), create)


@router.patch(
    "/communities/{slug}/channels/{channel_id}", response={200: ChannelOut, **WRITE_ERRORS}
)
def update_channel(request: HttpRequest, slug: str, channel_id: int, payload: SlowModeIn) -> dict:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    return _channel(services.set_slow_mode(request.user, channel, payload.slow_mode_seconds))


class ChannelPageQuery(Schema):
    before: int | None = Field(None, ge=0)
    limit: int = Field(selectors.PAGE_SIZE, ge=1, le=200)


@router.get(
    "/communities/{slug}/channels/{channel_id}/posts", response={200: ChannelPageOut, **READ_ERRORS}
)
def channel_posts(
    request: HttpRequest, slug: str, channel_id: int, query: Query[ChannelPageQuery]
) -> dict:
    """Root posts, newest page first (oldest first within it), the reader's unread marker
    and the first unread post ("jump to first unread")."""
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    page = selectors.channel_page(request.user, channel, before=query.before, limit=query.limit)
    return {
        "posts": [_post(m, m.reply_count) for m in page.posts],
        "has_older": page.has_older,
        "last_read_id": page.last_read_id,
        "first_unread_id": page.first_unread_id,
    }


@router.post(
    "/communities/{slug}/channels/{channel_id}/posts",
    response={**WRITE_ERRORS, 200: PostOut, 201: PostOut},
)
def create_post(
    request: HttpRequest, slug: str, channel_id: int, payload: PostIn
) -> tuple[int, dict]:
    """Post, or reply in a thread with `parent_id`. Idempotent by `client_id` (a retry answers
    200 with the stored post)."""
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    message, created = services.post_in_channel(
        request.user,
        channel,
        client_id=payload.client_id,
        body=payload.body,
        parent_id=payload.parent_id,
    )
    return (201 if created else 200), _post(message)


@router.get(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}/replies",
    response={200: list[PostOut], **READ_ERRORS},
)
def replies(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> list[dict]:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    root = get_post_for(request.user, channel, post_id)
    return [_post(m) for m in selectors.thread(request.user, root)]


@router.post(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}/reactions",
    response={200: PostOut, **WRITE_ERRORS},
)
def react(
    request: HttpRequest, slug: str, channel_id: int, post_id: int, payload: ReactionIn
) -> dict:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    message = get_post_for(request.user, channel, post_id)
    services.react_to_post(request.user, channel, message, payload.key, active=payload.active)
    message.refresh_from_db()
    return _post(message)


@router.post(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}/pin",
    response={**WRITE_ERRORS, 204: None},
)
def pin(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> tuple[int, None]:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    services.pin_post(request.user, channel, get_post_for(request.user, channel, post_id))
    return 204, None


@router.delete(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}/pin",
    response={**WRITE_ERRORS, 204: None},
)
def unpin(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> tuple[int, None]:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    message = get_post_for(request.user, channel, post_id)
    services.pin_post(request.user, channel, message, pinned=False)
    return 204, None


@router.patch(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}",
    response={200: PostOut, **WRITE_ERRORS},
)
def edit_post(
    request: HttpRequest, slug: str, channel_id: Id, post_id: Id, payload: PostEditIn
) -> dict:
    """Edit your own post within 15 minutes (as chat messages); shown as edited, announced
    live to the channel."""
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    message = get_post_for(request.user, channel, post_id)
    return _post(services.edit_post(request.user, channel, message, payload.body))


@router.post(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}/delete",
    response={200: PostOut, **WRITE_ERRORS},
)
def delete_post(
    request: HttpRequest, slug: str, channel_id: int, post_id: int, payload: ReasonIn
) -> dict:
    """Delete your own post (within 15 minutes) or, as a moderator, any post with a reason."""
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    message = get_post_for(request.user, channel, post_id)
    return _post(services.delete_post(request.user, channel, message, reason=payload.reason))


@router.post(
    "/communities/{slug}/channels/{channel_id}/posts/{post_id}/report",
    response={**WRITE_ERRORS, 201: None},
)
def report(
    request: HttpRequest, slug: str, channel_id: int, post_id: int, payload: ReasonIn
) -> tuple[int, None]:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    message = get_post_for(request.user, channel, post_id)
    services.report_post(request.user, channel, message, reason=payload.reason)
    return 201, None


@router.post("/communities/{slug}/channels/{channel_id}/read", response={**WRITE_ERRORS, 204: None})
def mark_read(
    request: HttpRequest, slug: str, channel_id: int, payload: ReadIn
) -> tuple[int, None]:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    services.mark_channel_read(request.user, channel, payload.up_to_id)
    return 204, None


@router.post("/communities/{slug}/channels/{channel_id}/mute", response={**WRITE_ERRORS, 204: None})
def mute_channel(
    request: HttpRequest, slug: str, channel_id: int, payload: MutedIn
) -> tuple[int, None]:
    channel = get_channel_for(request.user, get_community(slug), channel_id)
    services.set_channel_muted(request.user, channel, payload.muted)
    return 204, None


# --- stories -----------------------------------------------------------------------------------


def _story(story: Story) -> dict:
    return {
        "id": story.pk,
        "title": story.title,
        "body": story.body,
        "html": message_payload(story.message)["html"],
        "author": _person(story.author),
        "channel_id": story.channel_id,
        "channel": story.channel.name,
        "post_id": story.message_id,
        "reply_count": story.reply_count
        if hasattr(story, "reply_count")
        else story.message.replies.filter(deleted_at__isnull=True).count(),
        "created_at": story.created_at,
        "edited_at": story.message.edited_at,
        "url": selectors.post_url(story.community, story.channel_id, story.message),
    }


@router.get("/communities/{slug}/stories", response={200: list[StoryOut], **READ_ERRORS})
def list_stories(request: HttpRequest, slug: str) -> list[dict]:
    """Mentors' stories in this community, newest first: for its members, and for everyone
    signed in when the community is open (as the mentors' profiles list them)."""
    community = get_community(slug)
    if membership_of(request.user, community) is None and community.visibility != Visibility.OPEN:
        raise Http404
    return [_story(s) for s in selectors.community_stories(request.user, community, limit=50)]


@router.post("/communities/{slug}/stories", response={**WRITE_ERRORS, 200: StoryOut, 201: StoryOut})
def publish_story(request: HttpRequest, slug: str, payload: StoryIn) -> tuple[int, dict]:
    """Publish a story (mentors who are members): a post of the channel whose thread is its
    discussion. Idempotent by `client_id` (a retry answers 200 with the stored story)."""
    community = get_community(slug)
    channel_id = payload.channel_id or selectors.story_channel_id(community)
    channel = get_channel_for(request.user, community, channel_id)
    story, created = services.publish_story(
        request.user, channel, title=payload.title, body=payload.body, client_id=payload.client_id
    )
    return (201 if created else 200), _story(story)


@router.patch("/communities/{slug}/stories/{story_id}", response={200: StoryOut, **WRITE_ERRORS})
def edit_story(request: HttpRequest, slug: str, story_id: Id, payload: StoryEditIn) -> dict:
    """Change your story's title and/or text, at any time; it shows as edited. Anyone else's
    story (a moderator's included: they delete, never edit) answers 404."""
    story = get_own_story_for(request.user, get_community(slug), story_id)
    return _story(services.edit_story(request.user, story, title=payload.title, body=payload.body))


@router.post("/communities/{slug}/stories/{story_id}/delete", response={**WRITE_ERRORS, 204: None})
def delete_story(
    request: HttpRequest, slug: str, story_id: Id, payload: ReasonIn
) -> tuple[int, None]:
    """Take a story down: its author at any time, a moderator with a reason (audit log)."""
    story = get_story_for(request.user, get_community(slug), story_id)
    services.delete_story(request.user, story, reason=payload.reason)
    return 204, None


# --- moderation of members -------------------------------------------------------------------


@router.post(
    "/communities/{slug}/members/{user_id}/role", response={200: MembershipOut, **WRITE_ERRORS}
)
def set_role(request: HttpRequest, slug: str, user_id: int, payload: RoleIn) -> dict:
    community = get_community(slug)
    target = get_member_for(request.user, community, user_id)
    return _membership(services.set_role(request.user, target, payload.role))


@router.post(
    "/communities/{slug}/members/{user_id}/{action}", response={200: MembershipOut, **WRITE_ERRORS}
)
def moderate_member(
    request: HttpRequest, slug: str, user_id: int, action: str, payload: ModerateIn
) -> dict:
    """`action`: mute (minutes, reason), ban (minutes or null for good, reason), unban."""
    community = get_community(slug)
    target = get_member_for(request.user, community, user_id)
    if action == "mute":
        target = services.mute_member(
            request.user, target, minutes=payload.minutes, reason=payload.reason
        )
    elif action == "ban":
        target = services.ban_member(
            request.user, target, minutes=payload.minutes, reason=payload.reason
        )
    elif action == "unban":
        target = services.unban_member(request.user, target)
    else:
        raise Http404
    return _membership(target)


# --- weekly discussions ------------------------------------------------------------------------


@router.get("/communities/{slug}/prompts", response={200: list[PromptOut], **READ_ERRORS})
def list_prompts(request: HttpRequest, slug: str) -> list[dict]:
    community = get_community(slug)
    get_membership_for(request.user, community)
    return [_prompt(p) for p in community.prompts.select_related("community").order_by("id")]


@router.post("/communities/{slug}/prompts", response={**WRITE_ERRORS, 201: PromptOut})
def schedule_prompt(request: HttpRequest, slug: str, payload: PromptIn) -> tuple[int, dict]:
    community = get_community(slug)
    channel = get_channel_for(request.user, community, payload.channel_id)
    fields = payload.dict()
    fields.pop("channel_id")

    def create() -> tuple[int, dict]:
        return 201, _prompt(services.schedule_prompt(request.user, channel, **fields))

    return run_idempotent(request, f"communities.prompt.{community.pk}", payload.dict(), create)


@router.delete("/communities/{slug}/prompts/{prompt_id}", response={**WRITE_ERRORS, 204: None})
def stop_prompt(request: HttpRequest, slug: str, prompt_id: int) -> tuple[int, None]:
    prompt = get_prompt_for(request.user, get_community(slug), prompt_id)
    services.stop_prompt(request.user, prompt)
    return 204, None
