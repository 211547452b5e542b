"""One-click POST actions in the HTML pages: run the service, flash what happened, go back."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from .errors import DomainError


def act_then_redirect(
    request: HttpRequest,
    action: Callable[[], object],
    success: str,
    target: str,
    *args: object,
    **kwargs: object,
) -> HttpResponse:
    """Run `action`; its domain error becomes an error message, else `success` is shown. Then
    redirect to `target` (a URL, or a URL name with its arguments)."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(target, *args, **kwargs)
