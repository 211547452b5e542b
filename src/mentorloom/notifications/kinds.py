"""The groups of notification kinds people set preferences for, by the kind's first word
("request.received" → "request"). Pure: no Django."""

from __future__ import annotations

# (group, label, hint), in the order the settings page lists them.
GROUPS: list[tuple[str, str, str]] = [
    ("request", "Mentorship requests", "received, answered, reminders, expiry"),
    ("mentorship", "Your mentorships", "paused, resumed, ended"),
    ("agreement", "Agreements", "changes proposed and confirmed"),
    ("session", "Sessions", "booked, moved, cancelled, reminders"),
    ("call", "Video calls", "someone is calling you"),
    ("goal", "Goals", "goals added"),
    ("waitlist", "Waitlists", "a place is free"),
    ("other", "Everything else", "account and availability notices"),
]
GROUP_NAMES = [name for name, _, _ in GROUPS]


def group_of(kind: str) -> str:
    """The preference group a kind belongs to; kinds of unknown groups fall under "other"."""
    head = kind.split(".", 1)[0]
    return head if head in GROUP_NAMES else "other"
