"""Every write to communities: validate, lock, write, announce after commit.

Posts are messaging's: `post_in_channel` calls `messaging.services.send_message` (stored, then
delivered after commit, one order per channel, client-id dedupe), and messaging asks
`check_channel_post` (connected to `send_sql.channel_post_check` in apps.py) under the
channel's row lock whether this member may post now, for the HTTP API and the socket alike.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from datetime import datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify

from mentorloom.core.email import queue_email
from mentorloom.core.errors import InvalidInput
from mentorloom.core.hooks import Hook
from mentorloom.core.timezones import canonical_zone
from mentorloom.messaging import services as messaging
from mentorloom.messaging.models import Conversation, ConversationKind, Message, Participant
from mentorloom.notifications.services import notify
from mentorloom.safety.selectors import is_blocked_between
from mentorloom.safety.services import audit
from mentorloom.scheduling.display import when
from mentorloom.scheduling.selectors import zone_name_of

from . import mentions, weekly
from .errors import (
    AlreadyMember,
    Banned,
    BlockedReply,
    ChannelNameTaken,
    InviteExpired,
    InviteOnly,
    InviteRevoked,
    JoinNeedsApproval,
    Muted,
    NotAMember,
    NotAMentor,
    NotAModerator,
    NotTheAuthor,
    OwnerCannotLeave,
    PostIsAStory,
    RequestDecided,
    RequestPending,
    SlowMode,
    SlugTaken,
)
from .events import remember_channel
from .models import (
    FOREVER,
    MAX_STORY_CHARS,
    MAX_STORY_TITLE_CHARS,
    Channel,
    ChannelMute,
    Community,
    Invite,
    JoinRequest,
    JoinStatus,
    Membership,
    PinnedPost,
    PostReport,
    PromptOccurrence,
    Role,
    Story,
    Visibility,
    WeeklyPrompt,
)
from .selectors import invite_maker_moderates

logger = logging.getLogger(__name__)

CHANNEL_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
MAX_SLOW_MODE_SECONDS = 6 * 3600
INVITE_DAYS_DEFAULT = 7
INVITE_DAYS_MAX = 90
# A community's `last_activity_at` moves at most this often (check_channel_post).
ACTIVITY_EVERY = timedelta(minutes=1)


# --- communities -----------------------------------------------------------------------------


def _clean_text(value: object, field: str, limit: int, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise InvalidInput(fields={field: ["This field is required."]})
    if len(text) > limit:
        raise InvalidInput(fields={field: [f"At most {limit} characters."]})
    return text


def _clean_topics(topics: object) -> list[str]:
    if topics is None:
        return []
    if isinstance(topics, str):
        topics = topics.split(",")
    if not isinstance(topics, list) or not all(isinstance(t, str) for t in topics):
        raise InvalidInput(fields={"topics": ["A list of topic names."]})
    cleaned = [t.strip()[:40] for t in topics if t.strip()]
    if len(cleaned) > 10:
        raise InvalidInput(fields={"topics": ["At most 10 topics."]})
    return cleaned


def create_community(
    owner,  # type: ignore[no-untyped-def]
    *,
    name: object,
    slug: object = "",
    description: object = "",
    rules: object = "",
    topics: object = None,
    language: object = "en",
    zone: object = "UTC",
    visibility: object = Visibility.OPEN,
) -> Community:
    """A new community owned by `owner`, with a #general channel. Raises InvalidInput,
    SlugTaken."""
    name = _clean_text(name, "name", 80, required=True)
    slug = slugify(slug if isinstance(slug, str) and slug.strip() else name)[:80]
    if not slug:
        raise InvalidInput(fields={"slug": ["Use letters or digits."]})
    zone_name = canonical_zone(zone) if isinstance(zone, str) else None
    if zone_name is None:
        raise InvalidInput(fields={"zone": ["Pick a time zone such as Europe/Berlin."]})
    if visibility not in Visibility.values:
        raise InvalidInput(fields={"visibility": ["Choose open, approval or invite."]})
    language = _clean_text(language, "language", 12) or "en"
    try:
        with transaction.atomic():
            community = Community.objects.create(
                name=name,
                slug=slug,
                description=_clean_text(description, "description", 2_000),
                rules=_clean_text(rules, "rules", 8_000),
                topics=_clean_topics(topics),
                language=language,
                zone=zone_name,
                visibility=visibility,
                created_by=owner,
            )
            Membership.objects.create(community=community, user=owner, role=Role.OWNER)
            _new_channel(community, "general", "Introductions and everything else", 0)
    except IntegrityError:
        raise SlugTaken(fields={"slug": [SlugTaken.default_message]}) from None
    return community


def _new_channel(community: Community, name: str, description: str, slow: int) -> Channel:
    conversation = Conversation.objects.create(kind=ConversationKind.CHANNEL)
    channel = Channel.objects.create(
        community=community,
        conversation=conversation,
        name=name,
        description=description,
        slow_mode_seconds=slow,
    )
    members = (
        Membership.objects.filter(community=community)
        .filter(_good_standing())
        .values_list("user_id", flat=True)
    )
    Participant.objects.bulk_create(
        [Participant(conversation=conversation, user_id=uid) for uid in members]
    )
    return channel


def _good_standing():  # type: ignore[no-untyped-def]
    from django.db.models import Q

    return Q(banned_until__isnull=True) | Q(banned_until__lte=timezone.now())


def _refuse_if_silenced(membership: Membership, now: datetime | None = None) -> None:
    """The one rule for writing in a community's channels (posting, reacting, editing a post
    or a story): a banned member is refused with Banned, a muted one with Muted."""
    now = now or timezone.now()
    if membership.is_banned(now):
        raise Banned()
    if membership.is_muted(now):
        raise Muted()


def _moderator(user, community: Community) -> Membership:  # type: ignore[no-untyped-def]
    membership = Membership.objects.filter(community=community, user=user).first()
    if membership is None or membership.is_banned():
        raise NotAMember()
    if not membership.moderates:
        raise NotAModerator()
    return membership


def _add_to_channels(community: Community, user_id: int) -> None:
    conversations = Channel.objects.filter(community=community).values_list(
        "conversation_id", flat=True
    )
    existing = set(
        Participant.objects.filter(conversation_id__in=conversations, user_id=user_id).values_list(
            "conversation_id", flat=True
        )
    )
    Participant.objects.bulk_create(
        [
            Participant(conversation_id=cid, user_id=user_id)
            for cid in conversations
            if cid not in existing
        ]
    )


def _remove_from_channels(community: Community, user_id: int, *, reason: str) -> None:
    messaging.remove_participant(
        user_id, Conversation.objects.filter(channel__community=community), reason=reason
    )


def _admit(community: Community, user_id: int) -> Membership:
    """Make `user_id` a member (idempotent); refuses a banned person."""
    membership, created = Membership.objects.get_or_create(community=community, user_id=user_id)
    if not created and membership.is_banned():
        raise Banned()
    _add_to_channels(community, user_id)
    return membership


def join_community(user, community: Community) -> Membership:  # type: ignore[no-untyped-def]
    """Join an open community (idempotent). Raises JoinNeedsApproval, InviteOnly, Banned."""
    existing = Membership.objects.filter(community=community, user=user).first()
    if existing is not None:
        if existing.is_banned():
            raise Banned()
        return existing
    if community.visibility == Visibility.APPROVAL:
        raise JoinNeedsApproval()
    if community.visibility == Visibility.INVITE:
        raise InviteOnly()
    with transaction.atomic():
        return _admit(community, user.pk)


# Called inside the leaving's transaction with (community_id, user) once a member left; each
# listener returns what it cancelled (workshops connects: their places in the community's
# workshops, their part in its live rooms and its room chats).
member_left = Hook("communities.member_left")


def leave_community(user, community: Community) -> None:  # type: ignore[no-untyped-def]
    """Leave (idempotent). The last owner cannot leave; a banned member's row stays (a ban
    outlives leaving and rejoining). Their part in the community's workshops goes with them
    (member_left), and the invite links they made are revoked."""
    with transaction.atomic():
        membership = (
            Membership.objects.select_for_update().filter(community=community, user=user).first()
        )
        if membership is None or membership.is_banned():
            return
        if (
            membership.role == Role.OWNER
            and not Membership.objects.filter(community=community, role=Role.OWNER)
            .exclude(pk=membership.pk)
            .exists()
        ):
            raise OwnerCannotLeave()
        _remove_from_channels(community, user.pk, reason="left")
        _revoke_invites_by(membership)
        membership.delete()
        member_left(community.pk, user)


def request_to_join(user, community: Community, note: object = "") -> JoinRequest:  # type: ignore[no-untyped-def]
    """Ask to join an approval-only community. Raises AlreadyMember, RequestPending, Banned,
    InviteOnly, InvalidInput (note over 500 characters). An open community is simply joined
    by `join_community`."""
    note = _clean_text(note, "note", 500)
    existing = Membership.objects.filter(community=community, user=user).first()
    if existing is not None:
        raise Banned() if existing.is_banned() else AlreadyMember()
    if community.visibility == Visibility.INVITE:
        raise InviteOnly()
    if community.visibility == Visibility.OPEN:
        raise InvalidInput("This community is open: just join it.")
    try:
        with transaction.atomic():
            request = JoinRequest.objects.create(community=community, user=user, note=note)
    except IntegrityError:
        raise RequestPending() from None
    for moderator in _moderators(community):
        notify(
            moderator.user,
            kind="community_join_request",
            title=f"New request to join {community.name}",
            body=note,
            url=f"/communities/{community.slug}/requests/",
            email=False,
        )
    return request


def _moderators(community: Community) -> list[Membership]:
    return list(
        Membership.objects.filter(
            community=community, role__in=[Role.OWNER, Role.MODERATOR]
        ).select_related("user")
    )


def decide_join_request(moderator, request: JoinRequest, *, approve: bool) -> JoinRequest:  # type: ignore[no-untyped-def]
    """Approve (the person becomes a member) or decline a pending request. Raises
    NotAModerator, RequestDecided."""
    _moderator(moderator, request.community)
    with transaction.atomic():
        request = JoinRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != JoinStatus.PENDING:
            raise RequestDecided()
        request.status = JoinStatus.APPROVED if approve else JoinStatus.DECLINED
        request.decided_by = moderator
        request.decided_at = timezone.now()
        request.save(update_fields=["status", "decided_by", "decided_at"])
        if approve:
            _admit(request.community, request.user_id)
        audit(
            moderator,
            "community.join_" + request.status,
            request.user_id,
            community_id=request.community_id,
        )
    notify(
        request.user,
        kind="community_join_decided",
        title=(
            f"Welcome to {request.community.name}"
            if approve
            else f"Your request to join {request.community.name} was declined"
        ),
        url=f"/communities/{request.community.slug}/",
        email=True,
    )
    return request


def create_invite(moderator, community: Community, *, days: object = INVITE_DAYS_DEFAULT) -> Invite:  # type: ignore[no-untyped-def]
    """An invite link valid for `days` (1–90). Raises NotAModerator, InvalidInput."""
    _moderator(moderator, community)
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= INVITE_DAYS_MAX:
        raise InvalidInput(fields={"days": [f"Between 1 and {INVITE_DAYS_MAX} days."]})
    return Invite.objects.create(
        community=community,
        token=secrets.token_urlsafe(32),
        created_by=moderator,
        expires_at=timezone.now() + timedelta(days=days),
    )


def revoke_invite(moderator, invite: Invite) -> Invite:  # type: ignore[no-untyped-def]
    _moderator(moderator, invite.community)
    if invite.revoked_at is None:
        invite.revoked_at = timezone.now()
        invite.save(update_fields=["revoked_at"])
    return invite


def accept_invite(user, token: object) -> Membership:  # type: ignore[no-untyped-def]
    """Join through an invite link. Raises Http404 (unknown token), InviteExpired,
    InviteRevoked, Banned."""
    from django.http import Http404

    invite = (
        Invite.objects.filter(token=token).select_related("community").first()
        if isinstance(token, str) and token
        else None
    )
    if invite is None:
        raise Http404
    if invite.revoked_at is not None or not invite_maker_moderates(invite):
        raise InviteRevoked()
    if invite.expires_at <= timezone.now():
        raise InviteExpired()
    with transaction.atomic():
        existing = Membership.objects.filter(community=invite.community, user=user).exists()
        membership = _admit(invite.community, user.pk)
        if not existing:
            Invite.objects.filter(pk=invite.pk).update(uses=invite.uses + 1)
    return membership


def set_role(owner, target: Membership, role: object) -> Membership:  # type: ignore[no-untyped-def]
    """The owner makes a member a moderator (or back). A moderator made a member again loses
    the invite links they made (revoked) and their weekly prompts (stopped). Raises
    NotAModerator, InvalidInput."""
    me = _moderator(owner, target.community)
    if me.role != Role.OWNER:
        raise NotAModerator("Only the owner can change roles.")
    if role not in (Role.MODERATOR, Role.MEMBER) or target.role == Role.OWNER:
        raise InvalidInput(fields={"role": ["Choose moderator or member."]})
    with transaction.atomic():
        if target.role == Role.MODERATOR and role == Role.MEMBER:
            _revoke_invites_by(target)
            # Their weekly discussions would go on being posted under their name.
            WeeklyPrompt.objects.filter(
                community_id=target.community_id, author_id=target.user_id, active=True
            ).update(active=False)
        target.role = role
        target.save(update_fields=["role"])
        audit(owner, "community.role", target.user_id, community_id=target.community_id, role=role)
    return target


def _revoke_invites_by(membership: Membership) -> int:
    """Revoke the invite links `membership`'s person made, when they stop moderating (demoted,
    leaving, banned): a link lets people in on its maker's authority. Returns how many."""
    return Invite.objects.filter(
        community_id=membership.community_id,
        created_by_id=membership.user_id,
        revoked_at__isnull=True,
    ).update(revoked_at=timezone.now())


