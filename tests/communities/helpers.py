"""Small builders for community tests (through the services, as users would)."""

from __future__ import annotations

import uuid

from mentorloom.communities import services
from mentorloom.communities.models import Channel, Community, Role
from tests.factories import ProfileFactory


def person(name: str = "", zone: str = "Europe/Berlin"):  # type: ignore[no-untyped-def]
    profile = ProfileFactory(display_name=name or "Someone Here", time_zone=zone)
    return profile.user


def community_with(visibility: str = "open", **kwargs):  # type: ignore[no-untyped-def]
    """(community, owner, moderator, member, general channel)."""
    owner = person("Olga Owner")
    community = services.create_community(
        owner,
        name=kwargs.pop("name", "Design crit"),
        visibility="open",
        zone=kwargs.pop("zone", "Europe/Berlin"),
        topics=["Design"],
        **kwargs,
    )
    moderator = person("Mo Derator")
    member = person("Mia Member")
    services.join_community(moderator, community)
    services.join_community(member, community)
    target = community.memberships.get(user=moderator)
    services.set_role(owner, target, Role.MODERATOR)
    if visibility != "open":
        Community.objects.filter(pk=community.pk).update(visibility=visibility)
        community.refresh_from_db()
    general = Channel.objects.get(community=community, name="general")
    return community, owner, moderator, member, general


def post(user, channel, body="Hello", **kwargs):  # type: ignore[no-untyped-def]
    message, _ = services.post_in_channel(
        user, channel, client_id=uuid.uuid4(), body=body, **kwargs
    )
    return message
