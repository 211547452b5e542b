"""The inbox's one-line preview of a conversation's newest message."""

from __future__ import annotations

import pytest

from mentorloom.messaging.selectors import PREVIEW_CHARS, excerpt, preview_text


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("Plain words.", "Plain words."),
        ("**Bold** and *italic* and [a link](https://example.org)", "Bold and italic and a link"),
        ("- one\n- two\n\nthree", "one two three"),
        ("Tom & Jerry <3", "Tom & Jerry <3"),
        ("```\ncode\n```", "code"),
    ],
)
def test_markdown_becomes_one_line_of_plain_text(body, expected):
    assert preview_text(body, deleted=False, files=0) == expected


def test_long_messages_are_cut_at_a_word_boundary_with_an_ellipsis():
    text = preview_text("word " * 100, deleted=False, files=0)
    assert len(text) <= PREVIEW_CHARS and text.endswith(" word…")
    # Words of 7 letters: the 89 characters before the ellipsis end one letter into the 12th,
    # which goes whole (today's cut kept "abcdefg a…").
    body = " ".join(["abcdefg"] * 20)
    assert preview_text(body, deleted=False, files=0) == " ".join(["abcdefg"] * 11) + "…"


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("short enough", 12, "short enough"),
        ("cut inside a word", 12, "cut inside…"),
        ("cut right at space here", 12, "cut right…"),
        ("cut after a space", 7, "cut…"),
        ("unbreakableword", 6, "unbre…"),
        ("one\ntwo three", 9, "one\ntwo…"),
    ],
)
def test_excerpts_end_on_a_whole_word_and_an_ellipsis(text, limit, expected):
    assert excerpt(text, limit) == expected
    assert len(excerpt(text, limit)) <= limit


@pytest.mark.parametrize(
    ("body", "deleted", "files", "expected"),
    [
        ("secret", True, 0, "Message deleted"),
        ("", False, 1, "Sent a file"),
        ("", False, 3, "Sent 3 files"),
        ("Here it is", False, 1, "Here it is"),
    ],
)
def test_deleted_messages_and_files_without_words_say_what_happened(body, deleted, files, expected):
    assert preview_text(body, deleted, files) == expected
