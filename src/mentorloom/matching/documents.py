"""The text that represents each side of a match. Pure: no Django.

Mentor side: what they offer (headline, expertise, bio, skills, topics, industries).
Mentee side: what they seek (career goals, interests, then the headline for context).
The content hash of this text decides whether an embedding must be recomputed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

_MARKDOWN_NOISE = re.compile(r"[*_`#>\[\]]|\(https?://[^)]*\)")
MAX_CHARS = 2000  # MiniLM reads 256 word pieces; longer text only costs time


def _clean(text: str) -> str:
    return " ".join(_MARKDOWN_NOISE.sub(" ", text or "").split())


def _sentence(label: str, names: Iterable[str]) -> str:
    names = [n for n in names if n]
    return f"{label}: {', '.join(names)}." if names else ""


def mentor_document(
    headline: str,
    expertise: str,
    bio: str,
    skills: Iterable[str],
    topics: Iterable[str],
    industries: Iterable[str],
) -> str:
    parts = [
        _clean(headline),
        _sentence("Helps with", topics),
        _sentence("Expertise", [expertise] if expertise else []),
        _sentence("Skills", skills),
        _sentence("Industries", industries),
        _clean(bio),
    ]
    return " ".join(p for p in parts if p)[:MAX_CHARS]


def mentee_document(goals: Iterable[str], interests: Iterable[str], headline: str = "") -> str:
    goals, interests = list(goals), list(interests)
    if not goals and not interests:
        return ""  # nothing to match on: the page asks for career goals instead
    parts = [_sentence("Goals", goals), _sentence("Interests", interests), _clean(headline)]
    return " ".join(p for p in parts if p)[:MAX_CHARS]


def content_hash(model_name: str, text: str) -> str:
    return hashlib.sha256(f"{model_name}\n{text}".encode()).hexdigest()
