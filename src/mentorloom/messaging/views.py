"""Chat pages: the inbox, a conversation (works without JavaScript), the mentorship shortcut."""

from __future__ import annotations

import uuid

from django.contrib import messages as django_messages
from django.contrib.auth.decorators import login_required
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from mentorloom.core.errors import DomainError
from mentorloom.core.params import int_param
from mentorloom.mentorships.access import get_mentorship_for, get_request_for
from mentorloom.mentorships.models import MentorshipStatus

from . import selectors, services
from .access import get_attachment_for, get_conversation_for, get_message_for
from .errors import ConversationClosed, RequestClosed
from .models import (
    MAX_BODY_CHARS,
    OPEN_FOR_CHAT_MINUTES,
    Attachment,
    AttachmentKind,
    Conversation,
)


def _title(conversation: Conversation, user) -> str:  # type: ignore[no-untyped-def]
    names = [
        (u.profile.name if hasattr(u, "profile") else u.email.split("@")[0])
        for u in selectors.other_participants(conversation, user)
    ]
    return ", ".join(names) or "Only you"


@login_required
@require_GET
@vary_on_headers("HX-Request")  # the whole page, or (htmx) the list
def inbox(request: HttpRequest) -> HttpResponse:
    return _render_inbox(request)


def _render_inbox(
    request: HttpRequest, *, presence_error: str = "", status: int = 200
) -> HttpResponse:
    open_ids = selectors.open_for_chat_user_ids()
    conversations = list(selectors.conversations_for(request.user))
    previews = selectors.previews_for(conversations)
    rows = []
    for c in conversations:
        others = selectors.other_participants(c, request.user)
        rows.append(
            {
                "conversation": c,
                "title": _title(c, request.user),
                "label": selectors.conversation_label(c),
                "open_for_chat": any(u.pk in open_ids for u in others),
                "preview": previews.get(c.pk),
            }
        )
    total = sum(r["conversation"].unread_count for r in rows)
    if request.htmx:  # the list, reloaded live (and the total as an out-of-band swap)
        return render(
            request,
            "messaging/_inbox_list.html",
            {"rows": rows, "unread_total": total, "oob": True},
        )
    profile = getattr(request.user, "profile", None)
    context = {
        "rows": rows,
        "unread_total": total,
        "is_mentor": bool(profile and profile.is_mentor),
        "presence": selectors.presence_for(request.user),
        "open_choices": OPEN_FOR_CHAT_MINUTES,
        "presence_error": presence_error,
        "zone": (profile.time_zone if profile else "") or "UTC",
    }
    return render(request, "messaging/inbox.html", context, status=status)


@login_required
@require_POST
def open_for_chat(request: HttpRequest) -> HttpResponse:
    """The inbox's "open for a quick chat" toggle (mentors): open for N minutes, or close."""
    if request.POST.get("action") == "close":
        services.close_for_chat(request.user)
        django_messages.success(request, "You are no longer shown as open for a quick chat.")
        return redirect("messaging:inbox")
    minutes = request.POST.get("minutes", "")
    try:
        services.open_for_chat(request.user, int_param(minutes))
    except DomainError as exc:
        return _render_inbox(request, presence_error=exc.message, status=exc.status)
    django_messages.success(request, "You are shown as open for a quick chat.")
    return redirect("messaging:inbox")


def _before_param(request: HttpRequest) -> int | None:
    return int_param(request.GET.get("before", ""), low=1)


def chat_context(
    request: HttpRequest,
    convo: Conversation,
    *,
    before: int | None = None,
    failed: bool = False,
    error: str = "",
    file_error: str = "",
) -> dict:
    """What messaging/_chat_panel.html needs: the conversation page and the call page use it."""
    page = selectors.messages_page(convo, before=before, hidden_for=request.user.pk)
    others = selectors.other_participants(convo, request.user)
    reads = {r.user_id: r for r in selectors.read_states(convo)}
    other_read = max((reads[u.pk].last_read_message_id for u in others if u.pk in reads), default=0)
    other_read_at = max(
        (reads[u.pk].last_read_at for u in others if u.pk in reads and reads[u.pk].last_read_at),
        default=None,
    )
    mine = [m.pk for m in page.messages if m.sender_id == request.user.pk]
    request_state = selectors.request_state(convo)
    # Not "messages": base.html shows django.contrib.messages under that name.
    return {
        "conversation": convo,
        "chat_messages": page.messages,
        "has_more": page.has_more,
        "first_id": page.messages[0].pk if page.messages else None,
        "title": _title(convo, request.user),
        "others": others,
        "client_id": uuid.uuid4(),
        "draft": request.POST.get("body", "") if failed else "",
        "error": error,
        "file_error": file_error,
        "max_chars": MAX_BODY_CHARS,
        "seen_at": other_read_at if mine and other_read >= mine[-1] else None,
        "other_read": other_read,
        "viewing_older": before is not None,
        "zone": getattr(getattr(request.user, "profile", None), "time_zone", "") or "UTC",
        # The request this conversation began with (its note is the context at the top).
        "origin_request": convo.request if convo.request_id else None,
        "request_state": request_state,
        "closed_notice": _closed_notice(convo, request_state),
    }


