"""The inbox's one-line preview of a conversation's newest message."""

from __future__ import annotations

import pytest

from mentorloom.messaging.selectors import PREVIEW_CHARS, preview_text


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


def test_long_messages_are_cut_with_an_ellipsis():
    text = preview_text("word " * 100, deleted=False, files=0)
    assert len(text) == PREVIEW_CHARS and text.endswith("…")


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
