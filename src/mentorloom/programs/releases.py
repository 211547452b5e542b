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
from mentorloom.sessions.insights import linked_addresses
from mentorloom.sessions.selectors import feedback_k

from . import batches
from .models import AnswerBatch, AnswerKind, CohortMove, Program, ReleasedAnswer, Role
from .selectors import published_mentorships, since_publication
from .services import LOW_CHECKIN_SCORE


def _released(kind: str) -> QuerySet[ReleasedAnswer]:
    return ReleasedAnswer.objects.filter(kind=kind).values("answer_id")


def _outcome(reached: bool | None) -> str:
    return {True: "reached", False: "not_reached", None: "not_said"}[reached]


class _Answerers:
    """Who answered and in which cohort, as the release needs it: the cohort a member had when
    the answer was recorded (CohortMove history), and whether their answer may make up k —
    never the program's admins' (their own memberships included) nor accounts at an admin's
    address bar a "+tag": an admin who pairs themself with their own extra account, both
    answering, would otherwise subtract two known answers from a batch of three."""

    def __init__(self, program: Program) -> None:
        admins = program.memberships.filter(role=Role.ADMIN)
        self.admin_ids = {u for u in admins.values_list("user_id", flat=True) if u}
        self.admin_emails = {
            *admins.values_list("email", flat=True),
            *admins.exclude(user=None).values_list("user__email", flat=True),
        }
        self.live = dict(program.memberships.values_list("pk", "cohort"))
        self.moves: dict[int, list[tuple[datetime, str]]] = {}
        for member, moved_at, before in CohortMove.objects.filter(
            membership__program=program
        ).values_list("membership_id", "moved_at", "cohort"):
            self.moves.setdefault(member, []).append((moved_at, before))

    def cohort(self, membership_id: int, when: datetime | None) -> str:
        live = self.live.get(membership_id, "")
        if when is None:
            return live
        return batches.cohort_at(when, live, self.moves.get(membership_id, []))

    def independent(self, user_id: int | None, *emails: str | None) -> bool:
        return user_id not in self.admin_ids and not any(
            linked_addresses(e, admin) for e in emails if e for admin in self.admin_emails
        )


def pending_outcomes(program: Program) -> list[batches.Answer]:
    """Reflections on the program's mentorships written since the pair started, not
    released yet; each in the cohort its mentee had when it was written."""
    published = published_mentorships(program)
    who = _Answerers(program)
    return [
        batches.Answer(
            pk,
            who.cohort(published[m].mentee_id, created_at),
            author,
            _outcome(reached),
            who.independent(author, email),
        )
        for pk, m, author, email, created_at, reached in Reflection.objects.filter(
            mentorship_id__in=list(published)
        )
        .exclude(pk__in=_released(AnswerKind.OUTCOME))
        .order_by("pk")
        .values_list(
            "pk", "mentorship_id", "author_id", "author__email", "created_at", "outcome_reached"
        )
        if since_publication(created_at, published[m])
    ]


def pending_checkins(program: Program) -> list[batches.Answer]:
    """Answered check-ins not released yet, each in the cohort its member had when answering.
    Low scores were already seen one by one (with their note), so they do not make up k."""
    who = _Answerers(program)
    return [
        batches.Answer(
            pk,
            who.cohort(member, answered_at),
            user_id or f"m{member}",
            str(score),
            score > LOW_CHECKIN_SCORE and who.independent(user_id, address, account),
        )
        for pk, member, user_id, address, account, answered_at, score in program.checkins.exclude(
            score=None
        )
        .exclude(pk__in=_released(AnswerKind.CHECKIN))
        .order_by("pk")
        .values_list(
            "pk",
            "membership_id",
            "membership__user_id",
            "membership__email",
            "membership__user__email",
            "answered_at",
            "score",
        )
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
