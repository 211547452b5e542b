"""Text for full-text search: normalising, tokenising, typo tolerance. Pure: no Django.

Both backends index text that went through `normalise` (lower case, accents removed), so SQLite
FTS5 and PostgreSQL's 'simple' configuration see the same words and a query behaves the same
on either database.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass

MAX_QUERY_LENGTH = 200
MAX_QUERY_TERMS = 8
_WORD = re.compile(r"[^\W_]+")

# Words that carry no meaning in a search for a mentor; dropped from queries (never indexed
# differently), otherwise "help in design" would require the word "in".
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "has",
        "have",
        "i",
        "in",
        "into",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "the",
        "to",
        "with",
        "want",
        "would",
        "like",
        "looking",
        "need",
        "get",
        "getting",
        "your",
        "you",
        "i'm",
        "im",
    ]
)
# Career phrasing that says nothing about the subject: "Get my FIRST data analyst JOB".
GOAL_FILLER = STOPWORDS | frozenset(
    [
        "become",
        "becoming",
        "first",
        "find",
        "finding",
        "job",
        "jobs",
        "role",
        "roles",
        "career",
        "careers",
        "move",
        "moving",
        "learn",
        "learning",
        "start",
        "starting",
        "land",
        "landing",
        "build",
        "building",
        "make",
        "making",
        "switch",
        "into",
        "from",
        "new",
        "own",
        "some",
        "more",
        "how",
        "what",
        "do",
    ]
)


def normalise(text: str) -> str:
    """Lower case without accents: 'São Paulo Résumé' -> 'sao paulo resume'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return stripped.casefold()


def tokens(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def query_terms(q: str) -> list[str]:
    """Meaningful, distinct words of a search box entry, in order (at most MAX_QUERY_TERMS)."""
    seen: list[str] = []
    for word in tokens(q):
        if word not in STOPWORDS and word not in seen:
            seen.append(word)
    return seen[:MAX_QUERY_TERMS]


def goal_keywords(goal: str) -> list[str]:
    """The subject words of a career goal or interest: 'Get my first data analyst job' ->
    ['data', 'analyst']. A mentor matches a goal when any of these words begins a word in
    their skills, topics, industries, expertise or interests."""
    words = [w for w in tokens(goal) if w not in GOAL_FILLER and len(w) > 1]
    return list(dict.fromkeys(words))


def edit_distance(a: str, b: str, limit: int) -> int:
    """Edit distance counting a swap of neighbours as one edit ('pyhton' -> 'python'), as
    typists make them (optimal string alignment). Gives up with limit + 1 once it must exceed
    `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    before: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cost = min(cost, before[j - 2] + 1)
            current.append(cost)
        if min(current) > limit:
            return limit + 1
        before, previous = previous, current
    return min(previous[-1], limit + 1)


def typo_budget(word: str) -> int:
    """How many edits a word may have: none for short words, where typos mean other words."""
    if len(word) < 4:
        return 0
    return 1 if len(word) < 8 else 2


@dataclass(frozen=True)
class Term:
    """One word of the query: matched as a prefix, plus close spellings when it has no hits."""

    word: str
    alternatives: tuple[str, ...] = ()


def expand_terms(
    words: Iterable[str],
    has_prefix: Callable[[str], bool],
    candidates: Callable[[str], Iterable[str]],
) -> list[Term]:
    """Typo tolerance: a word that begins no indexed word is widened to indexed words within
    its edit budget (compared against the same-length prefix, so typing 'kuberne' still
    finds 'kubernetes' and 'pyhton' finds 'python')."""
    terms = []
    for word in words:
        if has_prefix(word) or typo_budget(word) == 0:
            terms.append(Term(word))
            continue
        budget = typo_budget(word)
        close: dict[str, int] = {}
        for known in candidates(word):
            distance = min(
                edit_distance(word, known, budget), edit_distance(word, known[: len(word)], budget)
            )
            if distance <= budget:
                close[known] = distance
        best = sorted(close, key=lambda k: (close[k], k))[:5]
        terms.append(Term(word, tuple(best)))
    return terms
