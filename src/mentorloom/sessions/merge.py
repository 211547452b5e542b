"""Line-level three-way merge for shared notes and agenda text (pure: no Django).

Two people edit the same text from a common `base`; `merge(base, mine, theirs)` keeps both
sides' changes when they touch different lines and reports only the lines both changed
differently as overlaps. Insertions at the same point are both kept (theirs first: it was
saved first), because nothing either person wrote is overwritten. The browser runs the same
algorithm (static/mentorloom/js/notes_merge.js), so what the page merges live and what the
server merges on save agree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher

# A change one side made to base: lines [start, end) of base became `lines`.
Hunk = tuple[int, int, list[str], str]  # (start, end, lines, side)


@dataclass(frozen=True)
class Overlap:
    """A stretch of base both sides changed differently (text joined with newlines)."""

    base: str
    mine: str
    theirs: str


@dataclass(frozen=True)
class MergeResult:
    """The merged text; overlapping stretches hold *mine* and are listed in `overlaps`."""

    text: str
    overlaps: list[Overlap] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.overlaps


def _lines(text: str) -> list[str]:
    # split("\n") keeps the trailing-newline state as a final "" line, so appending after a last
    # line without a newline is an insertion, not a change of that line.
    return text.split("\n")


def _hunks(base: list[str], other: list[str], side: str) -> list[Hunk]:
    matcher = SequenceMatcher(None, base, other, autojunk=False)
    return [
        (i1, i2, other[j1:j2], side)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def _joins(hunk: Hunk, lo: int, hi: int) -> bool:
    start, end = hunk[0], hunk[1]
    if start == end:  # an insertion joins a group it falls inside or that inserts at the same point
        return lo < start < hi or (lo == hi == start)
    return start < hi and lo < end


def _apply(base: list[str], lo: int, hi: int, hunks: list[Hunk]) -> list[str]:
    out: list[str] = []
    cursor = lo
    for start, end, lines, _side in hunks:
        out.extend(base[cursor:start])
        out.extend(lines)
        cursor = end
    out.extend(base[cursor:hi])
    return out


def merge(base: str, mine: str, theirs: str) -> MergeResult:
    """Three-way merge of `mine` and `theirs`, both edited from `base`."""
    if mine == theirs or theirs == base:
        return MergeResult(mine)
    if mine == base:
        return MergeResult(theirs)
    base_lines = _lines(base)
    hunks = sorted(
        _hunks(base_lines, _lines(mine), "mine") + _hunks(base_lines, _lines(theirs), "theirs"),
        # Same start: insertions before replacements, theirs before mine.
        key=lambda h: (h[0], h[1] != h[0], h[1], h[3] != "theirs"),
    )
    groups: list[tuple[int, int, list[Hunk]]] = []
    for hunk in hunks:
        if groups and _joins(hunk, groups[-1][0], groups[-1][1]):
            lo, hi, members = groups[-1]
            groups[-1] = (min(lo, hunk[0]), max(hi, hunk[1]), [*members, hunk])
        else:
            groups.append((hunk[0], hunk[1], [hunk]))

    out: list[str] = []
    overlaps: list[Overlap] = []
    cursor = 0
    for lo, hi, members in groups:
        out.extend(base_lines[cursor:lo])
        cursor = hi
        mine_h = [h for h in members if h[3] == "mine"]
        theirs_h = [h for h in members if h[3] == "theirs"]
        mine_part = _apply(base_lines, lo, hi, mine_h)
        theirs_part = _apply(base_lines, lo, hi, theirs_h)
        if not mine_h or not theirs_h or mine_part == theirs_part:
            out.extend(mine_part if mine_h else theirs_part)
        elif lo == hi:  # both inserted at the same point: keep both, theirs (saved first) first
            out.extend(theirs_part + mine_part)
        else:
            overlaps.append(
                Overlap(
                    base="\n".join(base_lines[lo:hi]),
                    mine="\n".join(mine_part),
                    theirs="\n".join(theirs_part),
                )
            )
            out.extend(mine_part)
    out.extend(base_lines[cursor:])
    return MergeResult("\n".join(out), overlaps)
