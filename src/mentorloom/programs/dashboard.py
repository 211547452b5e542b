"""Program dashboard figures, read across the mentorships the program started.

Feedback figures follow the trust rule of sessions' releases: only released FeedbackBatch rows
(each >= k distinct mentees) are summed, whole, and a trait figure is shown only when the
batches together cover >= k distinct mentees; otherwise it is withheld."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass

from mentorloom.mentorships.models import Goal, Mentorship, MentorshipRequest, Reflection
from mentorloom.scheduling.models import Session, SessionStatus
from mentorloom.sessions.models import FeedbackBatch
from mentorloom.sessions.selectors import feedback_k

from .models import Program, ProposedPair, Role, RunStatus

CHARTS = (
    "requests",
    "mentorships",
    "sessions_per_week",
    "no_shows",
    "goal_progress",
    "feedback_traits",
    "checkins",
    "outcomes",
)


@dataclass
class Chart:
    key: str
    title: str
    points: list[tuple[str, float]]
    note: str = ""


def _mentorship_ids(program: Program) -> list[int]:
    return list(
        ProposedPair.objects.filter(run__program=program, run__status=RunStatus.PUBLISHED)
        .exclude(mentorship=None)
        .values_list("mentorship_id", flat=True)
    )


def _user_ids(program: Program, role: str) -> list[int]:
    return list(
        program.memberships.filter(role=role).exclude(user=None).values_list("user_id", flat=True)
    )


def chart(program: Program, key: str) -> Chart:
    ids = _mentorship_ids(program)
    if key == "requests":
        requests = MentorshipRequest.objects.filter(
            mentor_id__in=_user_ids(program, Role.MENTOR),
            mentee_id__in=_user_ids(program, Role.MENTEE),
        )
        waits = [
            (r.first_response_at - r.created_at).total_seconds() / 3600
            for r in requests.exclude(first_response_at=None)
        ]
        median = statistics.median(waits) if waits else 0.0
        return Chart(
            key,
            "Requests answered",
            [("answered", len(waits)), ("open or expired", requests.count() - len(waits))],
            note=f"Median first response: {median:.1f} h" if waits else "No answered requests",
        )
    if key == "mentorships":
        counts = Counter(Mentorship.objects.filter(pk__in=ids).values_list("status", flat=True))
        return Chart(key, "Mentorships by status", sorted(counts.items()))
    if key == "sessions_per_week":
        weeks = Counter(
            s.isocalendar()[:2]
            for s in Session.objects.filter(
                mentorship_id__in=ids, status=SessionStatus.COMPLETED
            ).values_list("starts_at", flat=True)
        )
        return Chart(
            key,
            "Sessions held per week",
            [(f"{y}-W{w:02d}", c) for (y, w), c in sorted(weeks.items())],
        )
    if key == "no_shows":
        counts = Counter(
            Session.objects.filter(mentorship_id__in=ids).values_list("status", flat=True)
        )
        return Chart(
            key,
            "Sessions and no-shows",
            [
                ("held", counts.get(SessionStatus.COMPLETED, 0)),
                ("no-show", counts.get(SessionStatus.NO_SHOW, 0)),
            ],
        )
    if key == "goal_progress":
        buckets = Counter(
            min(p // 25, 3)
            for p in Goal.objects.filter(mentorship_id__in=ids).values_list("progress", flat=True)
        )
        labels = ("0-24%", "25-49%", "50-74%", "75-100%")
        return Chart(key, "Goal progress", [(labels[b], buckets.get(b, 0)) for b in range(4)])
    if key == "feedback_traits":
        return _feedback(program)
    if key == "checkins":
        scores = Counter(program.checkins.exclude(score=None).values_list("score", flat=True))
        return Chart(key, "Check-in scores", [(str(s), scores.get(s, 0)) for s in range(1, 6)])
    if key == "outcomes":
        # Reflections are private: only the program-wide count, and only from k of them up.
        answers = list(
            Reflection.objects.filter(mentorship_id__in=ids).values_list(
                "outcome_reached", flat=True
            )
        )
        if len(answers) < feedback_k():
            return Chart(
                key,
                "End-of-mentorship outcomes",
                [],
                note=f"Withheld until at least {feedback_k()} mentorships have ended.",
            )
        counts = Counter(answers)
        return Chart(
            key,
            "End-of-mentorship outcomes",
            [("reached", counts[True]), ("not reached", counts[False]), ("not said", counts[None])],
        )
    raise KeyError(key)


def _feedback(program: Program) -> Chart:
    batches = FeedbackBatch.objects.filter(mentor_id__in=_user_ids(program, Role.MENTOR))
    raters: set[int] = set()
    sums: Counter[str] = Counter()
    counts = 0
    for batch in batches:
        raters.update(batch.mentee_ids)
        sums.update(batch.sums)
        counts += batch.ratings
    k = feedback_k()
    if len(raters) < k or not counts:
        return Chart(
            "feedback_traits",
            "Feedback trait averages",
            [],
            note=f"Withheld until ratings from at least {k} mentees are released.",
        )
    return Chart(
        "feedback_traits",
        "Feedback trait averages",
        [(trait, round(total / counts, 2)) for trait, total in sorted(sums.items())],
        note=f"From {len(raters)} mentees' released ratings.",
    )


def charts(program: Program) -> list[Chart]:
    return [chart(program, key) for key in CHARTS]