def set_notifications_muted(user, community: Community, muted: bool) -> Membership:  # type: ignore[no-untyped-def]
    """A member mutes (or unmutes) a whole community: no mention notices, no digest."""
    Membership.objects.filter(community=community, user=user).update(
        notifications_muted=bool(muted)
    )
    return Membership.objects.get(community=community, user=user)


def set_channel_muted(user, channel: Channel, muted: bool) -> None:  # type: ignore[no-untyped-def]
    if muted:
        ChannelMute.objects.get_or_create(channel=channel, user=user)
    else:
        ChannelMute.objects.filter(channel=channel, user=user).delete()


def set_open_for_questions(user, community: Community, value: bool) -> Membership:  # type: ignore[no-untyped-def]
    """A mentor marks themselves open for questions from this community (members only)."""
    profile = getattr(user, "profile", None)
    if value and not getattr(profile, "is_mentor", False):
        raise InvalidInput("Only mentors can mark themselves open for questions.")
    Membership.objects.filter(community=community, user=user).update(open_for_questions=bool(value))
    return Membership.objects.get(community=community, user=user)


# --- channels and posts ----------------------------------------------------------------------


def create_channel(
    moderator,  # type: ignore[no-untyped-def]
    community: Community,
    *,
    name: object,
    description: object = "",
    slow_mode_seconds: object = 0,
) -> Channel:
    """A new topic channel every member is in. Raises NotAModerator, InvalidInput,
    ChannelNameTaken."""
    _moderator(moderator, community)
    name = name.strip().lstrip("#").lower() if isinstance(name, str) else ""
    if not CHANNEL_NAME.match(name):
        raise InvalidInput(
            fields={"name": ["Lower-case letters, digits and dashes, up to 40 characters."]}
        )
    slow = _clean_slow_mode(slow_mode_seconds)
    try:
        with transaction.atomic():
            return _new_channel(community, name, _clean_text(description, "description", 200), slow)
    except IntegrityError:
        raise ChannelNameTaken(fields={"name": [ChannelNameTaken.default_message]}) from None


