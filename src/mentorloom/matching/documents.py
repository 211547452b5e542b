"""The text that represents each side of a match. Pure: no Django.

Plain text, the way people wrote it: MiniLM scores clearly better on "headline. bio skills"
than on labelled templates ("Helps with: …. Skills: …."), see docs/matching.md. Each side is
embedded as several vectors: row 0 is the whole document, the other rows are its passages
(mentor: headline, bio sentences, each topic; mentee: each sentence of what they want help with,
each goal and interest). Ranking takes the best passage (max-sim), so one precise topic is not
diluted by a long bio. The content hash of all rows decides whether embeddings are recomputed.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence

_MARKDOWN_NOISE = re.compile(r"[*_`#>\[\]]|\(https?://[^)]*\)")
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+|\n+")
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)
MAX_CHARS = 2000  # MiniLM reads 256 word pieces; longer text only costs time
MAX_PASSAGES = 16  # per profile side: bounds index memory (16 x 384 float16 = 12 KB a mentor)
MAX_PASSAGE_CHARS = 300
HELP_WITH_MAX_CHARS = 1000  # the mentee's "What would you like help with?" field


def clean(text: str) -> str:
    return " ".join(_MARKDOWN_NOISE.sub(" ", text or "").split())


def has_words(text: str) -> bool:
    """True if `text` holds at least one letter of any script (emoji and punctuation do not)."""
    return bool(_LETTER.search(text or ""))


def sentences(text: str) -> list[str]:
    """Sentences of `text` that contain words, each cut to MAX_PASSAGE_CHARS."""
    out = []
    for part in _SENTENCE_END.split(clean_lines(text)):
        part = " ".join(part.split())
        if has_words(part):
            out.append(part[:MAX_PASSAGE_CHARS])
    return out


def clean_lines(text: str) -> str:
    """Markdown noise removed, line breaks kept (they end sentences in bullet lists)."""
    return "\n".join(
        " ".join(_MARKDOWN_NOISE.sub(" ", line).split()) for line in (text or "").split("\n")
    )


def _dedupe(texts: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for t in texts:
        key = t.casefold()
        if t and has_words(t) and key not in seen:
            seen.add(key)
            out.append(t)
    return out


def mentor_document(
    headline: str,
    expertise: str,
    bio: str,
    skills: Iterable[str],
    topics: Iterable[str],
    industries: Iterable[str],
) -> str:
    """Headline, expertise, bio, then the tags as plain comma lists (no labels)."""
    parts = [clean(headline), clean(expertise), clean(bio)]
    for names in (list(skills), list(topics), list(industries)):
        if names:
            parts.append(", ".join(n for n in names if n))
    return ". ".join(p.rstrip(".") for p in parts if p)[:MAX_CHARS]


def mentor_passages(headline: str, bio: str, topics: Iterable[str]) -> list[str]:
    """Headline, each bio sentence, each topic: what max-sim compares a mentee's request with."""
    texts = [clean(headline), *sentences(bio)[:10], *(clean(t) for t in topics)]
    return _dedupe(texts)[:MAX_PASSAGES]


def mentee_document(
    goals: Iterable[str], interests: Iterable[str], help_with: str = "", headline: str = ""
) -> str:
    """What the mentee seeks in their own words, then goals and interests; "" if nothing usable.

    The headline (their current job) is deliberately left out: "Nurse" says where they are, not
    where they want help, and pulled nurses to the top for a nurse who wants to move into IT.
    """
    del headline  # kept in the signature for callers; see the docstring
    goals, interests = _dedupe(goals), _dedupe(interests)
    asked = clean(help_with)[:HELP_WITH_MAX_CHARS] if has_words(help_with) else ""
    parts = [asked, ". ".join(goals), ". ".join(interests)]
    return ". ".join(p.rstrip(".") for p in parts if p)[:MAX_CHARS]


def mentee_passages(
    goals: Iterable[str], interests: Iterable[str], help_with: str = ""
) -> list[str]:
    """Each sentence of the request, each goal, each interest (quoted by the reasons)."""
    asked = sentences(help_with[:HELP_WITH_MAX_CHARS]) if has_words(help_with) else []
    return _dedupe([*asked, *(clean(g) for g in goals), *(clean(i) for i in interests)])[
        :MAX_PASSAGES
    ]


def embedding_texts(document: str, passages: Sequence[str]) -> list[str]:
    """Rows to embed for one side: the document first, then its passages."""
    return [document, *passages] if document else []


def content_hash(model_name: str, text: str | Sequence[str]) -> str:
    joined = text if isinstance(text, str) else "\n".join(text)
    return hashlib.sha256(f"{model_name}\n{joined}".encode()).hexdigest()
