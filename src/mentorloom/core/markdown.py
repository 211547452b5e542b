"""Markdown to safe HTML: markdown-it renders (raw HTML disabled), nh3 sanitises."""

from __future__ import annotations

import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt

# Linkify: addresses written out (https://…, www.…, example.org, name@example.org) become
# links, as people expect in a chat; other schemes (javascript:) are never recognised.
_md = MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False}).enable(
    "linkify"
)

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "a", "h3", "h4", "h5", "h6", "hr",
}  # fmt: skip
# Headings 1-2 are demoted so user text never competes with page headings.
_DEMOTE = {"<h1>": "<h3>", "</h1>": "</h3>", "<h2>": "<h4>", "</h2>": "</h4>"}


# Most chat messages are one plain line: words and everyday punctuation, which Markdown renders as
# a paragraph of the text itself. Those skip the parser and the sanitiser (together most of the
# CPU of a chat send). The line starts with a letter (a digit could start a list: "1. "), ends
# without a space, and holds no character Markdown or HTML gives a meaning (no * _ ` [ ] < > & #
# \ ~ | = + @ " or line break). A `.`, `:` or `/` is followed by no letter or digit (so no web
# address or domain, which linkify turns into a link), except a `:` between digits ("10:30").
# Each character matches one branch only, so the check is linear.
# tests/core/test_markdown.py checks that the shortcut gives what the full path gives.
_PLAIN_LINE = re.compile(r"[^\W\d_](?:[^\W_]|[ ,?!;'()-]|[.:/](?![^\W_])|(?<=\d):(?=\d))*")


# Pages show the same posts to many readers (a channel's newest 50, a thread): rendered HTML of
# shorter texts is kept per process, by text (the rendering is a pure function of it). At most
# _CACHED texts of up to _CACHED_CHARS characters: about 12 MB in the worst case.
_CACHED = 2048
_CACHED_CHARS = 2000


def render_markdown(text: str) -> str:
    text = text or ""
    if _PLAIN_LINE.fullmatch(text) and not text.endswith(" "):
        return f"<p>{text}</p>\n"
    if len(text) <= _CACHED_CHARS:
        return _render_cached(text)
    return _render(text)


@lru_cache(maxsize=_CACHED)
def _render_cached(text: str) -> str:
    return _render(text)


def _render(text: str) -> str:
    html = _md.render(text or "")
    for old, new in _DEMOTE.items():
        html = html.replace(old, new)
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
    )
