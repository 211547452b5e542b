"""@mentions in community posts: who a text mentions, the refusal of a mention of someone who
cannot see the channel, and the one notification each mentioned member gets per post.

A new post's mentions are checked under the send lock (`services.check_channel_post`) and
notified after commit (`notify_new_post`); an edit of a post or a story checks the new text
the same way and notifies, through the same `notify_mentions`, only the people the post had
never mentioned before (`notify_edit`). `PostMention` remembers who a post has mentioned.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from functools import partial

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from mentorloom.core import ratelimit
from mentorloom.messaging.models import Message, Participant
from mentorloom.messaging.quiet_hours import quiet_until
from mentorloom.notifications.services import notify
from mentorloom.safety.selectors import hidden_user_ids

from .errors import CannotMention, TooManyMentions
from .models import Channel, ChannelMute, Community, Membership, PostMention

# Mentions: "@handle", the handle being a member's display name in lower case without spaces
# or punctuation ("@analopez" for Ana López).
MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9._]{1,39})", re.IGNORECASE)
# Each mentioned member gets a notification and perhaps an e-mail: one post may mention at
# most this many people, and one person may have this many notified per window, so a member
# cannot mail a whole community at the speed of the chat's send limit.
MAX_MENTIONS_PER_POST = 10
MENTIONS_PER_WINDOW = 30
MENTIONS_WINDOW_SECONDS = 600
# Someone who touched any conversation within this long is treated as online (no e-mail).
ONLINE_WITHIN = timedelta(minutes=5)
# Mention e-mails wait out the night in the recipient's zone (no per-person setting yet).
NIGHT_START, NIGHT_END = time(22, 0), time(8, 0)


def _handle(name: str) -> str:
    return re.sub(r"[^a-z0-9._]", "", slugify(name).replace("-", ""))


def member_handles(community: Community | int) -> dict[str, int]:
    """handle -> user id of the community's members in good standing."""
    rows = (
        Membership.objects.filter(community=community)
        .exclude(banned_until__gt=timezone.now())
        .values_list("user_id", "user__profile__display_name", "user__email")
    )
    handles: dict[str, int] = {}
    for user_id, display_name, email in rows:
        handle = _handle(display_name or email.split("@")[0])
        if handle:
            handles.setdefault(handle, user_id)
    return handles


def _names_in(body: str) -> set[str]:
    # Handles never contain a dot (slugify drops them): one that ends a sentence ("Thanks
    # @moderator.") is punctuation, not part of the name.
    return {m.lower().rstrip(".") for m in MENTION.findall(body)}


def mentioned_members(user, channel: Channel, body: str) -> list[int]:  # type: ignore[no-untyped-def]
    """Ids of the members `body` mentions. Raises CannotMention for more than
    MAX_MENTIONS_PER_POST people, or for a handle of someone who is not a member in good
    standing, or with whom a block stands either way."""
    names = _names_in(body)
    if not names:
        return []
    handles = member_handles(channel.community)
    hidden = hidden_user_ids(user.pk)
    ids: list[int] = []
    outsiders: list[str] = []
    for name in sorted(names):
        uid = handles.get(name)
        if uid is None or uid in hidden:
            outsiders.append(name)
        elif uid != user.pk and uid not in ids:
            ids.append(uid)
    if len(ids) > MAX_MENTIONS_PER_POST:
        # Checked before names that are no member's handle are looked up (a query each).
        message = f"You can mention at most {MAX_MENTIONS_PER_POST} people in one post."
        raise CannotMention(message, fields={"body": [message]})
    # A name that is nobody's handle is text ("an @ sign"), not a mention.
    outsiders = [name for name in outsiders if name in handles or _is_someones_handle(name)]
    if outsiders:
        raise CannotMention(
            f"@{outsiders[0]} cannot be mentioned here.",
            fields={"body": [f"@{name} cannot be mentioned here." for name in outsiders]},
        )
    return ids


def spend_mention_allowance(user_id: int, count: int) -> None:
    """Count `count` people about to be notified of `user_id`'s mentions; raises
    TooManyMentions when that takes them past MENTIONS_PER_WINDOW in the window."""
    if count and not ratelimit.allow(
        "community.mentions",
        str(user_id),
        limit=MENTIONS_PER_WINDOW,
        window_seconds=MENTIONS_WINDOW_SECONDS,
        hits=count,
    ):
        raise TooManyMentions(fields={"body": [TooManyMentions.default_message]})