def _clean_slow_mode(value: object) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not 0 <= value <= MAX_SLOW_MODE_SECONDS
    ):
        raise InvalidInput(
            fields={"slow_mode_seconds": [f"Between 0 and {MAX_SLOW_MODE_SECONDS} seconds."]}
        )
    return value


def set_slow_mode(moderator, channel: Channel, seconds: object) -> Channel:  # type: ignore[no-untyped-def]
    _moderator(moderator, channel.community)
    channel.slow_mode_seconds = _clean_slow_mode(seconds)
    channel.save(update_fields=["slow_mode_seconds"])
    audit(moderator, "community.slow_mode", None, channel_id=channel.pk, seconds=seconds)
    return channel


def check_channel_post(
    conversation_id: int,
    user_id: int,
    parent_sender_id: int | None,
    body: str | None = None,
    client_id: uuid.UUID | None = None,
) -> None:
    """Messaging's `channel_post_check`: may this member post (or react) in the channel now?

    Runs under the channel's row lock for every post, HTTP or socket. Raises NotAMember,
    Banned, Muted, SlowMode (moderators are exempt), BlockedReply (replying to someone either
    of you blocked), CannotMention (a post mentioning someone who cannot see the channel, or
    more than `mentions.MAX_MENTIONS_PER_POST` people), TooManyMentions (the author had many
    people notified lately: `mentions.spend_mention_allowance`).
    Mention notifications are scheduled for after the commit, so a refused or retried send
    (nothing stored) notifies nobody; a retry of a post stored already (its `client_id`) does
    not spend the allowance again either.
    """
    channel = Channel.objects.filter(conversation_id=conversation_id).select_related().first()
    if channel is None:
        raise NotAMember()
    remember_channel(conversation_id, channel.pk, channel.community_id)  # for the announcement
    membership = Membership.objects.filter(
        community_id=channel.community_id, user_id=user_id
    ).first()
    if membership is None:
        raise NotAMember()
    now = timezone.now()
    _refuse_if_silenced(membership, now)
    if (
        parent_sender_id is not None
        and parent_sender_id != user_id
        and is_blocked_between(user_id, parent_sender_id)
    ):
        raise BlockedReply()
    if channel.slow_mode_seconds and not membership.moderates:
        last = (
            Message.objects.filter(conversation_id=conversation_id, sender_id=user_id)
            .order_by("-id")
            .values_list("created_at", flat=True)
            .first()
        )
        if last is not None and now - last < timedelta(seconds=channel.slow_mode_seconds):
            wait = channel.slow_mode_seconds - int((now - last).total_seconds())
            raise SlowMode(f"This channel is in slow mode. Try again in {wait} seconds.")
    if body is not None:  # a post (a reaction has no body): "active this week" in the
        # directory. Written at most once a minute, so the community's row is not a lock
        # every post of every channel queues on.
        Community.objects.filter(pk=channel.community_id).filter(
            Q(last_activity_at__isnull=True) | Q(last_activity_at__lt=now - ACTIVITY_EVERY)
        ).update(last_activity_at=now)
    if body:
        author = membership.user
        mentioned = mentions.mentioned_members(author, channel, body)
        retry = (
            mentioned
            and client_id is not None
            and Message.objects.filter(
                conversation_id=conversation_id, sender_id=user_id, client_id=client_id
            ).exists()
        )
        if not retry:
            mentions.spend_mention_allowance(author.pk, len(mentioned))
        if mentioned:
            transaction.on_commit(
                partial(mentions.notify_new_post, author, channel, conversation_id, body, mentioned)
            )


