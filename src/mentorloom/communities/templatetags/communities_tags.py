"""Small template helpers for community pages."""

from __future__ import annotations

from django import template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.dates import MONTHS_3
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

from mentorloom.core.markdown import render_markdown
from mentorloom.messaging.events import reactions_payload
from mentorloom.messaging.models import REACTIONS

from .. import selectors
from ..selectors import person_name as _person_name

register = template.Library()


@register.simple_tag
def person_name(user) -> str:  # type: ignore[no-untyped-def]
    return _person_name(user) if user is not None else "Former member"


@register.simple_tag
def post_html(message) -> str:  # type: ignore[no-untyped-def]
    # Sanitised by nh3 in core.markdown (the same rendering as chat and the API's `html`).
    return mark_safe(render_markdown(message.body))  # noqa: S308  # nosec B308 B703


# The parts of a post below are built from format strings here rather than in _post.html: a
# channel page shows 50 posts, and the template's per-post URL reversing, CSRF, date formatting
# and variable lookups were most of the page's time (benchmarks/bench_channel_page; before,
# 109 ms at p50 for the page, of which ~70 ms the 50 posts). Text that people wrote (names) is
# escaped; the rest is ours: ids, counts, fixed words, URLs of our own routes.

_ANY_ID = 987_654_321_987_654_321  # stands for a post id in a URL reversed once per page


class _Page:
    """What all posts of one rendered page share, worked out once: the CSRF field, URL
    patterns with the post id left open, profile links, month names in the active language."""

    def __init__(self, context: template.Context) -> None:
        token = str(context.get("csrf_token", ""))
        self.csrf = (
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(token)}">'
            if token and token != "NOTPROVIDED"
            else ""
        )
        self.viewer_id = context["request"].user.pk
        self.community, self.channel = context["community"], context["channel"]
        self.channel_url = context["channel_url"]  # the view's, reversed once
        self._urls: dict[str, str] = {}
        self._profiles: dict[int, str] = {}
        self.months = {n: str(name).title() for n, name in MONTHS_3.items()}

    def post_url(self, name: str, post_id: int) -> str:
        if name not in self._urls:
            args = [self.community.slug, self.channel.pk, _ANY_ID]
            self._urls[name] = reverse(f"communities:{name}", args=args)
        return self._urls[name].replace(str(_ANY_ID), str(int(post_id)))

    def profile_url(self, user_id: int) -> str:
        if user_id not in self._profiles:
            self._profiles[user_id] = reverse("profiles:public", args=[user_id])
        return self._profiles[user_id]


def _page(context: template.Context) -> _Page:
    # Kept on the request: each included post renders in a fresh render context.
    request = context["request"]
    page = getattr(request, "_community_post_parts", None)
    if page is None or page.channel is not context["channel"]:
        page = _Page(context)
        request._community_post_parts = page
    return page


_EDITED = ' · <span class="msg__edited" data-edited>edited</span>'


@register.simple_tag(takes_context=True)
def post_meta(context: template.Context, message) -> SafeString:  # type: ignore[no-untyped-def]
    """Who wrote the post (a link to their profile) and when, with "edited" when it was."""
    page = _page(context)
    if message.sender is None:
        who = "Former member"
    else:
        name = escape(_person_name(message.sender))
        who = f'<a href="{page.profile_url(message.sender_id)}">{name}</a>'
    when = template_localtime(message.created_at)
    shown = f"{when.day} {page.months[when.month]}, {when.hour:02d}:{when.minute:02d}"
    edited = message.edited_at is not None and message.deleted_at is None
    return mark_safe(  # noqa: S308  # nosec B308 B703  (the name escaped; the rest ours)
        f'<p class="msg__meta small muted">{who} · <time datetime="{when.isoformat()}">'
        f"{shown}</time>"
        f"{_EDITED if edited else ''}</p>"
    )


@register.simple_tag
def post_attachments(message) -> SafeString:  # type: ignore[no-untyped-def]
    """The post's files as chat shows them (messaging's template); nothing when it has none,
    which is most posts (the list is prefetched by the selectors)."""
    if message.deleted_at is not None or not message.attachment_rows():
        return SafeString()
    return render_to_string("messaging/_attachments.html", {"m": message})


