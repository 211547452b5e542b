"""Chat pages: the inbox, a conversation (works without JavaScript), the mentorship shortcut."""

from __future__ import annotations

import uuid

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from mentorloom.core.errors import DomainError
from mentorloom.mentorships.access import get_mentorship_for

from . import selectors, services
from .access import get_conversation_for
from .models import MAX_BODY_CHARS, Conversation


def _title(conversation: Conversation, user) -> str:  # type: ignore[no-untyped-def]
    names = [
        (u.profile.name if hasattr(u, "profile") else u.email.split("@")[0])
        for u in selectors.other_participants(conversation, user)
    ]
    return ", ".join(names) or "Only you"


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    rows = [
        {"conversation": c, "title": _title(c, request.user)}
        for c in selectors.conversations_for(request.user)
    ]
    total = sum(r["conversation"].unread_count for r in rows)
    return render(request, "messaging/inbox.html", {"rows": rows, "unread_total": total})


def _before_param(request: HttpRequest) -> int | None:
    value = request.GET.get("before", "")
    return int(value) if value.isdigit() else None


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    convo = get_conversation_for(request.user, conversation_id)
    error = ""
    status = 200
    if request.method == "POST":
        try:
            services.send_message(
                request.user, convo, request.POST.get("client_id"), request.POST.get("body")
            )
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            # Post/redirect/get: a reload cannot resend, and the client id makes a double
            # submit of the same form land once.
            return redirect("messaging:conversation", conversation_id=convo.pk)
    before = _before_param(request)
    page = selectors.messages_page(convo, before=before)
    context = {
        "conversation": convo,
        "messages": page.messages,
        "has_more": page.has_more,
        "first_id": page.messages[0].pk if page.messages else None,
    }
    if request.htmx and before is not None:
        return render(request, "messaging/_older.html", context)
    others = selectors.other_participants(convo, request.user)
    reads = {r.user_id: r for r in selectors.read_states(convo)}
    other_read = max((reads[u.pk].last_read_message_id for u in others if u.pk in reads), default=0)
    other_read_at = max(
        (reads[u.pk].last_read_at for u in others if u.pk in reads and reads[u.pk].last_read_at),
        default=None,
    )
    mine = [m.pk for m in page.messages if m.sender_id == request.user.pk]
    context.update(
        {
            "title": _title(convo, request.user),
            "others": others,
            "client_id": uuid.uuid4(),
            "draft": request.POST.get("body", "") if error else "",
            "error": error,
            "max_chars": MAX_BODY_CHARS,
            "seen_at": other_read_at if mine and other_read >= mine[-1] else None,
            "other_read": other_read,
            "viewing_older": before is not None,
            "zone": getattr(getattr(request.user, "profile", None), "time_zone", "") or "UTC",
        }
    )
    return render(request, "messaging/conversation.html", context, status=status)


@login_required
@require_GET
def mentorship_chat(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = get_mentorship_for(request.user, mentorship_id)
    convo = services.get_or_create_conversation_for_mentorship(mentorship)
    return redirect("messaging:conversation", conversation_id=convo.pk)
