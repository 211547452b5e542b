"""Which private answers go out together, and what released batches add up to (pure).

Private answers (a reflection's outcome, a check-in score) reach the dashboard only in batches
of one cohort covering >= k distinct people, each answer in one batch only. Every figure is a
sum of whole batches, so no difference of two figures comes down to fewer than k people."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Answer:
    id: int
    cohort: str  # the member's label when the answer was recorded (cohort_at): frozen in
    person: Hashable  # who answered: k counts distinct people
    value: str  # the histogram bucket
    # False for an answer the admin already saw one by one (a low check-in score and its
    # note), or one by the program's admins or their "+tag" addresses (they know it): it goes
    # into the histogram but cannot make up k, or knowing it would tell the rest.
    counts_towards_k: bool = True


def cohort_at(when: datetime, live: str, moves: Iterable[tuple[datetime, str]]) -> str:
    """The cohort label a member had at `when`: `moves` are (moved_at, label before the move);
    after the last move, the live label."""
    for moved_at, before in sorted(moves):
        if when < moved_at:
            return before
    return live


def releasable(pending: Iterable[Answer], k: int) -> dict[str, list[Answer]]:
    """Cohort label -> all its pending answers, for each cohort whose pending answers that
    count towards k come from >= k distinct people. The others wait for more answers."""
    by_cohort: dict[str, list[Answer]] = {}
    for answer in pending:
        by_cohort.setdefault(answer.cohort, []).append(answer)
    return {
        cohort: answers
        for cohort, answers in by_cohort.items()
        if len({a.person for a in answers if a.counts_towards_k}) >= max(k, 1)
    }


def histogram(answers: Iterable[Answer]) -> dict[str, int]:
    return dict(Counter(a.value for a in answers))


def total(counts: Iterable[Mapping[str, int]]) -> Counter[str]:
    """The sum of released batches' counts (bad stored values count as nothing)."""
    summed: Counter[str] = Counter()
    for c in counts:
        summed.update({str(key): n for key, n in c.items() if isinstance(n, int) and n > 0})
    return summed


def score_mean(counts: Mapping[str, int]) -> float | None:
    """Mean check-in score of a score -> count histogram (None when empty)."""
    scored = [(int(s), n) for s, n in counts.items() if s.isdigit() and n > 0]
    answers = sum(n for _, n in scored)
    return round(sum(s * n for s, n in scored) / answers, 2) if answers else None
