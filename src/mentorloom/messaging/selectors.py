"""Reads: conversation lists with unread counts, message pages, read states."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, time
from html import unescape

from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.html import strip_tags

from mentorloom.core.markdown import render_markdown
from mentorloom.mentorships.models import OPEN_REQUEST_STATUSES, AgreementVersion
from mentorloom.safety.selectors import hidden_user_ids

from .models import (
    ATTACHMENT_LIST,
    GROUP_KINDS,
    REACTION_LIST,
    ChatPresence,
    Conversation,
    ConversationKind,
    Message,
    Participant,
)
from .quiet_hours import common_open_minutes, parse_quiet_hours
from .send_sql import blocked_sql, with_tables

PAGE_DEFAULT = 50
PAGE_MAX = 200


def unread_subquery(user, conversation: str = "pk", hidden_sender_ids=()) -> Subquery:  # type: ignore[no-untyped-def]
    """How many messages of the conversation at outer field `conversation` the user has not
    read: others' messages after their read marker, none deleted, none from `hidden_sender_ids`."""
    my_read = Participant.objects.filter(conversation=OuterRef(OuterRef(conversation)), user=user)
    unread = Message.objects.filter(
        conversation=OuterRef(conversation),
        deleted_at__isnull=True,
        id__gt=Subquery(my_read.values("last_read_message_id")[:1]),
    ).exclude(sender=user)
    if hidden_sender_ids:
        unread = unread.exclude(sender_id__in=hidden_sender_ids)
    unread = unread.order_by().values("conversation").annotate(n=Count("id")).values("n")
    return Subquery(unread, output_field=IntegerField())


def conversations_for(user) -> QuerySet[Conversation]:  # type: ignore[no-untyped-def]
    """The user's conversations, newest activity first, with `unread_count` annotated.

    Conversations with someone the user blocked (or was blocked by) are left out: a block hides
    two people from each other everywhere.
    """
    hidden = hidden_user_ids(user.pk)
    # Community channels have pages of their own (communities), not inbox rows.
    qs = Conversation.objects.filter(memberships__user=user).exclude(kind__in=GROUP_KINDS)
    # A request answered (declined, withdrawn, expired) before anyone wrote in its
    # conversation leaves nothing to read: no row (a withdraw-and-resend adds one, not two).
    qs = qs.exclude(
        Q(kind=ConversationKind.REQUEST, last_message_id__isnull=True)
        & ~Q(request__status__in=OPEN_REQUEST_STATUSES)
    )
    if hidden:
        qs = qs.exclude(memberships__user_id__in=hidden)
    return (
        qs.annotate(unread_count=Coalesce(unread_subquery(user), Value(0)))
        .select_related("mentorship", "request")
        .prefetch_related("memberships__user__profile")
        .order_by(F("last_message_at").desc(nulls_last=True), "-id")
    )


def request_state(conversation: Conversation) -> str:
    """How a request's conversation stands, in a word: "pending" while the mentor has not
    answered (also when they asked for more information), else "declined", "withdrawn",
    "expired" or "closed" (its request is gone); "" for every other kind. Load the
    conversation with `request` (select_related) to spare a query."""
    if conversation.kind != ConversationKind.REQUEST:
        return ""
    request = conversation.request
    if request is None:
        return "closed"
    return "pending" if request.status in OPEN_REQUEST_STATUSES else request.status


def conversation_label(conversation: Conversation) -> str:
    """The inbox's word for a conversation: "Mentorship", or "Request · pending" (the state)."""
    state = request_state(conversation)
    return f"Request · {state}" if state else "Mentorship"


PREVIEW_CHARS = 90


@dataclass(frozen=True)
class Preview:
    """A conversation's newest message as the inbox shows it: one line of plain text."""

    sender_id: int
    text: str


def previews_for(conversations: Iterable[Conversation]) -> dict[int, Preview]:
    """The preview of each conversation's newest message, by conversation id (one query)."""
    ids = [c.last_message_id for c in conversations if c.last_message_id]
    messages = Message.objects.filter(pk__in=ids).annotate(files=Count("attachments"))
    return {
        m.conversation_id: Preview(m.sender_id, preview_text(m.body, m.is_deleted, m.files))
        for m in messages
    }


