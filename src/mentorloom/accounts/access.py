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
    if getattr(user, "email_verified_at", None):
        return
    # The object may be older than the verification (a socket loads its person when it opens,
    # and the link is followed in another tab): look once more before refusing.
    verified_at = (
        User.objects.filter(pk=getattr(user, "pk", None))
        .values_list("email_verified_at", flat=True)
        .first()
    )
    if not verified_at:
        raise EmailUnverified()
    user.email_verified_at = verified_at
