"""Composite pages that read across domains: they live at the top so the domain apps below
never import each other upwards (see tests/test_layers.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from mentorloom.mentorships.models import OPEN_REQUEST_STATUSES
from mentorloom.mentorships.selectors import (
    mentorships_for_list,
    open_requests_for,
    requests_sent,
)
from mentorloom.profiles import selectors as profile_selectors
from mentorloom.profiles import services as profile_services
from mentorloom.profiles.hours import format_days
from mentorloom.scheduling.selectors import session_row, sessions_for


def _greeting(hour: int) -> str:
    if 5 <= hour < 12:
        return "Good morning"
    if 12 <= hour < 18:
        return "Good afternoon"
    return "Good evening"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    profile = profile_services.ensure_profile(request.user)
    checklist, percent = profile_selectors.completeness(profile)
    context = {
        "profile": profile,
        "greeting": _greeting(timezone.localtime().hour),
        "checklist": checklist,
        "percent": percent,
        "todo": [item for item in checklist if not item.done],
        "tags": profile_selectors.all_tag_names(profile),
        "work_days_label": format_days(profile.work_days),
        "needs_verification": request.user.email_verified_at is None,
        "mentorships": [
            (m, m.mentee if m.mentor_id == request.user.pk else m.mentor)
            for m in mentorships_for_list(request.user).exclude(status="ended")[:6]
        ],
        "open_requests": open_requests_for(request.user).count(),
        "sent_requests": requests_sent(request.user)
        .filter(status__in=OPEN_REQUEST_STATUSES)
        .count(),
        "next_sessions": [
            session_row(s, request.user)
            for s in sessions_for(request.user, upcoming_only=True, now=timezone.now()).order_by(
                "starts_at"
            )[:3]
        ],
    }
    return render(request, "home/dashboard.html", context)