def post_in_channel(
    user,  # type: ignore[no-untyped-def]
    channel: Channel,
    *,
    client_id: object,
    body: object,
    parent_id: object = None,
    upload: object = None,
) -> tuple[Message, bool]:
    """Post (or, with `parent_id`, reply in a thread) through messaging's send path, with
    `upload` (a file: chat's checks, storage and image guard) if given, then notify the
    people @mentioned. A retry with the same client id returns the stored post
    (created=False) and notifies nobody again.

    Raises what `messaging.services.send_message` raises (EmptyMessage, MessageTooLong,
    TooManyMessages, Http404) and what `check_channel_post` raises; CannotMention before
    anything is stored when the body mentions someone who cannot see the channel or with
    whom a block stands.
    """
    if parent_id is not None and (isinstance(parent_id, bool) or not isinstance(parent_id, int)):
        raise InvalidInput(fields={"parent_id": ["Not an id."]})
    # Mentions are checked and notified by `check_channel_post`, for socket sends alike.
    message, created = messaging.send_message(
        user, channel.conversation_id, client_id, body, parent_id=parent_id, upload=upload
    )
    return message, created


def react_to_post(
    user, channel: Channel, message: Message, key: str, *, active: bool = True
) -> Message:  # type: ignore[no-untyped-def]
    """Messaging's reaction, in a channel (the channel's rules apply: muted, banned)."""
    return messaging.set_reaction(user, message, key, active=active)


