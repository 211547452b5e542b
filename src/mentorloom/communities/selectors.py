"""Reads for community pages and the API: directory, channels with unread counts, a channel's
page of posts with its unread marker, threads."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from mentorloom.core.markdown import render_markdown
from mentorloom.messaging.models import Message, Participant
from mentorloom.messaging.selectors import unread_subquery, with_reactions_and_files
from mentorloom.safety.selectors import hidden_user_ids

from . import fulltext
from .models import (
    Channel,
    Community,
    Invite,
    JoinRequest,
    JoinStatus,
    Membership,
    PinnedPost,
    Role,
    Story,
    Visibility,
)

PAGE_SIZE = 50
ACTIVE_DAYS = 7


def person_name(user) -> str:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    name = getattr(profile, "display_name", "") if profile is not None else ""
    return name or user.email.split("@")[0]


def _member_count() -> Subquery:
    banned_now = Q(banned_until__gt=timezone.now())
    members = (
        Membership.objects.filter(community=OuterRef("pk"))
        .exclude(banned_now)
        .order_by()
        .values("community")
        .annotate(n=Count("id"))
        .values("n")
    )
    return Subquery(members, output_field=IntegerField())


def directory(
    *, query: str = "", topic: str = "", language: str = "", now: datetime | None = None
) -> QuerySet[Community]:
    """Communities matching a search by name/description, a topic and a language, busiest
    first, with `member_count` and `active_this_week` annotated."""
    now = now or timezone.now()
    qs = Community.objects.all()
    query = (query or "").strip()[:100]
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if topic:
        # Topics are a short JSON list; a contains-text match works on SQLite and PostgreSQL.
        qs = qs.filter(topics__icontains=f'"{topic.strip()[:40]}')
    if language:
        qs = qs.filter(language__iexact=language.strip()[:12])
    week_ago = now - timedelta(days=ACTIVE_DAYS)
    return qs.annotate(
        member_count=Coalesce(_member_count(), Value(0)),
        active_this_week=Q(last_activity_at__gte=week_ago),
    ).order_by(F("last_activity_at").desc(nulls_last=True), "name")


def all_topics() -> list[str]:
    seen: dict[str, str] = {}
    for topics in Community.objects.values_list("topics", flat=True):
        for topic in topics or []:
            seen.setdefault(topic.lower(), topic)
    return sorted(seen.values(), key=str.lower)


def moderators(community: Community) -> list[Membership]:
    return list(
        Membership.objects.filter(community=community, role__in=[Role.OWNER, Role.MODERATOR])
        .select_related("user__profile")
        .order_by("role", "joined_at")
    )


def members(community: Community) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(community=community)
        .exclude(banned_until__gt=timezone.now())
        .select_related("user__profile")
        .order_by("joined_at")
    )


def pinned_posts(community: Community) -> list[PinnedPost]:
    return list(
        PinnedPost.objects.filter(channel__community=community, message__deleted_at__isnull=True)
        .select_related("message__sender__profile", "channel")
        .order_by("-pinned_at")[:10]
    )


def pending_requests(community: Community) -> list[JoinRequest]:
    return list(
        JoinRequest.objects.filter(community=community, status=JoinStatus.PENDING)
        .select_related("user__profile")
        .order_by("created_at")
    )


def channels_for(  # type: ignore[no-untyped-def]
    user, community: Community, *, hidden: frozenset[int] | None = None
) -> list[Channel]:
    """The community's channels with `unread_count` for `user` (a member) and `newest_id`,
    the newest message id of each, read in the same statement (so the counts include exactly
    the posts up to it; the community socket relies on that). `hidden`: the people hidden
    from `user` (`hidden_user_ids`), when the caller has just read them."""
    if hidden is None:
        hidden = frozenset(hidden_user_ids(user.pk))
    return list(
        Channel.objects.filter(community=community)
        .annotate(
            unread_count=Coalesce(unread_subquery(user, "conversation", hidden), Value(0)),
            newest_id=F("conversation__last_message_id"),
        )
        .order_by("name")
    )


def unread_by_channel(user, community: Community) -> dict[int, int]:  # type: ignore[no-untyped-def]
    return {c.pk: c.unread_count for c in channels_for(user, community)}


@dataclass(frozen=True)
class ChannelPage:
    posts: list[Message]  # root posts, oldest first, each with `reply_count`
    has_older: bool
    last_read_id: int  # the reader's marker: posts after it are unread
    first_unread_id: int | None  # "jump to first unread"
    hidden: frozenset[int]  # people hidden from the reader (blocks), whose posts are left out


def _posts_with_authors(qs: QuerySet) -> QuerySet:
    """Posts with what pages and the API show of them: the author's name (their profile's
    display name, else the address's local part; see person_name), the story a post opens,
    reactions and files. Only those columns of the author: whole users and profiles (JSON
    columns included) for 50 posts cost about as much as the rest of the page's queries."""
    return with_reactions_and_files(
        qs.select_related("sender__profile", "community_story").only(
            *(f.name for f in Message._meta.concrete_fields),
            "sender__email",
            "sender__profile__user",
            "sender__profile__display_name",
            *(f"community_story__{f.name}" for f in Story._meta.concrete_fields),
        )
    )


