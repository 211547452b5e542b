"""Recommended mentors as an htmx partial (for the dashboard) or a page of its own."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mentorloom.discovery.scope import program_param, scope_for

from . import selectors

DASHBOARD_LIMIT = 4


@login_required
def recommendations(request: HttpRequest) -> HttpResponse:
    # The dashboard shows a short list; the page of its own shows the full one.
    limit = DASHBOARD_LIMIT if request.htmx else selectors.DEFAULT_LIMIT
    # ?program=<id>: only that program's mentors (404 for a private program you are not in).
    scope = scope_for(request.user, program_param(request.GET.get("program")))
    result = selectors.recommendations_for(request.user.pk, limit, scope=scope)
    context = {"result": result, "compact": bool(request.htmx), "scope": scope}
    # The dashboard loads the partial with hx-get; without JavaScript the link opens the page.
    template = "matching/_recommendations.html" if request.htmx else "matching/recommendations.html"
    return render(request, template, context)
