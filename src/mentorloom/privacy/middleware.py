"""Keeps a person whose account is scheduled for deletion on the "cancel deletion" page."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from mentorloom.core.errors import error_body

# What a person in their grace period may still reach: cancel, sign out, their data.
ALLOWED_PREFIXES = (
    "/privacy/",
    "/api/v1/me/deletion",
    "/api/v1/me/export",
    "/accounts/logout/",
    "/static/",
)


class PendingDeletionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        # Only an inactive account can be signed in here (PendingDeletionBackend): no query
        # for everyone else.
        if (
            user is not None
            and user.is_authenticated
            and not user.is_active
            and not request.path.startswith(ALLOWED_PREFIXES)
        ):
            if request.path.startswith("/api/"):
                from django.http import JsonResponse

                return JsonResponse(
                    error_body(
                        "account_pending_deletion",
                        "Your account is scheduled for deletion. Cancel the deletion to continue.",
                    ),
                    status=403,
                )
            return redirect("privacy:index")
        return self.get_response(request)
