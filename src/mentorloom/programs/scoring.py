"""Program match scores and their reasons: pure, no Django.

A pair's score is the weighted mean of criteria in [0, 1]: each choice question the program
asks (shared answers over all answers, Jaccard), time-zone closeness and, when both people have
a stored profile embedding, how alike the mentee's goals and the mentor's expertise read (the
cosine of the two unit vectors, below 0 counted as 0). Weights come from the program's
`criteria` ({"<question key>": w, "zone": w, "meaning": w}); unlisted questions weigh 1. A
pair without both vectors is scored on the other criteria alone, exactly as before.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

ZONE_WEIGHT = 0.5
MEANING_WEIGHT = 1.0
# A cosine from this up reads as a reason: MiniLM puts profiles saying the same thing in other
# words around 0.35-0.8 and unrelated ones near 0-0.2.
MEANING_REASON = 0.35


@dataclass(frozen=True)
class Person:
    answers: Mapping[str, object] = field(default_factory=dict)
    utc_offset_hours: float | None = None
    # Unit-length embedding of the person's profile (mentee side for a mentee, mentor side for
    # a mentor), None when there is none.
    vector: np.ndarray | None = field(default=None, compare=False)


def meaning(a: np.ndarray | None, b: np.ndarray | None) -> float | None:
    """Cosine of two unit vectors clipped to [0, 1]; None when either is missing."""
    if a is None or b is None or len(a) != len(b):
        return None
    return min(1.0, max(0.0, float(np.dot(a, b))))


def _choices(value: object) -> frozenset[str]:
    if value is None or value == "":
        return frozenset()
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(str(v) for v in value)
    return frozenset({str(value)})


def _choice_questions(questions: Sequence[Mapping]) -> list[Mapping]:
    return [q for q in questions if q.get("kind") in ("single", "multi")]


def pair_score(
    mentee: Person, mentor: Person, questions: Sequence[Mapping], criteria: Mapping[str, float]
) -> tuple[float, list[str]]:
    """(score in [0, 1], reasons best first) for one pair."""
    total = weight_sum = 0.0
    reasons: list[tuple[float, str]] = []
    for q in _choice_questions(questions):
        w = float(criteria.get(q["key"], 1.0))
        a, b = _choices(mentee.answers.get(q["key"])), _choices(mentor.answers.get(q["key"]))
        if w <= 0:
            continue
        # An unanswered question counts as no overlap, so a blank profile never ranks first.
        weight_sum += w
        shared = a & b
        if not shared:
            continue
        total += w * len(shared) / len(a | b)
        if shared:
            reasons.append(
                (w, f"{q.get('label', q['key'])}: both chose {', '.join(sorted(shared))}")
            )
    w = float(criteria.get("zone", ZONE_WEIGHT))
    if w > 0 and mentee.utc_offset_hours is not None and mentor.utc_offset_hours is not None:
        gap = abs(mentee.utc_offset_hours - mentor.utc_offset_hours)
        gap = min(gap, 24 - gap)
        total += w * (1 - min(gap, 12) / 12)
        weight_sum += w
        if gap <= 2:
            reasons.append((w, "Same time zone" if gap == 0 else f"{gap:g} h apart"))
    w = float(criteria.get("meaning", MEANING_WEIGHT))
    alike = meaning(mentee.vector, mentor.vector) if w > 0 else None
    if alike is not None:
        total += w * alike
        weight_sum += w
        if alike >= MEANING_REASON:
            reasons.append((w * alike, "Goals and experience read alike"))
    score = total / weight_sum if weight_sum else 0.0
    return score, [text for _, text in sorted(reasons, key=lambda r: -r[0])]


def score_matrix(
    mentees: Sequence[Person],
    mentors: Sequence[Person],
    questions: Sequence[Mapping],
    criteria: Mapping[str, float],
) -> np.ndarray:
    out = np.zeros((len(mentees), len(mentors)))
    for i, a in enumerate(mentees):
        for j, b in enumerate(mentors):
            out[i, j] = pair_score(a, b, questions, criteria)[0]
    return out


def shown_score(score: float) -> float:
    """A match score as people see it (API and pages): 2 decimals. The full float moved with
    the smallest change in one member's text, so repeated runs could measure it."""
    return round(score, 2)
