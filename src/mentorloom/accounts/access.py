"""Account-level access checks that other apps apply before letting someone act.

`require_verified(user)`: raises EmailUnverified (code `email_unverified`, HTTP 403, message
pointing at the page that re-sends the link) unless the user's e-mail address is verified.
Applied to creating personal access tokens and filing safety reports; apply it to anything an
unverified (possibly throw-away) account should not do yet, e.g. sending requests or messages.
The API error handler and form views turn the error into a 403 with the message.
"""

from __future__ import annotations

from .errors import EmailUnverified
from .models import User


def require_verified(user: User) -> None:
    if not getattr(user, "email_verified_at", None):
        raise EmailUnverified()
