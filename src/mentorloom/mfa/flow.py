"""Between the password and the second factor: the half-signed-in state lives in the session.

accounts' login view calls `park_if_needed` right after the password is verified. Until
`complete_login`, the session holds only `PENDING_KEY` — the person is *not* logged in, so
nothing that checks `request.user` (pages, session auth on /api/v1/) lets them through.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import get_user_model, login
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from . import selectors, trusted

PENDING_KEY = "mfa_pending"


def park_if_needed(
    request: HttpRequest, user: AbstractBaseUser, next_url: str
) -> HttpResponse | None:
    """Call after the password is verified, instead of logging in straight away.

    Returns None when no second factor is needed (no MFA, or a remembered device): the caller
    logs in as before. Otherwise stores the pending sign-in and returns the redirect to the
    second step.
    """
    if not selectors.has_mfa(user) or trusted.is_trusted(request, user):
        return None
    # A fresh session key: whatever an attacker planted before the password step is useless.
    request.session.cycle_key()
    request.session[PENDING_KEY] = {
        "user_id": user.pk,
        "backend": getattr(user, "backend", settings.AUTHENTICATION_BACKENDS[0]),
        "at": int(time.time()),
        "next": next_url,
    }
    return redirect("mfa:challenge")


def pending_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The user who passed the password step in this session, if recent enough."""
    pending = request.session.get(PENDING_KEY)
    if not pending:
        return None
    if time.time() - pending.get("at", 0) > settings.MFA_PENDING_MAX_AGE:
        request.session.pop(PENDING_KEY, None)
        return None
    user = get_user_model().objects.filter(pk=pending["user_id"], is_active=True).first()
    if user is not None:
        user.backend = pending["backend"]
    return user


def pending_next(request: HttpRequest) -> str:
    return (request.session.get(PENDING_KEY) or {}).get("next") or "dashboard"


def cancel(request: HttpRequest) -> None:
    request.session.pop(PENDING_KEY, None)


def complete_login(
    request: HttpRequest, user: AbstractBaseUser, *, remember: bool = False
) -> HttpResponse:
    """Log in after the second factor, then go where the person was heading."""
    target = pending_next(request)
    request.session.pop(PENDING_KEY, None)
    login(request, user, backend=user.backend)
    response = redirect(target)
    if remember:
        trusted.remember_device(request, response, user)
    return response
