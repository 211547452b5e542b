"""Panels that read across domains for pages owned by lower apps. Each is connected to the
lower app's hook in HomeConfig.ready(), so the lower app never imports the higher ones."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from mentorloom.messaging.selectors import quiet_hours_clash
from mentorloom.scheduling.selectors import upcoming_rows_for_mentorship

from .selectors import mentor_trust


def mentorship_space_panels(mentorship, user, now: datetime) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The mentorship space's sessions and talk sections, with their template (listener of
    mentorships.views.space_panels; mentorships/detail.html includes the template)."""
    return {
        "upcoming_sessions": upcoming_rows_for_mentorship(mentorship, user, now),
        "recent_calls": mentorship.calls.all()[:5],  # calls.Call, newest first
        "space_panels_template": "home/_mentorship_space_panels.html",
        # Shown in the agreement section when the two quiet-hours windows cover the whole day.
        "quiet_clash": quiet_hours_clash(mentorship, now),
    }


def public_profile_panels(viewer, profile) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """Messaging's "open for a quick chat" badge and the track record (sessions held, mentees
    helped, response time) on a mentor's public profile (listener of
    profiles.views.public_profile_panels; the template renders both only for mentors)."""
    return {
        "profile_badges_template": "home/_profile_badges.html",
        "trust": mentor_trust(profile) if profile.is_mentor else None,
    }
