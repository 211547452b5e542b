"""Whole-phrase matching between a mentee's words and a mentor's tags. Pure: no Django.

A mentor tag ("Public speaking", "Negotiating a job offer") matches when the same words, up to
inflection, appear together in the mentee's goals, interests or free text ("I'm terrified of
public speaking"). Stopwords and two-letter words never match on their own ("Go" the
language is not "go" the verb), and each match is weighted by how rare the tag is among mentors
(IDF), so a generic one-word tag cannot decide a ranking. Reasons quote the mentee's exact
words and the mentor's whole tag.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping

from .lexical import STOPWORDS, stem

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
MAX_WORDS = 6  # longest tag phrase looked for in free text (content words)
# Skipped inside a phrase: "negotiating a job offer" and "negotiating job offers" are one phrase.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "for",
        "to",
        "in",
        "on",
        "at",
        "and",
        "or",
        "with",
        "my",
        "your",
        "our",
        "their",
    ]
)


def _words(text: str) -> list[str]:
    return _WORD.findall((text or "").casefold())


def phrase_key(text: str) -> str:
    """'Negotiating a job offer' -> 'negotiat job offer': stems of the content words, in order."""
    return " ".join(stem(w) for w in _words(text) if w not in FUNCTION_WORDS)


def matchable(key: str) -> bool:
    """Can this tag match on its own? Multi-word tags yes; one word only if specific enough."""
    words = key.split()
    if not words or len(words) > MAX_WORDS:
        return False
    if len(words) > 1:
        return any(w not in STOPWORDS for w in words)
    word = words[0]
    return len(word) >= 3 and word not in STOPWORDS and not word.isdigit()


def phrases_in(text: str) -> dict[str, str]:
    """Every run of 1..MAX_WORDS consecutive content words of `text` (function words between
    them allowed) as phrase key -> the words as written, from its first to its last word."""
    matches = [m for m in _WORD.finditer(text or "") if m.group(0).casefold() not in FUNCTION_WORDS]
    stems = [stem(m.group(0).casefold()) for m in matches]
    found: dict[str, str] = {}
    for i in range(len(matches)):
        for n in range(1, MAX_WORDS + 1):
            if i + n > len(matches):
                break
            key = " ".join(stems[i : i + n])
            if key not in found:
                found[key] = text[matches[i].start() : matches[i + n - 1].end()]
    return found


def query_phrases(
    goals: Iterable[str], interests: Iterable[str], help_with: str
) -> dict[str, tuple[str, str]]:
    """Phrase key -> (where it came from: 'goal' / 'interest' / 'help', the mentee's words).

    A phrase inside a goal or interest is quoted as the whole goal or interest (the mentee's
    own tag); a phrase of the free text as the words written. Goals win over interests,
    interests over free text.
    """
    out: dict[str, tuple[str, str]] = {}
    for source, texts in (("goal", goals), ("interest", interests)):
        for text in texts:
            out.setdefault(phrase_key(text), (source, text))
    for source, texts in (("goal", goals), ("interest", interests)):
        for text in texts:
            for key in phrases_in(text):
                out.setdefault(key, (source, text))
    for key, words in phrases_in(help_with).items():
        out.setdefault(key, ("help", words))
    return out


def idf(document_frequency: int, size: int) -> float:
    """Rarity of a tag among `size` mentors in (0, 1]: 1 for a tag only one mentor has."""
    if size <= 1:
        return 1.0
    return math.log(1 + size / max(document_frequency, 1)) / math.log(1 + size)


def best_tag_match(
    phrases: Mapping[str, tuple[str, str]], tags: Iterable[str], sources: Iterable[str]
) -> tuple[str, str, str] | None:
    """(source, mentee's words, mentor's tag) for the longest tag matching a phrase from one of
    `sources`, or None. Longest first: "Negotiating a job offer" beats "Job offer"."""
    allowed = set(sources)
    best: tuple[int, tuple[str, str, str]] | None = None
    for tag in tags:
        key = phrase_key(tag)
        hit = phrases.get(key)
        if hit is None or hit[0] not in allowed or not matchable(key):
            continue
        size = len(key.split())
        if best is None or size > best[0]:
            best = (size, (hit[0], hit[1], tag))
    return best[1] if best else None
