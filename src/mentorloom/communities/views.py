"""Community pages: directory, a community, a channel with threads (work without JavaScript;
static/communities/channel.js adds live posts over the chat socket)."""

from __future__ import annotations

import calendar
import uuid

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorloom.core.errors import DomainError, InvalidInput
from mentorloom.core.hooks import Hook
from mentorloom.core.markdown import render_markdown
from mentorloom.core.params import int_param
from mentorloom.messaging.models import MAX_BODY_CHARS
from mentorloom.safety.selectors import hidden_user_ids

from . import selectors, services
from .access import (
    get_channel_and_membership_for,
    get_channel_for,
    get_community,
    get_invite_for,
    get_join_request_for,
    get_member_for,
    get_membership_for,
    get_own_story_for,
    get_post_for,
    get_prompt_for,
    membership_of,
)
from .models import (
    MAX_STORY_CHARS,
    MAX_STORY_TITLE_CHARS,
    Invite,
    Membership,
    Story,
    Visibility,
)

# Called as (viewer, community, membership or None) while building a community's page; each
# listener returns a dict of extra context (parts owned by apps beside communities:
# workshops.panels adds "Upcoming events"). communities never imports them.
community_page_panels = Hook("communities.community_page_panels")


@login_required
@require_GET
def directory(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "")[:100]
    topic = request.GET.get("topic", "")[:40]
    language = request.GET.get("language", "")[:12]
    communities = list(selectors.directory(query=q, topic=topic, language=language)[:60])
    mine = {c.pk for c in selectors.communities_of(request.user)}
    return render(
        request,
        "communities/directory.html",
        {
            "communities": communities,
            "mine": mine,
            "q": q,
            "topic": topic,
            "language": language,
            "topics": selectors.all_topics(),
        },
    )


@login_required
@require_GET
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community(slug)
    me = membership_of(request.user, community)
    counted = selectors.directory().filter(pk=community.pk).first() or community
    q = request.GET.get("q", "")[:200]
    sees_stories = me is not None or community.visibility == Visibility.OPEN
    panels: dict = {}
    for panel in community_page_panels(request.user, community, me):
        panels.update(panel)
    return render(
        request,
        "communities/detail.html",
        {
            **panels,
            "q": q,
            "results": selectors.search_posts(request.user, community, q) if me and q else [],
            "stories": selectors.community_stories(request.user, community) if sees_stories else [],
            "can_write_story": me is not None and _is_mentor(request.user),
            "community": counted,
            "me": me,
            "rules_html": render_markdown(community.rules),
            "moderators": selectors.moderators(community),
            "channels": selectors.channels_for(request.user, community) if me else [],
            "pinned": selectors.pinned_posts(community) if me else [],
            "pending": selectors.pending_requests(community) if me and me.moderates else [],
            "prompts": community.prompts.filter(active=True).select_related("channel")
            if me
            else [],
            "Visibility": Visibility,
        },
    )


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    return redirect(fallback)


