"""User-written Markdown becomes safe HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mentorloom.core import markdown
from mentorloom.core.markdown import render_markdown


class _Elements(HTMLParser):
    """The (tag, attributes) pairs a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Elements()
    parser.feed(html)
    return parser.found


def test_plain_markdown_is_rendered():
    html = render_markdown("Hello **there**\n\n- one\n- two")
    assert "<strong>there</strong>" in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "hi <script>alert(1)</script> there",
        "```html\n<script>alert(1)</script>\n```",
    ],
)
def test_script_tags_never_survive(text):
    html = render_markdown(text)
    assert "<script" not in html.lower()


@pytest.mark.parametrize(
    "text",
    [
        "[click](javascript:alert(1))",
        "[click](JaVaScRiPt:alert(1))",
        "[click](java&#x09;script:alert(1))",
        "<javascript:alert(1)>",
        "[click](vbscript:msgbox(1))",
        "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    ],
)
def test_script_urls_never_become_links(text):
    for tag, attrs in elements(render_markdown(text)):
        if tag == "a":
            # Browsers drop tabs and newlines in URLs, so strip them before reading the scheme.
            href = "".join(ch for ch in (attrs.get("href") or "") if ch not in "\t\n\r")
            assert urlsplit(href).scheme.lower() in {"", "http", "https", "mailto"}, href


@pytest.mark.parametrize(
    "text",
    ['<img src="x" onerror="alert(1)">', '![pic](x "t" onerror="alert(1)")', "![pic](x)"],
)
def test_event_handler_attributes_and_images_are_removed(text):
    found = elements(render_markdown(text))
    assert "img" not in [tag for tag, _ in found]  # images are not in the allowed tags at all
    assert not [(tag, a) for tag, attrs in found for a in attrs if a.startswith("on")]


def test_sanitiser_cleans_hostile_html_even_if_the_renderer_let_it_through(monkeypatch):
    # Raw HTML is disabled in the renderer; this proves the nh3 layer on its own.
    hostile = (
        '<p onclick="x()"><a href="javascript:alert(1)" onmouseover="y()">a</a>'
        '<script>alert(1)</script><img src=x onerror="alert(1)"></p>'
    )
    monkeypatch.setattr(markdown._md, "render", lambda text: hostile)
    html = markdown.render_markdown("*ignored*")  # markup: not the plain-line shortcut
    found = elements(html)
    assert [tag for tag, _ in found] == ["p", "a"]
    assert not [a for _, attrs in found for a in attrs if a.startswith("on")]
    assert "href" not in found[1][1]
    assert "alert" not in html
    assert found[1][1]["rel"] == "nofollow noopener noreferrer ugc"


def test_raw_html_is_escaped_not_rendered():
    html = render_markdown('<a href="/profile" onclick="x()">x</a>')
    assert "<a " not in html
    assert "&lt;a" in html
    # An address inside it is still text that linkify makes a link of, and nothing more.
    html = render_markdown('<a href="https://example.org" onclick="x()">x</a>')
    assert "&lt;a" in html
    assert elements(html) == [
        ("p", {}),
        ("a", {"href": "https://example.org", "rel": "nofollow noopener noreferrer ugc"}),
    ]


def test_links_get_nofollow_and_keep_http_targets():
    html = render_markdown("[site](https://example.org/path)")
    assert 'href="https://example.org/path"' in html
    assert 'rel="nofollow noopener noreferrer ugc"' in html


@pytest.mark.parametrize(
    ("text", "href", "shown"),
    [
        (
            "It's on https://example.org/path - ok",
            "https://example.org/path",
            "https://example.org/path",
        ),
        ("Try www.example.org.", "http://www.example.org", "www.example.org"),
        ("see example.org today", "http://example.org", "example.org"),
        ("mail ana@example.org", "mailto:ana@example.org", "ana@example.org"),
    ],
)
def test_web_and_mail_addresses_written_out_become_links(text, href, shown):
    html = render_markdown(text)
    assert f'<a href="{href}" rel="nofollow noopener noreferrer ugc">{shown}</a>' in html


@pytest.mark.parametrize("text", ["javascript:alert(1)", "see javascript://x.org/%0Aalert(1)"])
def test_only_web_and_mail_addresses_become_links(text):
    for tag, attrs in elements(render_markdown(text)):
        if tag == "a":
            assert urlsplit(attrs["href"] or "").scheme in {"http", "https", "mailto"}


def test_top_level_headings_are_demoted():
    html = render_markdown("# Big\n\n## Less")
    assert "<h1>" not in html and "<h2>" not in html
    assert "<h3>Big</h3>" in html and "<h4>Less</h4>" in html


@pytest.mark.parametrize("text", ["", None])
def test_empty_input_gives_empty_output(text):
    assert render_markdown(text) == ""


@settings(max_examples=3000, deadline=None)
@given(st.from_regex(markdown._PLAIN_LINE, fullmatch=True))
def test_the_plain_line_shortcut_renders_exactly_what_markdown_renders(text):
    # Any line the shortcut takes (any script's letters and digits, the allowed punctuation).
    assert render_markdown(text) == markdown._render(text)


@pytest.mark.parametrize(
    "text",
    [
        "Hi, how are you?",
        "Thanks! See you at 10:30 (Berlin time).",
        "Done: see you then / or not.",
        "Grüße aus Köln",
        "a    b",
    ],
)
def test_everyday_lines_take_the_shortcut_and_match(text):
    assert markdown._PLAIN_LINE.fullmatch(text)
    assert render_markdown(text) == markdown._render(text) == f"<p>{text}</p>\n"


@pytest.mark.parametrize(
    "text",
    [
        "1. first",
        "Hi *you*",
        "a_b_c",
        "x\ny",
        "Tom & Jerry",
        'He said "hi"',
        "end ",
        "It's on https://example.org/path - ok",
        "see example.org",
        "mail me at ana@example.org",
    ],
)
def test_lines_with_markup_take_the_full_path(text):
    assert not (markdown._PLAIN_LINE.fullmatch(text) and not text.endswith(" "))