_PARTIAL_WORD = re.compile(r"\S+$")


def excerpt(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start cut at a word boundary and
    ended with "…" (the whole at most `limit` characters; a single longer word is cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if not text[limit - 1].isspace():  # the cut fell inside a word: drop its start
        cut = _PARTIAL_WORD.sub("", cut).rstrip() or cut
    return cut.rstrip() + "…"


def preview_text(body: str, deleted: bool, files: int) -> str:
    """What a message says, as plain text on one line (Markdown rendered, then its tags
    dropped), cut at PREVIEW_CHARS (`excerpt`)."""
    if deleted:
        return "Message deleted"
    text = " ".join(unescape(strip_tags(render_markdown(body))).split())
    if text:
        return excerpt(text, PREVIEW_CHARS)
    if files:  # a file sent without words
        return "Sent a file" if files == 1 else f"Sent {files} files"
    return ""


# The nav badge's count as plain SQL: unread messages (newer than the user's read marker, from
# someone else, not deleted) in the user's conversations without a block between them and
# another participant. It runs for the recipients with a page open on every message, and the
# equivalent queryset (an exclude across a multi-valued join, twice) cost ~2 ms to compile
# against ~0.2 ms to run. Table names come from the models; the parameters are user ids (the
# IN list is filled in per call), and several people are counted in one statement.
_UNREAD_TOTALS_SQL = "".join(  # pieces of SQL written here (joined, not "+": bandit B608)
    (
        """
SELECT me.user_id, COUNT(*) FROM {participant} me
JOIN {message} m ON m.conversation_id = me.conversation_id
JOIN {conversation} c ON c.id = me.conversation_id
WHERE me.user_id IN (%s)
  AND c.kind NOT IN ('channel', 'workshop')
  AND m.deleted_at IS NULL
  AND m.id > me.last_read_message_id
  AND m.sender_id <> me.user_id
  AND NOT """,
        blocked_sql("me.conversation_id", user="me.user_id"),
        """
GROUP BY me.user_id""",
    )
)

# People counted per statement, well under every database's limit on parameters.
UNREAD_TOTALS_CHUNK = 500


def read_marker(user, conversation: Conversation) -> int:  # type: ignore[no-untyped-def]
    """The id of the last message `user` has read in `conversation` (0: none)."""
    marker = (
        Participant.objects.filter(conversation=conversation, user=user)
        .values_list("last_read_message_id", flat=True)
        .first()
    )
    return marker or 0


def unread_totals_for(user_ids: Iterable[int]) -> dict[int, int]:
    """The nav badge of each of `user_ids`: unread messages across their visible conversations
    (those with someone they blocked, or were blocked by, are left out)."""
    ids = sorted(set(user_ids))
    totals = dict.fromkeys(ids, 0)
    template = with_tables(_UNREAD_TOTALS_SQL)
    with connection.cursor() as cursor:
        for start in range(0, len(ids), UNREAD_TOTALS_CHUNK):
            chunk = ids[start : start + UNREAD_TOTALS_CHUNK]
            cursor.execute(template % ", ".join(["%s"] * len(chunk)), chunk)
            totals.update((user_id, int(n)) for user_id, n in cursor.fetchall())
    return totals


def unread_total_for(user) -> int:  # type: ignore[no-untyped-def]
    """One person's nav badge (`unread_totals_for`); accepts a user or a user id, so it can run
    in an on-commit callback with only the id."""
    user_id = getattr(user, "pk", user)
    return unread_totals_for([user_id])[user_id]


@dataclass(frozen=True)
class MessagePage:
    messages: list[Message]
    has_more: bool  # more in the direction of the cursor (older for before/latest, newer for after)


def with_reactions_and_files(qs: QuerySet) -> QuerySet:
    """Messages with their reactions and files in two queries, as plain lists per message
    (Message.reaction_rows / attachment_rows). Prefetching into the related managers instead
    builds a filtered queryset per message and relation: ~5 ms for a page of 50 posts, as much
    as the page's queries (benchmarks/bench_channel_page)."""
    return qs.prefetch_related(
        Prefetch("reactions", to_attr=REACTION_LIST),
        Prefetch("attachments", to_attr=ATTACHMENT_LIST),
    )


def messages_page(
    conversation: Conversation,
    *,
    after: int | None = None,
    before: int | None = None,
    limit: int = PAGE_DEFAULT,
    hidden_for: int | None = None,
) -> MessagePage:
    """Messages in id order: after `after` (oldest first), or before `before` / the latest.
    `hidden_for`: the reader, in a channel or workshop room none of whose posts a block hides
    from them is left in (the chat socket leaves them out too); a one-to-one conversation
    with a blocked person is refused by its access helper instead."""
    limit = max(1, min(limit, PAGE_MAX))
    qs = Message.objects.filter(conversation=conversation)
    if hidden_for is not None and conversation.kind in GROUP_KINDS:
        hidden = hidden_user_ids(hidden_for)
        if hidden:
            qs = qs.exclude(sender_id__in=hidden)
    qs = with_reactions_and_files(qs)
    if after is not None:
        rows = list(qs.filter(id__gt=after).order_by("id")[: limit + 1])
        return MessagePage(rows[:limit], len(rows) > limit)
    if before is not None:
        qs = qs.filter(id__lt=before)
    rows = list(qs.order_by("-id")[: limit + 1])
    return MessagePage(list(reversed(rows[:limit])), len(rows) > limit)


def messages_after(
    conversation_id: int,
    after_id: int,
    limit: int = PAGE_MAX,
    hidden_sender_ids: Collection[int] = (),
) -> list[Message]:
    """Messages after `after_id`, oldest first; none sent by `hidden_sender_ids` (people a
    block hides from the reader, in a channel or workshop room)."""
    qs = Message.objects.filter(conversation_id=conversation_id, id__gt=after_id)
    if hidden_sender_ids:
        qs = qs.exclude(sender_id__in=hidden_sender_ids)
    return list(with_reactions_and_files(qs).order_by("id")[:limit])


@dataclass(frozen=True)
class ReadState:
    user_id: int
    last_read_message_id: int
    last_read_at: datetime | None


def other_participant_ids(conversation_id: int, user_id: int) -> list[int]:
    """Ids of the other people whose nav badge a new message in the conversation changes
    (memberships of mentorship and request threads never change after creation, so callers
    may keep this for the life of a socket subscription). Empty for a community channel: its
    unread counts are shown on community pages, not in the badge, and a post must not
    recount the badges of a thousand members."""
    return list(
        Participant.objects.filter(conversation_id=conversation_id)
        .exclude(user_id=user_id)
        .exclude(conversation__kind__in=GROUP_KINDS)
        .values_list("user_id", flat=True)
    )


def read_states(conversation: Conversation) -> list[ReadState]:
    return [
        ReadState(p.user_id, p.last_read_message_id, p.last_read_at)
        for p in Participant.objects.filter(conversation=conversation).order_by("user_id")
    ]


def other_participants(conversation: Conversation, user) -> list:  # type: ignore[no-untyped-def]
    """The other people in the conversation (profiles loaded), for titles and avatars."""
    return [p.user for p in conversation.memberships.all() if p.user_id != user.pk]


def person_name(user) -> str:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    return profile.name if profile is not None else user.email.split("@")[0]


def quiet_hours_for(user, conversation: Conversation) -> tuple[time, time, str] | None:  # type: ignore[no-untyped-def]
    """(start, end, zone) of `user`'s quiet hours for this conversation, or None.

    Read from the quiet-hours text of the mentorship's newest agreement version confirmed by
    both people (see quiet_hours.parse_quiet_hours for what the text may say); the zone
    defaults to the user's profile zone. Request threads have no agreement: None.
    """
    if conversation.mentorship_id is None:
        return None
    version = (
        AgreementVersion.objects.filter(
            mentorship_id=conversation.mentorship_id,
            mentor_confirmed_at__isnull=False,
            mentee_confirmed_at__isnull=False,
        )
        .order_by("-number")
        .only("quiet_hours")
        .first()
    )
    if version is None or not version.quiet_hours.strip():
        return None
    others = [
        person_name(p.user)
        for p in Participant.objects.filter(conversation=conversation)
        .exclude(user=user)
        .select_related("user__profile")
    ]
    profile = getattr(user, "profile", None)
    window = parse_quiet_hours(
        version.quiet_hours,
        name=person_name(user),
        other_names=others,
        default_zone=(profile.time_zone if profile is not None else "") or "UTC",
    )
    return window.as_tuple() if window is not None else None


def digest_candidates() -> QuerySet[Participant]:
    """Memberships with messages newer than both the read marker and the last digest.

    Cheap pre-filter for the digest run (sending marks your own message read, so a newer
    message is someone else's); the service re-checks each under the row lock.
    """
    return (
        Participant.objects.filter(
            conversation__last_message_id__gt=Greatest(
                F("last_read_message_id"), F("last_digested_message_id")
            ),
            user__is_active=True,
        )
        .exclude(user__email="")
        # Channels have their own weekly digest (communities), not one per message.
        .exclude(conversation__kind__in=GROUP_KINDS)
        .order_by("pk")
    )


def pending_digest_messages(participant: Participant) -> list[Message]:
    """Messages from others that this person has neither read nor had in a digest, oldest
    first (deleted messages and people hidden by a block are left out)."""
    after = max(participant.last_read_message_id, participant.last_digested_message_id)
    qs = (
        Message.objects.filter(
            conversation_id=participant.conversation_id, id__gt=after, deleted_at__isnull=True
        )
        .exclude(sender_id=participant.user_id)
        .select_related("sender__profile")
        .prefetch_related("attachments")
        .order_by("id")
    )
    hidden = hidden_user_ids(participant.user_id)
    if hidden:
        qs = qs.exclude(sender_id__in=hidden)
    return list(qs)


def open_for_chat_user_ids(now: datetime | None = None) -> set[int]:
    """Ids of people who are "open for a quick chat" right now (expired ones are not)."""
    now = now or timezone.now()
    return set(ChatPresence.objects.filter(open_until__gt=now).values_list("user_id", flat=True))


def presence_for(user) -> ChatPresence | None:  # type: ignore[no-untyped-def]
    """The user's current (unexpired) presence, or None."""
    return ChatPresence.objects.filter(user=user, open_until__gt=timezone.now()).first()


@dataclass(frozen=True)
class QuietClash:
    """Both people's quiet hours, as read from the agreement, when they leave no common time."""

    windows: list[tuple[str, str]]  # (name, "17:00–09:00 (Europe/Berlin)")


def quiet_hours_clash(mentorship, now: datetime) -> QuietClash | None:  # type: ignore[no-untyped-def]
    """The two quiet-hours windows of the newest agreement version (confirmed or proposed)
    when together they cover the whole day — nobody could ever expect a reply; else None."""
    version = (
        AgreementVersion.objects.filter(mentorship=mentorship)
        .order_by("-number")
        .only("quiet_hours")
        .first()
    )
    if version is None or not version.quiet_hours.strip():
        return None
    people = [mentorship.mentor, mentorship.mentee]
    names = [person_name(u) for u in people]
    windows = []
    for user, name in zip(people, names, strict=True):
        profile = getattr(user, "profile", None)
        window = parse_quiet_hours(
            version.quiet_hours,
            name=name,
            other_names=[n for n in names if n != name],
            default_zone=(profile.time_zone if profile is not None else "") or "UTC",
        )
        if window is None:
            return None
        windows.append(window)
    if common_open_minutes(windows[0], windows[1], now) > 0:
        return None
    return QuietClash(
        [
            (name, f"{w.start:%H:%M}–{w.end:%H:%M} ({w.zone})")
            for name, w in zip(names, windows, strict=True)
        ]
    )
