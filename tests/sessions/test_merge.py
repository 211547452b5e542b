"""The pure three-way merge behind live shared notes and agenda text."""

from __future__ import annotations

from collections import Counter

from hypothesis import given
from hypothesis import strategies as st

from mentorloom.sessions.merge import merge

BASE = "# Goals\nShip the portfolio\n\n# Risks\nTime\n\n# Next\nCall Ana\n"

line = st.text(alphabet="abcxyz #-", min_size=0, max_size=6)
text = st.lists(line, max_size=8).map("\n".join)


def test_edits_of_different_paragraphs_merge_without_overlap():
    mine = BASE.replace("Ship the portfolio", "Ship the portfolio by May")
    theirs = BASE.replace("Call Ana", "Call Ana and Ben")

    result = merge(BASE, mine, theirs)

    assert result.clean
    assert result.text == BASE.replace("portfolio", "portfolio by May").replace(
        "Call Ana", "Call Ana and Ben"
    )


def test_both_appending_at_the_end_keeps_both_theirs_first():
    result = merge(BASE, BASE + "mine\n", BASE + "theirs\n")

    assert result.clean
    assert result.text == BASE + "theirs\nmine\n"


def test_appending_to_a_last_line_without_newline_is_not_an_overlap():
    base = "one\ntwo"
    result = merge(base, base + "\nmine", "zero\n" + base)

    assert result.clean
    assert result.text == "zero\none\ntwo\nmine"


def test_same_line_changed_differently_is_the_only_overlap():
    mine = BASE.replace("Time", "Time and money").replace("Call Ana", "Call Ana today")
    theirs = BASE.replace("Time", "Motivation")

    result = merge(BASE, mine, theirs)

    assert not result.clean
    assert len(result.overlaps) == 1
    overlap = result.overlaps[0]
    assert (overlap.base, overlap.mine, overlap.theirs) == ("Time", "Time and money", "Motivation")
    # Everything else is merged; the overlap holds my text until I resolve it.
    assert result.text == mine


def test_same_change_on_both_sides_is_not_an_overlap():
    mine = BASE.replace("Time", "Money")
    assert merge(BASE, mine, mine.replace("Call Ana", "Call Bo")).clean


def test_insertion_inside_a_paragraph_the_other_rewrote_is_an_overlap():
    base = "a\nb\nc\nd"
    result = merge(base, "a\nX\nd", "a\nb\nnew\nc\nd")
    assert not result.clean


@given(text, text)
def test_merging_with_an_unchanged_side_returns_the_other(base, other):
    assert merge(base, base, other).text == other
    assert merge(base, other, base).text == other
    assert merge(base, other, base).clean and merge(base, base, other).clean


@given(text, text, text)
def test_overlaps_are_symmetric_and_clean_merges_agree_up_to_insertion_order(base, a, b):
    ab, ba = merge(base, a, b), merge(base, b, a)
    assert ab.clean == ba.clean
    if ab.clean:
        assert Counter(ab.text.split("\n")) == Counter(ba.text.split("\n"))


@given(text, text, text)
def test_a_clean_merge_loses_no_line_either_side_added(base, a, b):
    result = merge(base, a, b)
    if result.clean:
        merged = Counter(result.text.split("\n"))
        base_count = Counter(base.split("\n"))
        for side in (a, b):
            added = Counter(side.split("\n")) - base_count
            assert not added - merged, (added, merged)


@given(text, text, text)
def test_merged_text_contains_all_of_mine_when_overlapping(base, a, b):
    # Overlaps hold my text, so nothing I typed disappears from my editor.
    result = merge(base, a, b)
    merged = Counter(result.text.split("\n"))
    assert not (Counter(a.split("\n")) - Counter(base.split("\n"))) - merged
