"""The notification centre: list, open (marks read), mark all read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from mentorloom.core.errors import DomainError

from . import selectors, services
from .kinds import GROUPS
from .models import EmailDelivery, Notification


@login_required
def centre(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "notifications/list.html",
        {
            "notifications": selectors.notifications_for(request.user, limit=100),
            "unread": selectors.unread_count(request.user),
        },
    )


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    services.mark_read(request.user)
    return redirect("notifications:list")


@login_required
@require_POST
def open_notification(request: HttpRequest, notification_id: int) -> HttpResponse:
    """Mark one read and follow its link (POST, so a prefetch never marks anything)."""
    notification = Notification.objects.filter(user=request.user, pk=notification_id).first()
    if notification is None:
        raise Http404
    services.mark_read(request.user, [notification.pk])
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("notifications:list")


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    """Per group of notifications: in-app on or off, e-mail at once, in a daily digest, or not."""
    error, status = None, 200
    if request.method == "POST":
        choices = {
            group: (
                request.POST.get(f"in_app_{group}") == "on",
                request.POST.get(f"email_{group}", EmailDelivery.INSTANT),
            )
            for group, _, _ in GROUPS
        }
        try:
            services.save_preferences(request.user, choices)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, "Your notification settings are saved.")
            return redirect("notifications:preferences")
    rows = [
        {
            "group": group,
            "label": label,
            "hint": hint,
            "preference": services.preference_for(request.user, group),
        }
        for group, label, hint in GROUPS
    ]
    return render(
        request,
        "notifications/preferences.html",
        {"rows": rows, "deliveries": EmailDelivery.choices, "error": error},
        status=status,
    )