def mark_channel_read(user, channel: Channel, up_to_id: int) -> bool:  # type: ignore[no-untyped-def]
    """messaging's `mark_read` for the channel's conversation; True when the marker moved."""
    return messaging.mark_read(user, channel.conversation, up_to_id)


# --- moderation ------------------------------------------------------------------------------


def edit_post(user, channel: Channel, message: Message, body: object) -> Message:  # type: ignore[no-untyped-def]
    """Replace the text of your own post within messaging's edit window (shown as edited,
    announced live to the channel's sockets); the people the new text mentions whom the post
    never mentioned before are notified as for a new post (`mentions.notify_edit`). Raises
    PostIsAStory, NotYourMessage, EditWindowClosed, EmptyMessage, MessageTooLong, Muted,
    Banned, CannotMention (the new text mentions someone who cannot see the channel, or too
    many people: the same rules as posting), TooManyMentions; nothing is changed and nobody
    notified when one of them is raised."""
    membership = Membership.objects.filter(community=channel.community, user=user).first()
    if membership is None:
        raise NotAMember()
    if Story.objects.filter(message=message).exists():
        raise PostIsAStory()  # its title lives beside the text: `edit_story`
    mentioned: list[int] = []
    if message.sender_id == user.pk:
        _refuse_if_silenced(membership)
        if isinstance(body, str):
            mentioned = mentions.mentioned_members(user, channel, body)
    previous = message.body
    with transaction.atomic():
        edited = messaging.edit_own_message(user, message, body)
        mentions.notify_edit(user, channel, edited, previous, mentioned)
    return edited


def delete_post(user, channel: Channel, message: Message, *, reason: object = "") -> Message:  # type: ignore[no-untyped-def]
    """Your own post within the edit window (messaging's rule), or any post by a moderator,
    who must give a reason (kept in the audit log); a story's post by `delete_story`'s rules.
    Raises NotAModerator, InvalidInput, EditWindowClosed (your own post, later than the window,
    and you do not moderate)."""
    story = Story.objects.filter(message=message).select_related("community", "message").first()
    if story is not None:
        return delete_story(user, story, reason=reason).message
    membership = Membership.objects.filter(community=channel.community, user=user).first()
    own = message.sender_id == user.pk
    in_window = message.deleted_at is None and timezone.now() <= message.editable_until
    if own and (in_window or membership is None or not membership.moderates):
        return messaging.delete_message(user, message)
    _moderator(user, channel.community)
    reason = _clean_text(reason, "reason", 500, required=True)
    with transaction.atomic():
        messaging.moderator_delete_message(message)
        audit(
            user,
            "community.post_deleted",
            message.sender_id,
            community_id=channel.community_id,
            channel_id=channel.pk,
            message_id=message.pk,
            reason=reason,
        )
    return message


def pin_post(moderator, channel: Channel, message: Message, *, pinned: bool = True) -> None:  # type: ignore[no-untyped-def]
    _moderator(moderator, channel.community)
    if pinned:
        if message.deleted_at is not None:
            raise InvalidInput("A deleted post cannot be pinned.")
        PinnedPost.objects.get_or_create(
            message=message, defaults={"channel": channel, "pinned_by": moderator}
        )
    else:
        PinnedPost.objects.filter(message=message).delete()


def _until(minutes: object, *, allow_forever: bool) -> datetime:
    if minutes is None and allow_forever:
        return FOREVER
    if isinstance(minutes, bool) or not isinstance(minutes, int) or not 1 <= minutes <= 525_600:
        raise InvalidInput(fields={"minutes": ["Between 1 minute and a year."]})
    return timezone.now() + timedelta(minutes=minutes)


