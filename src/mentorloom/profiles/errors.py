"""Profiles' domain errors, each with a stable code (core.errors for the shape)."""

from __future__ import annotations

from mentorloom.core.errors import RateLimited


class PhotoRateLimited(RateLimited):
    code = "rate_limited"
    default_message = "You have changed your photo many times this hour. Try again later."