def channel_page(
    user,  # type: ignore[no-untyped-def]
    channel: Channel,
    *,
    before: int | None = None,
    limit: int = PAGE_SIZE,
) -> ChannelPage:
    """The newest `limit` root posts (older than `before`), the reader's unread marker and
    the first unread root post. Posts of people the reader blocked (or who blocked them)
    are left out."""
    limit = max(1, min(limit, 200))
    hidden = frozenset(hidden_user_ids(user.pk))
    participant = Participant.objects.filter(
        conversation_id=channel.conversation_id, user=user
    ).first()
    last_read = participant.last_read_message_id if participant is not None else 0
    roots = Message.objects.filter(
        conversation_id=channel.conversation_id, parent__isnull=True
    ).exclude(sender_id__in=hidden)
    qs = roots
    if before is not None:
        qs = qs.filter(id__lt=before)
    # The page's ids in a subquery (the (conversation, id) index, newest first, one more than
    # the page to know whether there are older posts), the reply counts of those rows only:
    # counting replies of every root before the LIMIT cost ~0.5 s at 10k.
    page_ids = qs.order_by("-id").values("id")[: limit + 1]
    rows = list(
        _posts_with_authors(Message.objects.filter(id__in=page_ids))
        .annotate(reply_count=Count("replies", filter=Q(replies__deleted_at__isnull=True)))
        .order_by("id")
    )
    has_older = len(rows) > limit
    rows = rows[-limit:]
    first_unread = (
        roots.filter(id__gt=last_read, deleted_at__isnull=True)
        .exclude(sender=user)
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )
    return ChannelPage(rows, has_older, last_read, first_unread, hidden)


def thread(user, root: Message) -> list[Message]:  # type: ignore[no-untyped-def]
    """A post's replies, oldest first, without those of people hidden by a block."""
    return list(
        _posts_with_authors(
            Message.objects.filter(parent=root).exclude(sender_id__in=hidden_user_ids(user.pk))
        ).order_by("id")
    )


@dataclass(frozen=True)
class PostHit:
    """A search result: the post, its channel, a snippet with the matched words marked, and
    the link that opens its thread on the channel page, scrolled to it."""

    message: Message
    channel: Channel
    snippet: str  # safe HTML (fulltext.snippet_html)
    url: str


def post_url(community: Community, channel_id: int, message: Message) -> str:
    """Where a post is shown: its thread (a reply's root, or the post itself) in its channel,
    scrolled to the post. The channel page brings an older thread's page into view."""
    root = message.parent_id or message.pk
    base = reverse("communities:channel", args=[community.slug, channel_id])
    return f"{base}?thread={root}#post-{message.pk}"


