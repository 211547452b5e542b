"""Writes for answer releases: the only way private answers reach a program's dashboard.

A reflection's outcome (private to its author) and a check-in score (above 2 it reaches admins
only in aggregate) used to be counted live, per figure, from k answers up. Differencing figures
gave one person's answer away: the program-wide count minus the cohorts shown, a cohort read
with and without a member moved in by re-importing the CSV, a figure before and after one more
answer. `release_answers` instead sends them out in immutable `AnswerBatch`es of one cohort
and >= k distinct people, each answer once; every figure is a sum of whole batches.
See docs/programs.md, "Dashboard figures from private answers".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from mentorloom.mentorships.models import Reflection
from mentorloom.sessions.selectors import feedback_k

from . import batches
from .models import AnswerBatch, AnswerKind, Program, ReleasedAnswer
from .selectors import published_mentorships, since_publication
from .services import LOW_CHECKIN_SCORE


def _released(kind: str) -> QuerySet[ReleasedAnswer]:
    return ReleasedAnswer.objects.filter(kind=kind).values("answer_id")


def _outcome(reached: bool | None) -> str:
    return {True: "reached", False: "not_reached", None: "not_said"}[reached]


def pending_outcomes(program: Program) -> list[batches.Answer]:
    """Reflections on the program's mentorships written since the pair started, not
    released yet; each in its mentee's cohort as it is now."""
    published = published_mentorships(program)
    cohort_of = dict(program.memberships.values_list("pk", "cohort"))
    return [
        batches.Answer(pk, cohort_of.get(published[m].mentee_id, ""), author, _outcome(reached))
        for pk, m, author, created_at, reached in Reflection.objects.filter(
            mentorship_id__in=list(published)
        )
        .exclude(pk__in=_released(AnswerKind.OUTCOME))
        .order_by("pk")
        .values_list("pk", "mentorship_id", "author_id", "created_at", "outcome_reached")
        if since_publication(created_at, published[m])
    ]


def pending_checkins(program: Program) -> list[batches.Answer]:
    """Answered check-ins not released yet, each in its member's cohort as it is now. Low
    scores were already seen one by one (with their note), so they do not make up k."""
    return [
        batches.Answer(pk, cohort, user_id or f"m{member}", str(score), score > LOW_CHECKIN_SCORE)
        for pk, member, user_id, cohort, score in program.checkins.exclude(score=None)
        .exclude(pk__in=_released(AnswerKind.CHECKIN))
        .order_by("pk")
        .values_list("pk", "membership_id", "membership__user_id", "membership__cohort", "score")
    ]


def _release(
    program: Program, kind: str, pending: Iterable[batches.Answer], k: int, now: datetime
) -> int:
    released = 0
    for cohort, answers in batches.releasable(pending, k).items():
        batch = AnswerBatch.objects.create(
            program=program,
            cohort=cohort,
            kind=kind,
            counts=batches.histogram(answers),
            size=len(answers),
            released_at=now,
        )
        ReleasedAnswer.objects.bulk_create(
            ReleasedAnswer(batch=batch, kind=kind, answer_id=a.id) for a in answers
        )
        released += 1
    return released


def release_answers(program: Program, *, now: datetime | None = None, k: int | None = None) -> int:
    """Release the program's pending outcomes and check-ins, per cohort, as batches of >= k
    distinct people; returns the number of batches. Fewer than k in a cohort: they wait.

    Holds the program's row lock, so two concurrent calls cannot release the same answers (the
    second sees the first's ReleasedAnswer rows; their unique (kind, answer_id) backs it up).
    Side effects: AnswerBatch and ReleasedAnswer rows only; no notifications."""
    now = now or timezone.now()
    k = k or feedback_k()
    with transaction.atomic():
        program = Program.objects.select_for_update().get(pk=program.pk)
        return _release(program, AnswerKind.OUTCOME, pending_outcomes(program), k, now) + _release(
            program, AnswerKind.CHECKIN, pending_checkins(program), k, now
        )


def release_all_answers(now: datetime | None = None) -> int:
    """Periodic: `release_answers` for every program, each in its own transaction."""
    return sum(
        release_answers(program, now=now) for program in Program.objects.order_by("pk").only("pk")
    )
