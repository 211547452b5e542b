"""Access helpers: the only way views, API routes and consumers reach community objects.

A community itself is public (its page shows description and rules); its channels, posts,
members list and moderation objects answer 404 to anyone who is not a member in good standing
(a banned member included), and every object of another community answers 404 as well.
"""

from __future__ import annotations

from typing import TypeVar

from django.db.models import Model
from django.http import Http404

from mentorloom.core.schemas import INT64_MAX
from mentorloom.messaging.models import Message
from mentorloom.safety.selectors import hidden_user_ids

from .models import Channel, Community, Invite, JoinRequest, Membership, Story, WeeklyPrompt

_M = TypeVar("_M", bound=Model)


def _int(value: object) -> int:
    """An id, or 404: not a number, or beyond 64 bits (which SQLite cannot even compare)."""
    try:
        if isinstance(value, bool):
            raise TypeError
        number = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise Http404 from None
    if not 1 <= number <= INT64_MAX:
        raise Http404
    return number


def get_community(slug: object) -> Community:
    """Any community by slug (its public page); 404 when there is none."""
    community = Community.objects.filter(slug=str(slug)[:80]).first() if slug else None
    if community is None:
        raise Http404
    return community


def membership_of(user, community: Community) -> Membership | None:  # type: ignore[no-untyped-def]
    """The user's membership in good standing (not banned), or None."""
    if user is None or not user.is_authenticated:
        return None
    membership = Membership.objects.filter(community=community, user=user).first()
    if membership is None or membership.is_banned():
        return None
    return membership


def get_membership_for(user, community: Community) -> Membership:  # type: ignore[no-untyped-def]
    """The user's membership; 404 for non-members (private content is invisible to them)."""
    membership = membership_of(user, community)
    if membership is None:
        raise Http404
    return membership


def get_channel_for(user, community: Community, channel_id: object) -> Channel:  # type: ignore[no-untyped-def]
    """A channel of `community` the user may read (a member in good standing), else 404."""
    return get_channel_and_membership_for(user, community, channel_id)[0]


def get_channel_and_membership_for(  # type: ignore[no-untyped-def]
    user, community: Community, channel_id: object
) -> tuple[Channel, Membership]:
    """`get_channel_for` and the membership it checked (a page that shows both reads it once)."""
    membership = get_membership_for(user, community)
    channel = (
        Channel.objects.filter(pk=_int(channel_id), community=community)
        .select_related("conversation", "community")
        .first()
    )
    if channel is None:
        raise Http404
    return channel, membership


def get_post_for(user, channel: Channel, message_id: object) -> Message:  # type: ignore[no-untyped-def]
    """A post (or reply) of a channel the user can already read (get_channel_for first).
    A post by someone blocked either way is 404, as the channel's pages hide it (its id must
    not open it for reading or reacting), except to the community's moderators, who act on
    every post."""
    message = (
        Message.objects.filter(pk=_int(message_id), conversation_id=channel.conversation_id)
        .select_related("sender", "community_story")
        .first()
    )
    if message is None:
        raise Http404
    if (
        message.sender_id is not None
        and message.sender_id in hidden_user_ids(user.pk)
        and not get_membership_for(user, channel.community).moderates
    ):
        raise Http404
    return message


def _moderated(user, community: Community, model: type[_M], object_id: object) -> _M:  # type: ignore[no-untyped-def]
    """One of `community`'s `model` rows, for its moderators only (404 for everyone else)."""
    if not get_membership_for(user, community).moderates:
        raise Http404
    found = model.objects.filter(pk=_int(object_id), community=community).first()
    if found is None:
        raise Http404
    return found


def get_join_request_for(user, community: Community, request_id: object) -> JoinRequest:  # type: ignore[no-untyped-def]
    """A join request of `community`, for its moderators only (404 for everyone else)."""
    return _moderated(user, community, JoinRequest, request_id)


def get_invite_for(user, community: Community, invite_id: object) -> Invite:  # type: ignore[no-untyped-def]
    return _moderated(user, community, Invite, invite_id)


def get_member_for(user, community: Community, user_id: object) -> Membership:  # type: ignore[no-untyped-def]
    """Another person's membership of `community` (banned ones too, for moderators)."""
    get_membership_for(user, community)
    target = (
        Membership.objects.filter(community=community, user_id=_int(user_id))
        .select_related("user")
        .first()
    )
    if target is None:
        raise Http404
    return target


def get_prompt_for(user, community: Community, prompt_id: object) -> WeeklyPrompt:  # type: ignore[no-untyped-def]
    return _moderated(user, community, WeeklyPrompt, prompt_id)


def get_story_for(user, community: Community, story_id: object) -> Story:  # type: ignore[no-untyped-def]
    """A story of `community` for its members in good standing (its post lives in a channel);
    404 for everyone else and for another community's story."""
    get_membership_for(user, community)
    story = (
        Story.objects.filter(pk=_int(story_id), community=community)
        .select_related("message", "channel", "community", "author__profile")
        .first()
    )
    if story is None:
        raise Http404
    return story


def get_own_story_for(user, community: Community, story_id: object) -> Story:  # type: ignore[no-untyped-def]
    """A live story of `community` that `user` wrote (to edit it); 404 for anyone else's,
    another community's or a deleted one. Moderators get 404 too: they delete, never edit."""
    story = get_story_for(user, community, story_id)
    if story.author_id != user.pk or story.message.deleted_at is not None:
        raise Http404
    return story
