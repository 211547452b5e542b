"""The notification centre: list, open (marks read), mark all read."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Notification


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