def mute_member(
    moderator, target: Membership, *, minutes: object, reason: object = ""
) -> Membership:  # type: ignore[no-untyped-def]
    """The member may read but not post for `minutes`. Raises NotAModerator, InvalidInput
    (also for muting a moderator or owner)."""
    _moderator(moderator, target.community)
    if target.moderates:
        raise InvalidInput("Moderators cannot be muted.")
    target.muted_until = _until(minutes, allow_forever=False)
    target.save(update_fields=["muted_until"])
    audit(
        moderator,
        "community.member_muted",
        target.user_id,
        community_id=target.community_id,
        until=target.muted_until.isoformat(),
        reason=_clean_text(reason, "reason", 500),
    )
    return target


# Called inside a ban's transaction with (community_id, user, banned_until); each listener
# returns the things the ban cancelled (workshops connects: the member's places in the
# community's workshops during the ban), named in the one notification the member gets.
member_banned = Hook("communities.member_banned")


def ban_member(
    moderator, target: Membership, *, minutes: object = None, reason: object = ""
) -> Membership:  # type: ignore[no-untyped-def]
    """Out of every channel for `minutes`, or for good (None); the member's places in the
    community's workshops during the ban are cancelled (member_banned) and they get one
    notification. Raises NotAModerator, InvalidInput (a reason is required; moderators cannot
    be banned)."""
    _moderator(moderator, target.community)
    if target.moderates:
        raise InvalidInput("Moderators cannot be banned.")
    reason = _clean_text(reason, "reason", 500, required=True)
    with transaction.atomic():
        target.banned_until = _until(minutes, allow_forever=True)
        target.save(update_fields=["banned_until"])
        _remove_from_channels(target.community, target.user_id, reason="banned")
        _revoke_invites_by(target)  # any link left from when they moderated
        cancelled = [
            item
            for items in member_banned(target.community_id, target.user, target.banned_until)
            for item in items
        ]
        _notify_banned(target, cancelled)
        audit(
            moderator,
            "community.member_banned",
            target.user_id,
            community_id=target.community_id,
            until=target.banned_until.isoformat(),
            reason=reason,
        )
    return target


def _notify_banned(target: Membership, cancelled: list) -> None:
    community = target.community
    if target.banned_until >= FOREVER:
        body = f"You can no longer read or post in {community.name}."
    else:
        lifts = when(target.banned_until, zone_name_of(target.user))
        body = f"You cannot read or post in {community.name} until {lifts}."
    if cancelled:
        names = "; ".join(f'"{item.title}"' for item in cancelled)
        body += f" Your registrations for its upcoming workshops were cancelled: {names}."
    notify(
        target.user,
        kind="community.banned",
        title=f"A moderator banned you from {community.name}",
        body=body,
    )


def unban_member(moderator, target: Membership) -> Membership:  # type: ignore[no-untyped-def]
    _moderator(moderator, target.community)
    with transaction.atomic():
        target.banned_until = None
        target.save(update_fields=["banned_until"])
        _add_to_channels(target.community, target.user_id)
        audit(
            moderator, "community.member_unbanned", target.user_id, community_id=target.community_id
        )
    return target


def report_post(user, channel: Channel, message: Message, *, reason: object) -> PostReport:  # type: ignore[no-untyped-def]
    """A member reports a post: the community's moderators get a notification, staff a
    safety report. Reporting the same post twice keeps one report."""
    reason = _clean_text(reason, "reason", 1_000, required=True)
    report, created = PostReport.objects.get_or_create(
        message=message, reporter=user, defaults={"channel": channel, "reason": reason}
    )
    if created:
        url = f"/communities/{channel.community.slug}/c/{channel.pk}/#post-{message.pk}"
        for moderator in _moderators(channel.community):
            notify(
                moderator.user,
                kind="community_report",
                title=f"A post in #{channel.name} was reported",
                body=reason,
                url=url,
                email=False,
            )
        audit(
            user,
            "community.post_reported",
            message.sender_id,
            community_id=channel.community_id,
            message_id=message.pk,
            reason=reason,
        )
        if message.sender_id and message.sender_id != user.pk:
            from mentorloom.safety.services import report_user

            try:
                report_user(
                    user, message.sender_id, reason="other", details=reason, context_url=url
                )
            except Exception:  # staff's copy must not lose the moderators' one
                logger.exception("safety report for post %s failed", message.pk)
    return report


# --- stories ---------------------------------------------------------------------------------

_MARKDOWN_MARKS = re.compile(r"([\\`*_\[\]<>#!|~])")


def story_text(title: str, body: str) -> str:
    """The post a story is: its title in bold on the first line (so search, digests, mention
    e-mails and live inserts show it), then the body."""
    escaped = _MARKDOWN_MARKS.sub(r"\\\1", title)
    return f"**{escaped}**\n\n{body}"


