"""Generated avatars for people without a photo: their initials on a colour picked from their
user id. Pure: hashlib only. Issue 26 asked for a face-like trust signal on every profile, with
no outside service, so the same person has the same colour on every page and every process."""

from __future__ import annotations

import hashlib

# Tailwind's 700 shades (and slate 600): each has at least 4.5:1 contrast with white initials.
PALETTE: tuple[str, ...] = (
    "#1d4ed8",  # blue
    "#0f766e",  # teal
    "#15803d",  # green
    "#b45309",  # amber
    "#b91c1c",  # red
    "#7e22ce",  # purple
    "#be185d",  # pink
    "#4338ca",  # indigo
    "#0369a1",  # sky
    "#a21caf",  # fuchsia
    "#475569",  # slate
    "#c2410c",  # orange
)


def colour_for(user_id: int | None) -> str:
    """A colour from PALETTE, the same for a user id everywhere (Python's hash() of a string
    changes between processes, a SHA-256 digest does not)."""
    digest = hashlib.sha256(str(user_id or 0).encode()).digest()
    return PALETTE[int.from_bytes(digest[:4], "big") % len(PALETTE)]
