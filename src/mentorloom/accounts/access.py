"""Checks on the acting account that other apps call before they act for it."""

from __future__ import annotations

from .errors import EmailUnverified


def require_verified(user) -> None:  # type: ignore[no-untyped-def]
    """Raise EmailUnverified (403, code `email_unverified`) unless the user has verified their
    e-mail address. Call it before anything that reaches another person: requests, messages,
    bookings, reports, invitations."""
    if getattr(user, "email_verified_at", None) is None:
        raise EmailUnverified()