def publish_story(
    user,  # type: ignore[no-untyped-def]
    channel: Channel,
    *,
    title: object,
    body: object,
    client_id: object = None,
) -> tuple[Story, bool]:
    """A mentor's story: a root post of `channel` through the one send path (the channel's
    rules apply: banned, muted, slow mode, mentions), whose thread is its discussion, plus
    the Story row with its title. Idempotent by `client_id` (a retry returns the story with
    created=False). Raises NotAMember, NotAMentor, InvalidInput (title up to
    MAX_STORY_TITLE_CHARS on one line, body up to MAX_STORY_CHARS) and what `post_in_channel`
    raises."""
    membership = Membership.objects.filter(community=channel.community_id, user=user).first()
    if membership is None or membership.is_banned():
        raise NotAMember()
    if not getattr(getattr(user, "profile", None), "is_mentor", False):
        raise NotAMentor()
    title = " ".join(_clean_text(title, "title", MAX_STORY_TITLE_CHARS, required=True).split())
    body = _clean_text(body, "body", MAX_STORY_CHARS, required=True)
    with transaction.atomic():
        message, created = post_in_channel(
            user, channel, client_id=client_id or uuid.uuid4(), body=story_text(title, body)
        )
        if not created:
            story = Story.objects.filter(message=message).first()
            if story is None:  # the client id belongs to an ordinary post
                raise InvalidInput(fields={"client_id": ["Already used for another post."]})
            return story, False
        story = Story.objects.create(
            community_id=channel.community_id,
            channel=channel,
            message=message,
            author=user,
            title=title,
            created_at=message.created_at,
        )
    return story, True


def edit_story(
    user,  # type: ignore[no-untyped-def]
    story: Story,
    *,
    title: object = None,
    body: object = None,
) -> Story:
    """Change a story's title and/or text (None keeps it): its author only, at any time (a
    story is theirs, as taking it down is; a moderator deletes, never rewrites), with
    `publish_story`'s limits and the channel's rules for the text (muted, banned, mentions).
    The post shows as edited and changes live on every open channel page; the people the new
    title or text mentions whom the story never mentioned before are notified as for a new
    post (`mentions.notify_edit`). Raises
    NotTheAuthor, NotAMember, Banned, Muted, InvalidInput, CannotMention, TooManyMentions,
    EmptyMessage; nothing is changed when one of them is raised."""
    if story.author_id != user.pk:
        raise NotTheAuthor()
    membership = Membership.objects.filter(community=story.community_id, user=user).first()
    if membership is None or story.message.deleted_at is not None:
        raise NotAMember()
    _refuse_if_silenced(membership)
    title = story.title if title is None else title
    body = story.body if body is None else body
    errors: dict[str, list[str]] = {}
    for field, value, limit in (
        ("title", title, MAX_STORY_TITLE_CHARS),
        ("body", body, MAX_STORY_CHARS),
    ):
        try:
            _clean_text(value, field, limit, required=True)
        except InvalidInput as exc:
            errors.update(exc.fields)
    if errors:
        raise InvalidInput(fields=errors)
    title = " ".join(str(title).split())
    body = str(body).strip()
    text = story_text(title, body)
    # The whole post, title included, as `publish_story` sent it through the send check.
    mentioned = mentions.mentioned_members(user, story.channel, text)
    previous = story.message.body
    if text == previous:
        return story
    with transaction.atomic():
        messaging.replace_body(story.message, text)
        story.title = title
        story.save(update_fields=["title"])
        mentions.notify_edit(user, story.channel, story.message, previous, mentioned)
    return story


def delete_story(user, story: Story, *, reason: object = "") -> Story:  # type: ignore[no-untyped-def]
    """Take a story down: its author at any time (it is theirs, unlike a post's 15-minute
    window), a moderator with a reason, both kept in the audit log as post deletions are. The
    post shows as deleted, its thread stays; the story leaves every list. Raises
    NotAModerator, InvalidInput."""
    message = story.message
    if story.author_id == user.pk:
        reason = _clean_text(reason, "reason", 500)
        action = "community.story_deleted"
    else:
        _moderator(user, story.community)
        reason = _clean_text(reason, "reason", 500, required=True)
        action = "community.post_deleted"
    if message.deleted_at is not None:
        return story
    with transaction.atomic():
        messaging.moderator_delete_message(message)
        audit(
            user,
            action,
            message.sender_id,
            community_id=story.community_id,
            channel_id=story.channel_id,
            message_id=message.pk,
            story_id=story.pk,
            reason=reason,
        )
    return story


# --- weekly discussions ----------------------------------------------------------------------


def schedule_prompt(
    moderator,  # type: ignore[no-untyped-def]
    channel: Channel,
    *,
    title: object,
    body: object = "",
    weekday: object,
    local_time: object,
) -> WeeklyPrompt:
    """A weekly discussion posted as a new thread every `weekday` (1 = Monday) at
    `local_time` ("HH:MM") in the community's zone. Raises NotAModerator, InvalidInput."""
    _moderator(moderator, channel.community)
    title = _clean_text(title, "title", 120, required=True)
    body = _clean_text(body, "body", messaging.MAX_BODY_CHARS - 200)
    if isinstance(weekday, bool) or not isinstance(weekday, int) or not 1 <= weekday <= 7:
        raise InvalidInput(fields={"weekday": ["1 (Monday) to 7 (Sunday)."]})
    if isinstance(local_time, str):
        try:
            local_time = time.fromisoformat(local_time)
        except ValueError:
            local_time = None
    if not isinstance(local_time, time):
        raise InvalidInput(fields={"local_time": ["A time such as 18:00."]})
    return WeeklyPrompt.objects.create(
        community=channel.community,
        channel=channel,
        title=title,
        body=body,
        weekday=weekday,
        local_time=local_time.replace(second=0, microsecond=0),
        author=moderator,
    )


