"""Community parts of pages owned by lower apps, connected to their hooks in
CommunitiesConfig.ready() (profiles never imports communities)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse

from . import selectors
from .access import membership_of


@dataclass(frozen=True)
class ProfileStory:
    title: str
    community: str
    created_at: datetime
    excerpt: str
    replies: int
    url: str  # the story's thread for members, else the community's page (join to discuss)
    member: bool


def public_profile_panels(viewer, profile) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The person's stories that the viewer may see (listener of
    profiles.views.public_profile_panels; profiles/public.html includes the template)."""
    stories = selectors.stories_visible_to(viewer, profile.user_id)
    if not stories:
        return {}
    cards = []
    member_of: dict[int, bool] = {}
    for story in stories:
        if story.community_id not in member_of:
            member_of[story.community_id] = membership_of(viewer, story.community) is not None
        member = member_of[story.community_id]
        url = (
            selectors.post_url(story.community, story.channel_id, story.message)
            if member
            else reverse("communities:detail", args=[story.community.slug])
        )
        cards.append(
            ProfileStory(
                title=story.title,
                community=story.community.name,
                created_at=story.created_at,
                excerpt=selectors.story_excerpt(story),
                replies=story.reply_count,
                url=url,
                member=member,
            )
        )
    return {
        "profile_stories_template": "communities/_profile_stories.html",
        "profile_stories": cards,
    }
