"""Workshop parts of pages owned by other apps, connected to their hooks in
WorkshopsConfig.ready() (communities never imports workshops)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.urls import reverse

from . import selectors


@dataclass(frozen=True)
class UpcomingEvent:
    title: str
    starts_at: datetime
    ends_at: datetime
    places_left: int
    url: str


def community_page_panels(viewer, community, membership) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """ "Upcoming events" on a community's page: its next workshops, for its members in good
    standing (listener of communities.views.community_page_panels; communities/detail.html
    includes the template). Moderators also get the link to schedule one for the community."""
    if membership is None:
        return {}
    events = [
        UpcomingEvent(
            title=w.title,
            starts_at=w.starts_at,
            ends_at=w.ends_at,
            places_left=max(0, w.capacity - w.taken),
            url=reverse("workshops:detail", args=[w.pk]),
        )
        for w in selectors.upcoming_for_community(viewer, community)
    ]
    can_schedule = membership.moderates
    if not events and not can_schedule:
        return {}
    return {
        "upcoming_events_template": "workshops/_community_events.html",
        "upcoming_events": events,
        "schedule_event_url": f"{reverse('workshops:new')}?community={community.pk}"
        if can_schedule
        else "",
    }
