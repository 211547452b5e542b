"""Word-level differences between two agreement versions (pure: no Django)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

_TOKENS = re.compile(r"\s+|\S+")


@dataclass(frozen=True)
class FieldDiff:
    name: str
    label: str
    before: str
    after: str
    # (op, text): op is "same", "del" or "ins" — rendered as plain text, <del> and <ins>.
    segments: list[tuple[str, str]]


def word_diff(before: str, after: str) -> list[tuple[str, str]]:
    a, b = _TOKENS.findall(before), _TOKENS.findall(after)
    out: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(("same", "".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("del", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("ins", "".join(b[j1:j2])))
    return out


def diff_versions(
    before: dict[str, str], after: dict[str, str], fields: list[tuple[str, str]]
) -> list[FieldDiff]:
    """The fields that changed, in agreement order, each with its word diff."""
    changes = []
    for name, label in fields:
        old, new = before.get(name, ""), after.get(name, "")
        if old != new:
            changes.append(FieldDiff(name, label, old, new, word_diff(old, new)))
    return changes