def search_posts(user, community: Community, query: str, limit: int = 30) -> list[PostHit]:  # type: ignore[no-untyped-def]
    """Full-text search of the community's live posts in the channels `user` (a member in
    good standing, checked by the caller) can read, best first, without the posts of people
    a block hides (nor replies in their threads). Stemmed: "designing" finds "design"."""
    words = fulltext.query_words(query)
    if not words:
        return []
    limit = max(1, min(limit, 100))
    channels = {c.conversation_id: c for c in Channel.objects.filter(community=community)}
    channel_ids = [c.pk for c in channels.values()]
    hits = fulltext.search(words, channel_ids, sorted(hidden_user_ids(user.pk)), limit)
    messages = Message.objects.filter(pk__in=[h.message_id for h in hits]).select_related(
        "sender__profile", "community_story"
    )
    by_id = {m.pk: m for m in messages}
    found: list[PostHit] = []
    for hit in hits:
        message = by_id.get(hit.message_id)
        if message is None:
            continue
        channel = channels[message.conversation_id]
        found.append(
            PostHit(
                message,
                channel,
                fulltext.snippet_html(hit.snippet),
                post_url(community, channel.pk, message),
            )
        )
    return found


# --- stories ---------------------------------------------------------------------------------

STORY_EXCERPT_CHARS = 220


def _live_stories() -> QuerySet[Story]:
    return (
        Story.objects.filter(message__deleted_at__isnull=True)
        .select_related("author__profile", "channel", "community", "message")
        .annotate(
            reply_count=Count(
                "message__replies", filter=Q(message__replies__deleted_at__isnull=True)
            )
        )
        .order_by("-created_at", "-id")
    )


def story_excerpt(story: Story, chars: int = STORY_EXCERPT_CHARS) -> str:
    """The first words of a story as plain text (its Markdown rendered, then the tags dropped)."""
    text = " ".join(strip_tags(render_markdown(story.body)).split())
    return unescape(Truncator(text).chars(chars))


def story_channel_id(community: Community) -> int | None:
    """Where a story goes unless the author picks a channel: #general, else the first one."""
    ids = dict(Channel.objects.filter(community=community).values_list("name", "pk"))
    return ids.get("general") or (ids[min(ids)] if ids else None)


def community_stories(user, community: Community, limit: int = 10) -> list[Story]:  # type: ignore[no-untyped-def]
    """The community's newest live stories, without those of people a block hides."""
    return list(
        _live_stories()
        .filter(community=community)
        .exclude(author_id__in=hidden_user_ids(user.pk))[:limit]
    )


def stories_visible_to(viewer, author_id: int, limit: int = 20) -> list[Story]:  # type: ignore[no-untyped-def]
    """`author_id`'s live stories that `viewer` may know of: those in open communities and in
    communities the viewer is a member of in good standing; none for anonymous visitors
    (communities are for signed-in people) or across a block."""
    if viewer is None or not viewer.is_authenticated or author_id in hidden_user_ids(viewer.pk):
        return []
    return list(
        _live_stories()
        .filter(author_id=author_id)
        .filter(
            Q(community__visibility=Visibility.OPEN)
            | Q(community_id__in=good_standing_community_ids(viewer))
        )[:limit]
    )


def _in_good_standing(memberships: QuerySet[Membership]) -> QuerySet[Membership]:
    """Those not banned now (`Membership.is_banned` as a filter)."""
    return memberships.exclude(banned_until__gt=timezone.now())


def good_standing_community_ids(user) -> QuerySet:  # type: ignore[no-untyped-def]
    """The ids of the communities `user` is a member of in good standing (not banned now), as a
    subquery; empty for anonymous visitors."""
    if user is None or not user.is_authenticated:
        return Membership.objects.none().values("community_id")
    return _in_good_standing(Membership.objects.filter(user=user)).values("community_id")