def _is_someones_handle(name: str) -> bool:
    """True when `name` is the handle of some person on the site (so mentioning them here
    is a mistake to point out, not just an @ in the text)."""
    from mentorloom.profiles.models import Profile

    first = name[:3]
    return any(
        _handle(p) == name
        for p in Profile.objects.filter(display_name__istartswith=first).values_list(
            "display_name", flat=True
        )[:200]
    )


def _is_online(user_id: int, now: datetime) -> bool:
    return Participant.objects.filter(
        user_id=user_id, last_read_at__gte=now - ONLINE_WITHIN
    ).exists()


def _in_quiet_hours(user, now: datetime) -> bool:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    zone = (getattr(profile, "time_zone", "") or "UTC") if profile is not None else "UTC"
    try:
        return quiet_until(now, NIGHT_START, NIGHT_END, zone) is not None
    except Exception:  # an unknown zone name: treat as UTC
        return quiet_until(now, NIGHT_START, NIGHT_END, "UTC") is not None


def notify_mentions(  # type: ignore[no-untyped-def]
    author, channel: Channel, post: Message | None, body: str, user_ids: list[int]
) -> None:
    """A notification per mentioned member who has not muted the community or channel, with
    an e-mail when they are offline and it is not night where they are; it links to `post`
    (the channel when it is not known)."""
    if not user_ids:
        return
    muted = set(
        Membership.objects.filter(
            community_id=channel.community_id, user_id__in=user_ids, notifications_muted=True
        ).values_list("user_id", flat=True)
    ) | set(
        ChannelMute.objects.filter(channel=channel, user_id__in=user_ids).values_list(
            "user_id", flat=True
        )
    )
    now = timezone.now()
    users = get_user_model().objects.filter(pk__in=user_ids).select_related("profile")
    from .selectors import person_name

    url = _post_url(channel, post)
    for person in users:
        if person.pk in muted:
            continue
        email = not _is_online(person.pk, now) and not _in_quiet_hours(person, now)
        notify(
            person,
            kind="community_mention",
            title=f"{person_name(author)} mentioned you in #{channel.name}",
            body=body[:300],
            url=url,
            email=email,
        )


def _post_url(channel: Channel, post: Message | None) -> str:
    url = f"/communities/{channel.community.slug}/c/{channel.pk}/"
    if post is None:
        return url
    if post.parent_id:
        return f"{url}?thread={post.parent_id}#post-{post.pk}"
    return f"{url}#post-{post.pk}"


def notify_new_post(  # type: ignore[no-untyped-def]
    author, channel: Channel, conversation_id: int, body: str, user_ids: list[int]
) -> None:
    """After a new post's commit (scheduled by `check_channel_post`, which runs before the
    post has an id): find the post, remember whom it mentions, notify them."""
    post = (
        Message.objects.filter(conversation_id=conversation_id, sender=author, body=body)
        .order_by("-id")
        .only("id", "parent_id")
        .first()
    )
    if post is not None:
        PostMention.objects.bulk_create(
            [PostMention(message=post, user_id=uid) for uid in user_ids], ignore_conflicts=True
        )
    notify_mentions(author, channel, post, body, user_ids)


def notify_edit(  # type: ignore[no-untyped-def]
    author, channel: Channel, post: Message, previous_body: str, user_ids: list[int]
) -> list[int]:
    """Inside an edit's transaction, once `post` holds its new text: of `user_ids` (whom the
    new text mentions, as `mentioned_members` allowed), notify after commit only the people
    the post never mentioned before, in its previous text or any earlier one. Returns them.

    The previous text's mentions are remembered first (a post sent before mentions were
    remembered, or whose after-commit step was lost, has no rows); then a row per person,
    created here or not at all, decides: two concurrent edits adding the same person notify
    them once. Raises TooManyMentions (`spend_mention_allowance`) for the fresh ones, which
    undoes the caller's transaction: the edit."""
    earlier = _resolved(channel.community_id, previous_body, author.pk)
    if earlier:
        PostMention.objects.bulk_create(
            [PostMention(message=post, user_id=uid) for uid in earlier], ignore_conflicts=True
        )
    fresh = [
        uid for uid in user_ids if PostMention.objects.get_or_create(message=post, user_id=uid)[1]
    ]
    spend_mention_allowance(author.pk, len(fresh))
    if fresh:
        transaction.on_commit(partial(notify_mentions, author, channel, post, post.body, fresh))
    return fresh


def _resolved(community_id: int, body: str, author_id: int) -> set[int]:
    """Ids of the members in good standing whom `body` names (no refusal: a text already
    stored)."""
    names = _names_in(body)
    if not names:
        return set()
    handles = member_handles(community_id)
    return {handles[n] for n in names if n in handles} - {author_id}
