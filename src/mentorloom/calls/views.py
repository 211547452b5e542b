from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorloom.core.errors import DomainError
from mentorloom.messaging.services import get_or_create_conversation_for_mentorship
from mentorloom.messaging.views import chat_context
from mentorloom.scheduling.selectors import sessions_for

from . import services
from .access import get_call_for
from .ice import ice_servers_for


@login_required
@require_POST
def start(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    try:
        call, _ = services.start_call(request.user, mentorship_id)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(request.POST.get("next") or "dashboard")
    return redirect("calls:room", call.pk)


@login_required
def room(request: HttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for(request.user, call_id)
    mentorship = call.mentorship
    other = mentorship.mentee if request.user.pk == mentorship.mentor_id else mentorship.mentor
    # The session this call belongs to, if one is on now (its room opens 10 minutes early):
    # its agenda and notes sit beside the video.
    now = timezone.now()
    session = (
        sessions_for(request.user, upcoming_only=True, now=now)
        .filter(mentorship=mentorship, starts_at__lte=now + timedelta(minutes=10))
        .order_by("starts_at")
        .first()
    )
    # The conversation sits beside the video (same panel as the chat page).
    conversation = get_or_create_conversation_for_mentorship(mentorship)
    return render(
        request,
        "calls/room.html",
        {
            **chat_context(request, conversation),
            "compact": True,
            "call": call,
            "other": other,
            "session": session,
            "config": {
                "callId": call.pk,
                "wsPath": f"/ws/calls/{call.pk}/",
                "iceServers": (
                    ice_servers_for(request.user.pk) if services.call_may_go_on(call) else []
                ),
                "live": call.is_live,
                # Closing the tab says so at once (sendBeacon), not only via the socket's close.
                "leaveUrl": reverse("calls:leave", args=[call.pk]),
                "csrfToken": get_token(request),
            },
        },
    )


@login_required
@require_POST
def leave(request: HttpRequest, call_id: int) -> HttpResponse:
    """The room's unload beacon (navigator.sendBeacon): you left this call's page."""
    services.leave_call(request.user, get_call_for(request.user, call_id))
    return HttpResponse(status=204)


@login_required
@require_POST
def decline(request: HttpRequest, call_id: int) -> HttpResponse:
    call = get_call_for(request.user, call_id)
    try:
        services.decline_call(request.user, call)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("dashboard")