def good_standing_member_ids(community_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` who are members of the community in good standing, in one query."""
    return set(
        _in_good_standing(
            Membership.objects.filter(community_id=community_id, user_id__in=list(user_ids))
        ).values_list("user_id", flat=True)
    )


def moderated_communities(user) -> QuerySet[Community]:  # type: ignore[no-untyped-def]
    """Communities `user` owns or moderates and is not banned from (where they may schedule a
    community workshop), by name."""
    if user is None or not user.is_authenticated:
        return Community.objects.none()
    return Community.objects.filter(
        pk__in=good_standing_community_ids(user).filter(role__in=[Role.OWNER, Role.MODERATOR])
    ).order_by("name")


def communities_of(user) -> list[Community]:  # type: ignore[no-untyped-def]
    return list(
        Community.objects.filter(memberships__user=user)
        .exclude(memberships__user=user, memberships__banned_until__gt=timezone.now())
        .order_by("name")
    )


@dataclass(frozen=True)
class DigestThread:
    channel: str
    excerpt: str
    replies: int
    url: str


def busiest_unread_threads(user, community: Community, *, since: datetime) -> list[DigestThread]:  # type: ignore[no-untyped-def]
    """Threads of `community` with activity since `since` that `user` has not read (a post
    or reply newer than their marker in that channel), busiest first; channels the user
    muted and people hidden by a block are left out."""
    from .models import ChannelMute

    hidden = hidden_user_ids(user.pk)
    muted = set(ChannelMute.objects.filter(user=user).values_list("channel_id", flat=True))
    out: list[tuple[int, int, DigestThread]] = []
    reads = dict(
        Participant.objects.filter(
            user=user, conversation__channel__community=community
        ).values_list("conversation_id", "last_read_message_id")
    )
    for channel in Channel.objects.filter(community=community).exclude(pk__in=muted):
        last_read = reads.get(channel.conversation_id, 0)
        roots = (
            Message.objects.filter(
                conversation_id=channel.conversation_id,
                parent__isnull=True,
                deleted_at__isnull=True,
            )
            .exclude(sender_id__in=hidden)
            .exclude(sender=user)
            .annotate(
                recent=Count(
                    "replies",
                    filter=Q(replies__created_at__gte=since, replies__deleted_at__isnull=True),
                ),
                unread=Count("replies", filter=Q(replies__id__gt=last_read)),
            )
            .filter(Q(created_at__gte=since) | Q(recent__gt=0))
            .filter(Q(id__gt=last_read) | Q(unread__gt=0))
        )
        for root in roots:
            text = " ".join(root.body.split())
            out.append(
                (
                    root.recent,
                    root.pk,
                    DigestThread(
                        channel=channel.name,
                        excerpt=text[:117] + "…" if len(text) > 120 else text,
                        replies=root.recent,
                        url=f"/communities/{community.slug}/c/{channel.pk}/?thread={root.pk}",
                    ),
                )
            )
    out.sort(key=lambda row: (-row[0], -row[1]))
    return [row[2] for row in out]


def invite_maker_moderates(invite: Invite) -> bool:
    """Does the invite's maker still moderate its community in good standing? Stopping
    revokes their links (set_role, leaving, a ban); this also covers links made by someone
    who stopped before that was so."""
    if invite.created_by_id is None:
        return False  # its maker's account is gone
    maker = (
        Membership.objects.filter(community_id=invite.community_id, user_id=invite.created_by_id)
        .select_related("user")
        .first()
    )
    return (
        maker is not None
        and maker.user.is_active  # a site-wide ban or a closed account
        and maker.moderates
        and not maker.is_banned()
    )


def usable_invites(community: Community) -> list[Invite]:
    """The community's invite links that still let people in, newest first, for its manage
    page: not revoked, and made by someone who still moderates (`invite_maker_moderates`)."""
    invites = community.invites.filter(revoked_at__isnull=True).order_by("-created_at")
    return [invite for invite in invites if invite_maker_moderates(invite)]
