"""Reads that combine domains for pages owned by lower apps (wired in through home.panels)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from mentorloom.mentorships.selectors import median_first_response_hours, mentees_helped
from mentorloom.profiles.models import Profile
from mentorloom.scheduling.selectors import sessions_held


@dataclass(frozen=True)
class MentorTrust:
    """What a newcomer looks for before asking a mentor (issue 26): a track record."""

    sessions_held: int  # completed sessions as mentor
    mentees_helped: int  # distinct mentees with a mentorship (each started active)
    member_since: datetime
    response_hours: float | None  # median first response, last 90 days; None when unknown

    @property
    def response_label(self) -> str | None:
        """ "within an hour", "within 5 h", "within 3 days"; None when unknown."""
        hours = self.response_hours
        if hours is None or math.isnan(hours):
            return None
        if hours <= 1:
            return "within an hour"
        if hours < 48:
            return f"within {math.ceil(hours)} h"
        return f"within {math.ceil(hours / 24)} days"


def mentor_trust(profile: Profile) -> MentorTrust:
    """The mentor's track record. The response time is the same median the recommendations
    rank by (mentorships.selectors.median_first_response_hours)."""
    uid = profile.user_id
    return MentorTrust(
        sessions_held=sessions_held([uid]).get(uid, 0),
        mentees_helped=mentees_helped([uid]).get(uid, 0),
        member_since=profile.user.date_joined,
        response_hours=median_first_response_hours([uid]).get(uid),
    )
