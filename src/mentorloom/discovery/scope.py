"""Whom the directory and the recommendations may list for a viewer, and inside which program.

Programs (layer 5) decide it: a private program shows only its own people, and people who came
to Mentorloom only through a private program are not listed outside it (docs/programs.md,
"Private programs"). Discovery and matching sit below programs, so they ask through the
`directory_scope` hook, which ProgramsConfig.ready() connects. Without a listener nothing is
restricted and `?program=` is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import Http404

from mentorloom.core.hooks import Hook

# listener(viewer, program_id: int | None) -> DirectoryScope | None; raises Http404 for a
# program the viewer may not search in.
directory_scope = Hook("discovery.directory_scope")

MAX_ID = 2**63 - 1


@dataclass(frozen=True)
class DirectoryScope:
    only_user_ids: frozenset[int] | None = None  # list no one else (None: no such limit)
    hidden_user_ids: frozenset[int] = frozenset()  # never list these
    program_id: int | None = None
    label: str = ""  # the program's name, for the "In: <name>" chip

    def allows(self, user_id: int) -> bool:
        if user_id in self.hidden_user_ids:
            return False
        return self.only_user_ids is None or user_id in self.only_user_ids


UNRESTRICTED = DirectoryScope()


def scope_for(viewer: Any, program_id: int | None = None) -> DirectoryScope:
    """The scope for `viewer`, inside program `program_id` or in the whole directory.

    Every listener's answer applies (only-sets intersect, hidden sets add up). Http404 when
    the program is not one the viewer may search in, or when nobody answers for a program."""
    answers = [a for a in directory_scope(viewer, program_id) if a is not None]
    if program_id is not None and not any(a.program_id == program_id for a in answers):
        raise Http404("No such program.")
    only: frozenset[int] | None = None
    hidden: frozenset[int] = frozenset()
    label = ""
    for answer in answers:
        if answer.only_user_ids is not None:
            only = answer.only_user_ids if only is None else only & answer.only_user_ids
        hidden |= answer.hidden_user_ids
        label = label or answer.label
    return DirectoryScope(only, hidden, program_id, label)


def program_param(raw: str | None) -> int | None:
    """`?program=<id>`: None when absent; Http404 when not an id (like a page URL's <id:>)."""
    raw = (raw or "").strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        raise Http404("No such program.")
    return int(raw)
