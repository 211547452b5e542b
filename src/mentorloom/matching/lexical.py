"""Lexical similarity: TF-IDF cosine over an inverted index. Pure numpy, no Django.

This is the meaning signal when the `semantic` extra (torch + packaged MiniLM) is absent,
and the fallback for a mentee whose embedding has not been computed yet. Scores are cosine
similarities in [0, 1] between L2-normalised sublinear TF-IDF vectors, so they blend with the
same weights as embedding cosines after per-query scaling (see ranking.py).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from functools import lru_cache

import numpy as np

_WORD = re.compile(r"[^\W_]+(?:[+#&][^\W_]*)*", re.UNICODE)

# Words that carry no topic: function words plus career boilerplate that appears in almost
# every goal ("get my first job", "move into", "career").
_STOPWORDS_TEXT = """
    a about above after again all also am an and any are as at be because been before being
    between both but by can could did do does doing down during each few for from further had
    has have having he her here hers herself him himself his how i if in into is it its itself
    just me more most my myself no nor not now of off on once only or other our ours ourselves
    out over own same she should so some such than that the their theirs them themselves then
    there these they this those through to too under until up very was we were what when where
    which while who whom why will with would you your yours yourself yourselves
    get getting got want wants wanting like love help helping helps people anyone who'd i'd
    i'm i've it's let's make making new one way ways really actually every lot lots
    become becoming career careers job jobs first move moving moved switch into work working
    role roles
"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())

# Ordered longest first; a suffix is removed only if a stem of at least 3 letters remains.
_SUFFIXES = (
    ("ational", "ate"),
    ("ization", "ize"),
    ("isation", "ise"),
    ("ships", ""),
    ("ship", ""),
    ("ements", ""),
    ("ement", ""),
    ("ments", ""),
    ("ment", ""),
    ("ation", ""),
    ("ings", ""),
    ("ing", ""),
    ("ies", "y"),
    ("ers", ""),
    ("er", ""),
    ("ed", ""),
    ("es", ""),
    ("s", ""),
)


def stem(word: str) -> str:
    """A deliberately small suffix stripper: 'managers', 'management' and 'manage' meet.

    Porter would be better linguistically, but this keeps the base install dependency-free and
    the same rules stem documents and queries, which is what matters for matching.
    """
    if len(word) <= 3 or not word.isalpha():
        return word
    for suffix, replacement in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            if suffix == "s" and word.endswith(("ss", "us", "is")):
                return word
            word = word[: -len(suffix)] + replacement
            break
    # 'manag(e)', 'design(e)' -> one form; drop a trailing 'e' so 'manage' meets 'managing'.
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def tokens(text: str) -> list[str]:
    """Lower-cased, stemmed content words of `text` (stopwords removed)."""
    words = _WORD.findall((text or "").casefold())
    return [stem(w) for w in words if w not in STOPWORDS and len(w) > 1]


@lru_cache(maxsize=65536)
def stems(text: str) -> frozenset[str]:
    """Distinct stems of `text`; cached because topic and goal phrases repeat constantly."""
    return frozenset(tokens(text))


class LexicalIndex:
    """Sublinear TF-IDF vectors of `documents`, stored as postings for sparse dot products.

    `scores(query)` costs O(total postings of the query's terms), not O(documents x vocab),
    so it stays fast at 100k profiles where a dense matrix would not fit.
    """

    def __init__(self, documents: Sequence[str]) -> None:
        self.size = len(documents)
        doc_terms = [Counter(tokens(doc)) for doc in documents]
        df: Counter[str] = Counter()
        for terms in doc_terms:
            df.update(terms.keys())
        # Smoothed idf as in scikit-learn: never zero, so a term shared by all still counts.
        self.idf = {t: math.log((1 + self.size) / (1 + n)) + 1.0 for t, n in df.items()}
        rows: dict[str, list[int]] = {}
        weights: dict[str, list[float]] = {}
        for i, terms in enumerate(doc_terms):
            vec = {t: (1.0 + math.log(c)) * self.idf[t] for t, c in terms.items()}
            norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
            for t, w in vec.items():
                rows.setdefault(t, []).append(i)
                weights.setdefault(t, []).append(w / norm)
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {
            t: (np.asarray(rows[t], dtype=np.int64), np.asarray(weights[t], dtype=np.float32))
            for t in rows
        }

    def query_vector(self, text: str) -> dict[str, float]:
        counts = Counter(t for t in tokens(text) if t in self.idf)
        vec = {t: (1.0 + math.log(c)) * self.idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(w * w for w in vec.values())) or 1.0
        return {t: w / norm for t, w in vec.items()}

    def scores(self, text: str) -> np.ndarray:
        """Cosine similarity of `text` with every document, float32 in [0, 1]."""
        out = np.zeros(self.size, dtype=np.float32)
        for term, weight in self.query_vector(text).items():
            idx, w = self.postings[term]
            out[idx] += weight * w
        return out


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    sa, sb = set(a), set(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / len(sa | sb)