def _closed_notice(convo: Conversation, request_state: str) -> str:
    """Why nobody can write here any more (the send path refuses with the same words), or ""."""
    if convo.mentorship_id is not None and convo.mentorship.status == MentorshipStatus.ENDED:
        return ConversationClosed.default_message
    if request_state and request_state != "pending":
        return RequestClosed.for_status(request_state).message
    return ""


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    convo = get_conversation_for(request.user, conversation_id)
    error = file_error = ""
    status = 200
    if request.method == "POST":
        try:
            services.send_message(
                request.user,
                convo,
                request.POST.get("client_id"),
                request.POST.get("body"),
                upload=request.FILES.get("file"),
            )
        except DomainError as exc:
            status = exc.status
            # Errors about the file go next to the file field, the rest next to the message.
            if "file" in exc.fields:
                file_error = "; ".join(exc.fields["file"])
            else:
                error = exc.message
        else:
            # Post/redirect/get: a reload cannot resend, and the client id makes a double
            # submit of the same form land once.
            return redirect("messaging:conversation", conversation_id=convo.pk)
    before = _before_param(request)
    if request.htmx and before is not None:
        page = selectors.messages_page(convo, before=before, hidden_for=request.user.pk)
        return render(
            request,
            "messaging/_older.html",
            {
                "conversation": convo,
                "chat_messages": page.messages,
                "has_more": page.has_more,
                "first_id": page.messages[0].pk if page.messages else None,
            },
        )
    context = chat_context(
        request, convo, before=before, failed=status != 200, error=error, file_error=file_error
    )
    return render(request, "messaging/conversation.html", context, status=status)


@login_required
@require_GET
def mentorship_chat(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = get_mentorship_for(request.user, mentorship_id)
    convo = services.get_or_create_conversation_for_mentorship(mentorship)
    return redirect("messaging:conversation", conversation_id=convo.pk)


@login_required
@require_GET
def request_chat(request: HttpRequest, request_id: int) -> HttpResponse:
    """The request's conversation (the mentorship's, once accepted), from the request page.

    An open request without one (it predates conversations, or the hook failed) gets it here;
    an answered one without a conversation has nothing to show: back to the request."""
    found = get_request_for(request.user, request_id)
    convo = Conversation.objects.filter(request=found).first()
    if convo is None and found.mentorship_id is not None:
        mentorship = get_mentorship_for(request.user, found.mentorship_id)
        convo = services.get_or_create_conversation_for_mentorship(mentorship)
    if convo is None and found.is_open:
        convo = services.get_or_create_conversation_for_request(found)
    if convo is None:
        return redirect("mentorships:request_detail", request_id=found.pk)
    return redirect("messaging:conversation", conversation_id=convo.pk)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_message(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Edit your own message within 15 minutes (the page chat.js replaces with an inline form)."""
    convo = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, convo, message_id)
    error = ""
    status = 200
    body = message.body
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.edit_message(request.user, message, body)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(_message_url(convo.pk, message.pk))
    elif message.sender_id != request.user.pk:
        raise Http404  # nothing to edit here: someone else's message
    context = {
        "conversation": convo,
        "message": message,
        "body": body,
        "error": error,
        "max_chars": MAX_BODY_CHARS,
        "title": _title(convo, request.user),
    }
    return render(request, "messaging/edit_message.html", context, status=status)


@login_required
@require_POST
def delete_message(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    convo = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, convo, message_id)
    try:
        services.delete_message(request.user, message)
    except DomainError as exc:
        django_messages.error(request, exc.message)
    return redirect(_message_url(convo.pk, message.pk))


def _message_url(conversation_id: int, message_id: int) -> str:
    return f"{reverse('messaging:conversation', args=[conversation_id])}#msg-{message_id}"


def _serve(attachment: Attachment, field: FieldFile, content_type: str) -> FileResponse:
    try:
        handle = field.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    is_pdf = attachment.kind == AttachmentKind.PDF
    # PDFs are downloaded, never rendered in our origin; images display inline.
    response = FileResponse(
        handle, content_type=content_type, as_attachment=is_pdf, filename=attachment.name
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_GET
def attachment(request: HttpRequest, conversation_id: int, attachment_id: int) -> FileResponse:
    found = get_attachment_for(request.user, conversation_id, attachment_id)
    return _serve(found, found.file, found.content_type)


@login_required
@require_GET
def attachment_thumbnail(
    request: HttpRequest, conversation_id: int, attachment_id: int
) -> FileResponse:
    found = get_attachment_for(request.user, conversation_id, attachment_id)
    if not found.thumbnail:
        raise Http404
    response = _serve(found, found.thumbnail, "image/webp")
    response["Content-Disposition"] = "inline"
    return response


@login_required
@require_POST
def react(request: HttpRequest, conversation_id: int, message_id: int) -> HttpResponse:
    """Toggle a reaction from the page's reaction buttons (chat.js uses the API instead)."""
    convo = get_conversation_for(request.user, conversation_id)
    message = get_message_for(request.user, convo, message_id)
    key = request.POST.get("key", "")
    active = not message.reactions.filter(user=request.user, key=key).exists()
    try:
        services.set_reaction(request.user, message, key, active=active)
    except DomainError as exc:
        django_messages.error(request, exc.message)
    return redirect(_message_url(convo.pk, message.pk))