@login_required
@require_POST
def join(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community(slug)
    try:
        if community.visibility == Visibility.APPROVAL:
            services.request_to_join(request.user, community, request.POST.get("note", ""))
            flash.success(request, "Request sent. A moderator will look at it soon.")
        else:
            services.join_community(request.user, community)
            flash.success(request, f"Welcome to {community.name}!")
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("communities:detail", slug=community.slug)


@login_required
@require_POST
def leave(request: HttpRequest, slug: str) -> HttpResponse:
    community = get_community(slug)
    try:
        services.leave_community(request.user, community)
        flash.success(request, f"You left {community.name}.")
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("communities:detail", slug=community.slug)


@login_required
@require_POST
def decide(request: HttpRequest, slug: str, request_id: int) -> HttpResponse:
    community = get_community(slug)
    join_request = get_join_request_for(request.user, community, request_id)
    try:
        services.decide_join_request(
            request.user, join_request, approve=request.POST.get("decision") == "approve"
        )
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("communities:detail", slug=community.slug)


@login_required
def invite(request: HttpRequest, token: str) -> HttpResponse:
    found = Invite.objects.filter(token=token).select_related("community").first()
    if found is None:
        raise Http404
    if request.method == "POST":
        try:
            services.accept_invite(request.user, token)
        except DomainError as exc:
            return render(
                request,
                "communities/invite.html",
                {"invite": found, "error": exc.message},
                status=exc.status,
            )
        return redirect("communities:detail", slug=found.community.slug)
    return render(request, "communities/invite.html", {"invite": found})


@login_required
@require_GET
def channel(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    community = get_community(slug)
    found, me = get_channel_and_membership_for(request.user, community, channel_id)
    return _channel_page(request, community, found, request.GET.get("thread"), me=me)


def _channel_page(  # type: ignore[no-untyped-def]
    request: HttpRequest,
    community,
    found,
    thread_id: object = None,
    *,
    draft: dict | None = None,
    status: int = 200,
    me: Membership | None = None,
) -> HttpResponse:
    """The channel page, with the thread `thread_id` open. `draft` is a post or reply that
    was refused ({"parent_id", "body", "error", "file_error"}): its form shows the text again
    with the reason beside it, so nothing typed is lost. `me`: the reader's membership, when
    the caller has it already."""
    me = me or get_membership_for(request.user, community)
    before = _int_or_none(request.GET.get("before"))
    root = get_post_for(request.user, found, thread_id) if thread_id else None
    if root is not None and root.parent_id is not None:
        root = get_post_for(request.user, found, root.parent_id)
    page = selectors.channel_page(request.user, found, before=before)
    if root is not None and before is None and page.posts and root.pk < page.posts[0].pk:
        # An older thread (a search hit, a digest link): open the page that ends with it.
        before = root.pk + 1
        page = selectors.channel_page(request.user, found, before=before)
    replies = {root.pk: selectors.thread(request.user, root)} if root is not None else {}
    response = render(
        request,
        "communities/channel.html",
        {
            "community": community,
            "channel": found,
            "channel_url": reverse("communities:channel", args=[community.slug, found.pk]),
            "me": me,
            "page": page,
            "replies": replies,
            "channels": selectors.channels_for(request.user, community, hidden=page.hidden),
            "max_chars": MAX_BODY_CHARS,
            "client_id": uuid.uuid4(),
            "newest_id": found.conversation.last_message_id or 0,
            "showing_older": before is not None,
            "can_write_story": _is_mentor(request.user),
            "draft": draft or {},
        },
        status=status,
    )
    # Opening the channel reads it (the badge clears); the page shows the marker it had. A
    # reader who has read everything already writes nothing, nor does the open page's own
    # re-read (X-Live-Refresh, after an unblock): its reader may be in another tab.
    newest = found.conversation.last_message_id or 0
    if (
        page.posts
        and status == 200
        and page.last_read_id < newest
        and not request.headers.get("X-Live-Refresh")
    ):
        services.mark_channel_read(request.user, found, newest)
    return response


@login_required
@require_GET
def post_partial(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> HttpResponse:
    """One post as the channel page renders it (channel.js inserts it when it arrives live)."""
    community = get_community(slug)
    found = get_channel_for(request.user, community, channel_id)
    message = get_post_for(request.user, found, post_id)
    if message.sender_id in hidden_user_ids(request.user.pk):
        raise Http404
    message.reply_count = message.replies.filter(deleted_at__isnull=True).count()
    participant = found.conversation.memberships.filter(user=request.user).first()
    return render(
        request,
        "communities/_post.html",
        {
            "community": community,
            "channel": found,
            "channel_url": reverse("communities:channel", args=[community.slug, found.pk]),
            "me": get_membership_for(request.user, community),
            "m": message,
            "reply": message.parent_id is not None,
            "page": {"last_read_id": participant.last_read_message_id if participant else 0},
        },
    )


@login_required
@require_POST
def post(request: HttpRequest, slug: str, channel_id: int) -> HttpResponse:
    """A post or (with `parent_id`) a reply in a thread, each with an optional file. A refused
    one renders the page again with the text in its form and the reason beside it."""
    community = get_community(slug)
    found = get_channel_for(request.user, community, channel_id)
    parent = request.POST.get("parent_id")
    # A reply to a post the member cannot see (or to no post at all) is a 404.
    parent_id = get_post_for(request.user, found, parent).pk if parent else None
    body = request.POST.get("body", "")
    try:
        services.post_in_channel(
            request.user,
            found,
            client_id=request.POST.get("client_id") or uuid.uuid4(),
            body=body,
            parent_id=parent_id,
            # A file goes through chat's checks and storage (messaging.attachment_files).
            upload=request.FILES.get("file"),
        )
    except DomainError as exc:
        file_error = "; ".join(exc.fields.get("file", []))
        draft = {
            "parent_id": parent_id,
            "body": body,
            "error": "" if file_error else exc.message,
            "file_error": file_error,
        }
        return _channel_page(request, community, found, parent_id, draft=draft, status=exc.status)
    url = reverse("communities:channel", args=[community.slug, found.pk])
    if parent_id:
        return redirect(f"{url}?thread={parent_id}#post-{parent_id}")
    return redirect(url)


def _post_url(community, channel, message) -> str:  # type: ignore[no-untyped-def]
    url = reverse("communities:channel", args=[community.slug, channel.pk])
    if message.parent_id:
        return f"{url}?thread={message.parent_id}#post-{message.pk}"
    return f"{url}#post-{message.pk}"


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_post(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> HttpResponse:
    """Edit your own post within 15 minutes (the page channel.js replaces with an inline
    form)."""
    community = get_community(slug)
    found = get_channel_for(request.user, community, channel_id)
    message = get_post_for(request.user, found, post_id)
    if message.sender_id != request.user.pk:
        raise Http404  # nothing to edit here: someone else's post
    story = Story.objects.filter(message=message).first()
    if story is not None:
        return redirect("communities:edit_story", slug=community.slug, story_id=story.pk)
    body, error, status = message.body, "", 200
    if request.method == "POST":
        body = request.POST.get("body", "")
        try:
            services.edit_post(request.user, found, message, body)
        except DomainError as exc:
            error, status = exc.message, exc.status
        else:
            return redirect(_post_url(community, found, message))
    context = {
        "community": community,
        "channel": found,
        "message": message,
        "body": body,
        "error": error,
        "max_chars": MAX_BODY_CHARS,
        "back": _post_url(community, found, message),
    }
    return render(request, "communities/edit_post.html", context, status=status)


@login_required
@require_POST
def react(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> HttpResponse:
    community = get_community(slug)
    found = get_channel_for(request.user, community, channel_id)
    message = get_post_for(request.user, found, post_id)
    try:
        services.react_to_post(
            request.user,
            found,
            message,
            request.POST.get("key", ""),
            active=request.POST.get("active", "1") == "1",
        )
    except DomainError as exc:
        flash.error(request, exc.message)
    anchor = message.parent_id or message.pk
    url = reverse("communities:channel", args=[community.slug, found.pk])
    return redirect(f"{url}#post-{anchor}")


@login_required
@require_POST
def moderate_post(request: HttpRequest, slug: str, channel_id: int, post_id: int) -> HttpResponse:
    """Pin, unpin, delete (with a reason) or report a post from the channel page."""
    community = get_community(slug)
    found = get_channel_for(request.user, community, channel_id)
    message = get_post_for(request.user, found, post_id)
    action = request.POST.get("action")
    try:
        if action == "pin":
            services.pin_post(request.user, found, message)
        elif action == "unpin":
            services.pin_post(request.user, found, message, pinned=False)
        elif action == "delete":
            services.delete_post(request.user, found, message, reason=request.POST.get("reason"))
        elif action == "report":
            services.report_post(request.user, found, message, reason=request.POST.get("reason"))
            flash.success(request, "Thanks, the moderators will take a look.")
        else:
            raise Http404
    except DomainError as exc:
        flash.error(request, exc.message)
    return redirect("communities:channel", slug=community.slug, channel_id=found.pk)


def _int_or_none(value: str | None) -> int | None:
    """A positive id from a query or form value, else None (also beyond 64 bits)."""
    return int_param(value, low=1)


def _is_mentor(user) -> bool:  # type: ignore[no-untyped-def]
    return bool(getattr(getattr(user, "profile", None), "is_mentor", False))


@login_required
def write_story(request: HttpRequest, slug: str) -> HttpResponse:
    """A mentor writes a story: title, channel, Markdown body, with a preview before it is
    published. Published, it opens as a thread on the channel page."""
    community = get_community(slug)
    get_membership_for(request.user, community)
    channels = selectors.channels_for(request.user, community)
    data = request.POST if request.method == "POST" else {}
    form = {
        "title": data.get("title", ""),
        "body": data.get("body", ""),
        "channel_id": _int_or_none(data.get("channel_id") or request.GET.get("channel"))
        or selectors.story_channel_id(community),
        "client_id": data.get("client_id") or uuid.uuid4(),
    }
    errors: dict[str, list[str]] = {}
    general_error = ""
    preview = ""
    status = 200
    if not _is_mentor(request.user):
        status = 403
    elif request.method == "POST" and data.get("action") == "preview":
        title = " ".join(str(form["title"]).split())
        preview = render_markdown(services.story_text(title, str(form["body"])))
    elif request.method == "POST":
        try:
            try:
                channel = get_channel_for(request.user, community, form["channel_id"])
            except Http404:
                raise InvalidInput(
                    fields={"channel_id": ["Pick one of this community's channels."]}
                ) from None
            story, _created = services.publish_story(
                request.user,
                channel,
                title=form["title"],
                body=form["body"],
                client_id=form["client_id"],
            )
        except DomainError as exc:
            errors = {k: v for k, v in exc.fields.items() if k in ("title", "body", "channel_id")}
            general_error = "" if errors else exc.message
            status = exc.status
        else:
            flash.success(request, "Your story is published. Members discuss it in its thread.")
            return redirect(selectors.post_url(community, story.channel_id, story.message))
    return render(
        request,
        "communities/story_form.html",
        {
            "community": community,
            "channels": channels,
            "form": form,
            "errors": errors,
            "general_error": general_error,
            "preview": preview,
            "is_mentor": _is_mentor(request.user),
            "max_title": MAX_STORY_TITLE_CHARS,
            "max_body": MAX_STORY_CHARS,
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_story(request: HttpRequest, slug: str, story_id: int) -> HttpResponse:
    """The author changes a story's title and text (the write form, with its preview); it
    shows as edited. Anyone else's story is a 404."""
    community = get_community(slug)
    story = get_own_story_for(request.user, community, story_id)
    data = request.POST if request.method == "POST" else {}
    form = {"title": data.get("title", story.title), "body": data.get("body", story.body)}
    errors: dict[str, list[str]] = {}
    general_error = ""
    preview = ""
    status = 200
    if request.method == "POST" and data.get("action") == "preview":
        title = " ".join(str(form["title"]).split())
        preview = render_markdown(services.story_text(title, str(form["body"])))
    elif request.method == "POST":
        try:
            services.edit_story(request.user, story, title=form["title"], body=form["body"])
        except DomainError as exc:
            errors = {k: v for k, v in exc.fields.items() if k in ("title", "body")}
            general_error = "" if errors else exc.message
            status = exc.status
        else:
            flash.success(request, "Your story is updated.")
            return redirect(selectors.post_url(community, story.channel_id, story.message))
    return render(
        request,
        "communities/story_form.html",
        {
            "community": community,
            "story": story,
            "form": form,
            "errors": errors,
            "general_error": general_error,
            "preview": preview,
            "is_mentor": True,  # the author may edit whether or not they still mentor
            "max_title": MAX_STORY_TITLE_CHARS,
            "max_body": MAX_STORY_CHARS,
        },
        status=status,
    )


@login_required
def manage(request: HttpRequest, slug: str) -> HttpResponse:
    """The moderators' page: channels, slow mode, invite links, weekly prompts, members."""
    community = get_community(slug)
    me = get_membership_for(request.user, community)
    if not me.moderates:
        raise Http404
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            _manage_action(request, community, action)
        except DomainError as exc:
            flash.error(request, exc.message)
            for field, errors in exc.fields.items():
                for error in errors:
                    flash.error(request, f"{field}: {error}")
        return redirect("communities:manage", slug=community.slug)
    return render(
        request,
        "communities/manage.html",
        {
            "community": community,
            "me": me,
            "channels": selectors.channels_for(request.user, community),
            "invites": selectors.usable_invites(community),
            "prompts": community.prompts.filter(active=True).select_related("channel"),
            "members": Membership.objects.filter(community=community)
            .select_related("user__profile")
            .order_by("role", "joined_at"),
            "weekdays": list(enumerate(calendar.day_name, start=1)),
        },
    )


def _manage_action(request: HttpRequest, community, action: str) -> None:  # type: ignore[no-untyped-def]
    data = request.POST
    user = request.user
    if action == "channel":
        services.create_channel(
            user,
            community,
            name=data.get("name", ""),
            description=data.get("description", ""),
            slow_mode_seconds=_int_or_none(data.get("slow_mode_seconds")) or 0,
        )
    elif action == "slow_mode":
        channel = get_channel_for(user, community, data.get("channel_id"))
        services.set_slow_mode(user, channel, _int_or_none(data.get("slow_mode_seconds")))
    elif action == "invite":
        services.create_invite(user, community, days=_int_or_none(data.get("days")))
    elif action == "revoke":
        services.revoke_invite(user, get_invite_for(user, community, data.get("invite_id")))
    elif action == "prompt":
        channel = get_channel_for(user, community, data.get("channel_id"))
        services.schedule_prompt(
            user,
            channel,
            title=data.get("title", ""),
            body=data.get("body", ""),
            weekday=_int_or_none(data.get("weekday")),
            local_time=data.get("local_time", ""),
        )
    elif action == "stop_prompt":
        services.stop_prompt(user, get_prompt_for(user, community, data.get("prompt_id")))
    elif action in ("mute", "ban", "unban", "role"):
        target = get_member_for(user, community, data.get("user_id"))
        if action == "mute":
            services.mute_member(
                user, target, minutes=_int_or_none(data.get("minutes")), reason=data.get("reason")
            )
        elif action == "ban":
            services.ban_member(
                user, target, minutes=_int_or_none(data.get("minutes")), reason=data.get("reason")
            )
        elif action == "unban":
            services.unban_member(user, target)
        else:
            services.set_role(user, target, data.get("role"))
    else:
        raise Http404
    flash.success(request, "Saved.")