@register.simple_tag(takes_context=True)
def post_thread_link(context: template.Context, message) -> SafeString:  # type: ignore[no-untyped-def]
    """ "3 replies": opens the post's thread on the channel page, scrolled to it."""
    count = getattr(message, "reply_count", 0) or 0
    url = _page(context).channel_url
    return mark_safe(  # noqa: S308  # nosec B308 B703  (our URL, ints)
        f'<p class="small"><a href="{url}?thread={message.pk}#post-{message.pk}" '
        f"data-thread-link>{count} repl{'y' if count == 1 else 'ies'}</a></p>"
    )


@register.simple_tag(takes_context=True)
def post_menu(context: template.Context, message, story, me) -> SafeString:  # type: ignore[no-untyped-def]
    """The "More" menu under a post: report with a reason; pin and delete for moderators;
    delete for the author of a story."""
    if message.deleted_at is not None:
        return SafeString()
    page = _page(context)
    if me is not None and me.moderates:
        extra = (
            '<button class="btn btn--ghost btn--sm" name="action" value="pin">Pin</button>'
            '<button class="btn btn--danger btn--sm" name="action" value="delete">Delete</button>'
        )
    elif story is not None and message.sender_id == page.viewer_id:
        extra = (
            '<button class="btn btn--danger btn--sm" name="action" value="delete">'
            "Delete story</button>"
        )
    else:
        extra = ""
    pk = int(message.pk)
    return mark_safe(  # noqa: S308  # nosec B308 B703  (our URL and token, ints, fixed words)
        '<details class="small"><summary>More</summary>'
        f'<form method="post" action="{page.post_url("moderate_post", pk)}" class="stack">'
        f"{page.csrf}"
        f'<div class="field"><label for="reason-{pk}">Reason</label>'
        f'<input id="reason-{pk}" name="reason" maxlength="500"></div>'
        '<div class="row"><button class="btn btn--ghost btn--sm" name="action" value="report">'
        f"Report</button>{extra}</div></form></details>"
    )


def _reaction_button(key: str, emoji: str, name: str, mine: bool) -> str:
    return format_html(
        '<input type="hidden" name="key" value="{}"><input type="hidden" name="active" value="{}">'
        '<button class="reaction{} btn btn--ghost btn--sm" aria-pressed="{}" data-reaction="{}">'
        '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span>',
        key,
        "0" if mine else "1",
        " reaction--mine" if mine else "",
        "true" if mine else "false",
        key,
        emoji,
        name,
    )


# Each reaction's button, not pressed and pressed, escaped once at import.
_BUTTONS = {
    key: (_reaction_button(key, emoji, name, False), _reaction_button(key, emoji, name, True))
    for key, (emoji, name) in REACTIONS.items()
}


@register.simple_tag(takes_context=True)
def post_reactions(context: template.Context, message) -> SafeString:  # type: ignore[no-untyped-def]
    """The row of reaction buttons under a post: one small form per reaction (works without
    JavaScript), pressed when the viewer reacted, with its count."""
    page = _page(context)
    who = {r["key"]: r["user_ids"] for r in reactions_payload(message)}
    form = (
        f'<form method="post" action="{page.post_url("react", message.pk)}" class="inline">'
        f"{page.csrf}"
    )
    parts = []
    for key, (plain, pressed) in _BUTTONS.items():
        users = who.get(key, ())
        count = f" <span data-count>{len(users)}</span>" if users else ""
        parts.append(
            f"{form}{pressed if page.viewer_id in users else plain}{count}</button></form>"
        )
    return mark_safe("".join(parts))  # noqa: S308  # nosec B308 B703  (escaped pieces, ints)


@register.filter
def get_replies(replies: dict, key: int) -> list:
    return replies.get(key, [])


@register.simple_tag
def story_url(story) -> str:  # type: ignore[no-untyped-def]
    return selectors.post_url(story.community, story.channel_id, story.message)


@register.simple_tag
def story_excerpt(story) -> str:  # type: ignore[no-untyped-def]
    return selectors.story_excerpt(story)
