"""Staff must use a second factor: until they enrol, every page sends them to enrolment."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.base_user import AbstractBaseUser
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse

from mentorloom.accounts.tokens_api import user_for_token
from mentorloom.core.errors import error_body

from . import selectors


def _bearer_user(request: HttpRequest) -> AbstractBaseUser | None:
    """The user of the request's `Authorization: Bearer …` token, parsed as ninja's HttpBearer
    does; None without one or when it is not a live personal access token."""
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return user_for_token(token)


class StaffEnrolmentMiddleware:
    """MFA_REQUIRED_FOR_STAFF (default on): a staff account without MFA reaches only the
    enrolment pages and log-out; session calls to the API get 403. Requests with a live personal
    access token (Bearer) are untouched."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.MFA_REQUIRED_FOR_STAFF
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and not self._exempt(request)
            and not selectors.has_mfa(user)
        ):
            if request.path.startswith("/api/"):
                # Only a token that signs someone in: with any other Authorization header
                # the API falls back to this session, which must stay behind the gate.
                if _bearer_user(request) is not None:
                    return self.get_response(request)
                body = error_body(
                    "mfa_enrolment_required",
                    "Staff accounts must turn on two-factor authentication first.",
                )
                return JsonResponse(body, status=403)
            messages.warning(
                request,
                "Staff accounts need two-factor authentication. Set it up to continue.",
            )
            return redirect("mfa:enrol")
        return self.get_response(request)

    @staticmethod
    def _exempt(request: HttpRequest) -> bool:
        path = request.path
        return (
            path.startswith(reverse("mfa:overview"))
            or path == reverse("accounts:logout")
            or path.startswith(settings.STATIC_URL)
        )