def stop_prompt(moderator, prompt: WeeklyPrompt) -> None:  # type: ignore[no-untyped-def]
    """No more occurrences of this weekly discussion (past threads stay)."""
    _moderator(moderator, prompt.community)
    WeeklyPrompt.objects.filter(pk=prompt.pk).update(active=False)


def prompt_client_id(prompt: WeeklyPrompt, day: object) -> uuid.UUID:
    """The same client id for an occurrence wherever it is posted from: a second attempt is a
    retry of the first, never a second thread."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"mentorloom:prompt:{prompt.pk}:{day}")


def post_due_prompts(now: datetime | None = None) -> int:
    """Post every weekly prompt whose occurrence is due and not yet posted; returns how many.

    Exactly once per occurrence: the PromptOccurrence row (unique per prompt and local day)
    is written in the same transaction as the thread, so a second worker or a rerun after a
    crash finds it (or fails on the constraint and rolls its own attempt back); the thread's
    client id is derived from the occurrence, so even a send that raced is deduplicated.
    A prompt whose author is a member who no longer moderates is stopped instead; one whose
    author left (or was banned, or is gone) is posted under a moderator's name.
    """
    now = now or timezone.now()
    posted = 0
    for prompt in WeeklyPrompt.objects.filter(active=True).select_related(
        "community", "channel", "author"
    ):
        day = weekly.due_occurrence(
            now,
            prompt.weekday,
            prompt.local_time,
            ZoneInfo(prompt.community.zone),
            not_before=prompt.created_at,
        )
        if day is None or PromptOccurrence.objects.filter(prompt=prompt, day=day).exists():
            continue
        author = prompt.author
        standing = (
            Membership.objects.filter(community=prompt.community, user=author)
            .filter(_good_standing())
            .first()
            if author is not None
            else None
        )
        if standing is not None and not standing.moderates:
            # Its author no longer moderates (demoted: `set_role` stops their prompts, this
            # catches any it did not): it stops rather than go on under their name.
            WeeklyPrompt.objects.filter(pk=prompt.pk).update(active=False)
            continue
        if standing is None:
            owner = _moderators(prompt.community)
            if not owner:
                continue
            author = owner[0].user
        try:
            with transaction.atomic():
                occurrence = PromptOccurrence.objects.create(prompt=prompt, day=day)
                body = f"**{prompt.title}**\n\n{prompt.body}".strip()
                message, _created = messaging.send_message(
                    author, prompt.channel.conversation_id, prompt_client_id(prompt, day), body
                )
                occurrence.message = message
                occurrence.save(update_fields=["message"])
        except IntegrityError:
            continue  # another worker posted this occurrence first
        except Exception:
            logger.exception("weekly prompt %s for %s failed", prompt.pk, day)
            continue
        posted += 1
    return posted


# --- weekly digest -----------------------------------------------------------------------------

DIGEST_EVERY = timedelta(days=7)
DIGEST_THREADS = 5


def send_weekly_digests(now: datetime | None = None) -> int:
    """E-mail each member (who has not muted the community) the busiest threads of the past
    week they have not read, at most once per week; returns how many e-mails were queued.

    Safe to rerun and to run concurrently: each membership is re-read under its row lock and
    `last_digest_at` moves in the transaction that queues the mail.
    """
    from .selectors import busiest_unread_threads, person_name

    now = now or timezone.now()
    due = (
        Membership.objects.filter(notifications_muted=False, user__is_active=True)
        .exclude(user__email="")
        .exclude(last_digest_at__gt=now - DIGEST_EVERY)
        .exclude(banned_until__gt=now)
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        with transaction.atomic():
            membership = (
                # Only the membership row is locked (the profile join is an outer one).
                Membership.objects.select_for_update(of=("self",))
                .select_related("community", "user__profile")
                .filter(pk=pk)
                .first()
            )
            if membership is None or (
                membership.last_digest_at is not None
                and membership.last_digest_at > now - DIGEST_EVERY
            ):
                continue
            # Everything the list above excluded is read again under the lock: a ban, a mute
            # or a deactivated account since the list was made gets no excerpts.
            if (
                membership.notifications_muted
                or not membership.user.is_active
                or (membership.banned_until is not None and membership.banned_until > now)
            ):
                continue
            threads = busiest_unread_threads(
                membership.user, membership.community, since=now - DIGEST_EVERY
            )[:DIGEST_THREADS]
            membership.last_digest_at = now
            membership.save(update_fields=["last_digest_at"])
            if not threads:
                continue
            queue_email(
                membership.user.email,
                "communities/emails/weekly_digest",
                {
                    "name": person_name(membership.user),
                    "community": membership.community,
                    "threads": threads,
                },
            )
            sent += 1
    return sent
