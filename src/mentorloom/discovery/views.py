"""The mentor directory page. Full page without JavaScript; with htmx the same view answers a
results partial (plus out-of-band facet counts and field errors) and the URL is pushed."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from mentorloom.core.errors import InvalidInput
from mentorloom.core.params import int_param
from mentorloom.profiles.models import Profile
from mentorloom.safety.selectors import is_blocked_between

from . import selectors
from .filters import FREE_WITHIN_DAYS, MAX_PAGE_SIZE, SORTS, DirectoryQuery, parse_query
from .scope import UNRESTRICTED, scope_for
from .text import MAX_QUERY_LENGTH


def _raw_value(request: HttpRequest, name: str) -> str:
    return request.GET.get(name, "")[: MAX_QUERY_LENGTH + 50]


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    similar = _similar_query(request)
    if similar is not None:
        return redirect(similar)
    viewer = selectors.viewer_for(request.user, timezone.get_current_timezone())
    errors: dict[str, list[str]] = {}
    page = None
    scope = UNRESTRICTED
    try:
        query = parse_query(request.GET, viewer_has_zone=viewer.has_zone)
    except InvalidInput as exc:
        errors = exc.fields
        query = DirectoryQuery()
    else:
        # A program the viewer may not search in is a 404, like its pages.
        scope = scope_for(request.user, query.program)
        page = selectors.mentors_for_directory(viewer, query, scope=scope)
    context = {
        "page": page,
        "query": query,
        "scope": scope,
        "outside_scope_params": query.params(drop=("program", None)),
        "errors": errors,
        "viewer": viewer,
        # What the person typed, echoed back even when it was invalid.
        "raw": {
            name: _raw_value(request, name)
            for name in ("q", "overlap", "capacity", "free_within_days", "sort")
        },
        "free_within_choices": FREE_WITHIN_DAYS,
        "sorts": SORTS,
        "include_unavailable": request.GET.get("all", "") in {"1", "on", "true"},
        "max_query_length": MAX_QUERY_LENGTH,
        "max_page_size": MAX_PAGE_SIZE,
        "free_slots_enabled": selectors.free_slots_filter() is not None,
    }
    if request.htmx:
        # htmx swaps only 2xx answers, so a partial with errors is a 200 whose content says so.
        return render(request, "discovery/_update.html", context)
    return render(request, "discovery/directory.html", context, status=400 if errors else 200)


def _similar_query(request: HttpRequest) -> str | None:
    """`?similar_to=<mentor id>` (linked from "your request expired" e-mails) becomes a normal,
    shareable query: mentors sharing any of that mentor's skills or topics."""
    raw = request.GET.get("similar_to", "")
    if not raw:
        return None
    mentor_id = int_param(raw) or 0
    mentor = Profile.objects.filter(user_id=mentor_id, is_mentor=True, user__is_active=True).first()
    # Only a mentor the directory would list to this viewer lends their skills: anyone else
    # (inactive, blocked either way, private to a program) looks like no mentor at all.
    if (
        mentor is None
        or is_blocked_between(request.user.pk, mentor_id)
        or not scope_for(request.user).allows(mentor_id)
    ):
        return reverse("discovery:directory")
    params = [("skill", s.name) for s in mentor.skills.all()[:6]]
    return reverse("discovery:directory") + "?" + urlencode(params)
