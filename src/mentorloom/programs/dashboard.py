"""Program dashboard figures, read across the mentorships the program started (and requests
its mentors and mentees made while in it), never from its people's activity elsewhere.

Feedback figures follow the trust rule of sessions' releases: only released FeedbackBatch rows
(each >= k distinct mentees) are summed, whole, and a trait figure is shown only when the
batches together cover >= k distinct mentees; otherwise it is withheld. Outcomes and check-in
scores likewise come only from released AnswerBatch rows (programs.releases), summed whole.

A pair the program started may be linked to a mentorship they already had: only what
happened from the pair's start on counts (at publication, or when the second of the two
joined: `ProposedPair.started_at`; sessions starting, goals and reflections created, feedback
on sessions starting since then)."""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, OuterRef, QuerySet, Subquery

from mentorloom.mentorships.models import (
    Goal,
    Mentorship,
    MentorshipRequest,
    MentorshipStatus,
)
from mentorloom.scheduling.models import Session, SessionStatus
from mentorloom.sessions.models import TRAITS, FeedbackBatch, TraitFeedback
from mentorloom.sessions.selectors import feedback_k

from . import batches
from .models import AnswerKind, Program, Role
from .selectors import PublishedMentorship, published_mentorships, since_publication

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


Published = dict[int, PublishedMentorship]


def released_note(k: int) -> str:
    return f"From answers released in batches of at least {k} people."


def _sessions(published: Published) -> list[tuple[int, datetime, str]]:
    """(mentorship, starts_at, status) of sessions in the program's mentorships since their
    pair started."""
    return [
        (m, starts_at, status)
        for m, starts_at, status in Session.objects.filter(
            mentorship_id__in=list(published)
        ).values_list("mentorship_id", "starts_at", "status")
        if since_publication(starts_at, published[m])
    ]


def _goal_progress(published: Published) -> list[tuple[int, int]]:
    """(mentorship, progress) of the shared goals created since the pair started (a
    private goal is its owner's alone: not even the other participant sees it)."""
    return [
        (m, progress)
        for m, created_at, progress in Goal.objects.filter(
            mentorship_id__in=list(published), is_private=False
        ).values_list("mentorship_id", "created_at", "progress")
        if since_publication(created_at, published[m])
    ]


def _released(program: Program, kind: str) -> list[tuple[str, dict[str, int]]]:
    """(cohort label, counts) of the program's released answer batches of one kind."""
    return [
        (cohort or NO_COHORT, counts if isinstance(counts, dict) else {})
        for cohort, counts in program.answer_batches.filter(kind=kind).values_list(
            "cohort", "counts"
        )
    ]


def _released_by_cohort(program: Program, kind: str) -> dict[str, list[dict[str, int]]]:
    """Cohort label -> the counts of each batch of one kind released with that label."""
    by_cohort: dict[str, list[dict[str, int]]] = {}
    for label, counts in _released(program, kind):
        by_cohort.setdefault(label, []).append(counts)
    return by_cohort


def _released_chart(
    program: Program,
    kind: str,
    key: str,
    title: str,
    *,
    k: int,
    withheld: str,
    points: Callable[[Counter[str]], list[tuple[str, float]]],
) -> Chart:
    """A chart of the program's released answer batches of one kind, all cohorts together,
    withheld until they hold the answers of at least k people (`withheld` names them)."""
    counts = batches.total(c for _, c in _released(program, kind))
    if sum(counts.values()) < k:
        note = f"Withheld until {withheld} of at least {k} people are released."
        return Chart(key, title, [], note=note)
    return Chart(key, title, points(counts), note=released_note(k))


def _outcome_points(counts: Counter[str]) -> list[tuple[str, float]]:
    return [
        ("reached", counts["reached"]),
        ("not reached", counts["not_reached"]),
        ("not said", counts["not_said"]),
    ]


def _user_ids(program: Program, role: str) -> list[int]:
    """The accounts that joined the program in `role`."""
    joined = program.memberships.filter(role=role).exclude(user=None).exclude(joined_at=None)
    return list(joined.values_list("user_id", flat=True))


def _joined(program: Program, role: str, user_field: str) -> Subquery:
    return Subquery(
        program.memberships.filter(role=role, user_id=OuterRef(user_field))
        .exclude(joined_at=None)
        .order_by("joined_at")
        .values("joined_at")[:1]
    )


def _program_requests(program: Program) -> QuerySet[MentorshipRequest]:
    """Requests a program mentor and mentee made while both were in the program: since both
    joined it. Requests carry no program, so a request from before either joined is private to
    the two of them: adding two existing addresses must not tell the admin that one once asked
    the other."""
    return (
        MentorshipRequest.objects.filter(
            mentor_id__in=_user_ids(program, Role.MENTOR),
            mentee_id__in=_user_ids(program, Role.MENTEE),
        )
        .annotate(
            mentor_joined=_joined(program, Role.MENTOR, "mentor_id"),
            mentee_joined=_joined(program, Role.MENTEE, "mentee_id"),
        )
        .filter(created_at__gte=F("mentor_joined"))
        .filter(created_at__gte=F("mentee_joined"))
    )


def _program_batches(published: Published) -> list[FeedbackBatch]:
    """Released feedback batches given within the program's own mentorships: the batch's mentor
    and every mentee it covers are a pair the program started, and each of its ratings was on
    a session of such a mentorship starting after the pair started. Whole batches only
    (the sessions' trust rule), so a batch that mixes in ratings from outside the program is
    left out entirely: a mentor imported alone must not reveal their platform-wide averages,
    nor a pair re-published their earlier ratings."""
    pairs = set(
        Mentorship.objects.filter(pk__in=list(published))
        .exclude(mentor=None)
        .values_list("mentor_id", "mentee_id")
    )
    if not pairs:
        return []
    candidates = [
        batch
        for batch in FeedbackBatch.objects.filter(mentor_id__in={m for m, _ in pairs})
        if all((batch.mentor_id, mentee) in pairs for mentee in batch.mentee_ids if mentee)
    ]
    outside = {
        batch_id
        for batch_id, m, starts_at in TraitFeedback.objects.filter(
            batch__in=candidates
        ).values_list("batch_id", "session__mentorship_id", "session__starts_at")
        if not since_publication(starts_at, published.get(m))
    }
    return [batch for batch in candidates if batch.pk not in outside]


def chart(program: Program, key: str, *, published: Published | None = None) -> Chart:
    """One figure; `published` (published_mentorships) when the caller has read it already."""
    if published is None:
        published = published_mentorships(program)
    ids = list(published)
    k = feedback_k()
    if key == "requests":
        requests = _program_requests(program)
        waits = [
            (r.first_response_at - r.created_at).total_seconds() / 3600
            for r in requests.exclude(first_response_at=None)
        ]
        if len(waits) >= k:
            note = f"Median first response: {statistics.median(waits):.1f} h"
        elif waits:
            # One answered request's median is that mentor's response time.
            note = f"Median first response withheld until at least {k} requests are answered."
        else:
            note = "No answered requests"
        return Chart(
            key,
            "Requests answered",
            [("answered", len(waits)), ("open or expired", requests.count() - len(waits))],
            note=note,
        )
    if key == "mentorships":
        counts = Counter(Mentorship.objects.filter(pk__in=ids).values_list("status", flat=True))
        return Chart(key, "Mentorships by status", sorted(counts.items()))
    if key == "sessions_per_week":
        weeks = Counter(
            starts_at.isocalendar()[:2]
            for _, starts_at, status in _sessions(published)
            if status == SessionStatus.COMPLETED
        )
        return Chart(
            key,
            "Sessions held per week",
            [(f"{y}-W{w:02d}", c) for (y, w), c in sorted(weeks.items())],
        )
    if key == "no_shows":
        counts = Counter(status for _, _, status in _sessions(published))
        return Chart(
            key,
            "Sessions and no-shows",
            [
                ("held", counts.get(SessionStatus.COMPLETED, 0)),
                ("no-show", counts.get(SessionStatus.NO_SHOW, 0)),
            ],
        )
    if key == "goal_progress":
        buckets = Counter(min(p // 25, 3) for _, p in _goal_progress(published))
        labels = ("0-24%", "25-49%", "50-74%", "75-100%")
        return Chart(key, "Goal progress", [(labels[b], buckets.get(b, 0)) for b in range(4)])
    if key == "feedback_traits":
        return _feedback(_program_batches(published))
    if key == "checkins":
        # Scores above 2 reach admins only in aggregate: only released batches count.
        return _released_chart(
            program,
            AnswerKind.CHECKIN,
            key,
            "Check-in scores",
            k=k,
            withheld="check-ins",
            points=lambda scores: [(str(s), scores[str(s)]) for s in range(1, 6)],
        )
    if key == "outcomes":
        # Reflections are private: only released batches count, whole.
        return _released_chart(
            program,
            AnswerKind.OUTCOME,
            key,
            "End-of-mentorship outcomes",
            k=k,
            withheld="the reflections",
            points=_outcome_points,
        )
    raise KeyError(key)


def _feedback(batches: list[FeedbackBatch]) -> Chart:
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
        [(label, round(sums[trait] / counts, 2)) for trait, label in TRAITS if trait in sums],
        note=f"From {len(raters)} mentees' released ratings.",
    )


def charts(program: Program) -> list[Chart]:
    published = published_mentorships(program)  # once for all eight, not once a figure
    return [chart(program, key, published=published) for key in CHARTS]


# --- Per-cohort comparison -------------------------------------------------------------------

NO_COHORT = "(no cohort)"
# (key, label): one column of the comparison table and its CSV.
COHORT_METRICS = (
    ("mentees", "Mentees joined"),
    ("mentors", "Mentors joined"),
    ("started", "Mentorships started"),
    ("active", "Active now"),
    ("sessions", "Sessions held"),
    ("no_shows", "No-shows"),
    ("goal_progress", "Average goal progress (%)"),
    ("feedback", "Feedback average (1-5)"),
    ("checkins", "Check-in average (1-5)"),
    ("outcomes", "Outcome reached (%)"),
)
# Per-pair activity: shown for a cohort only when >= k pairs started in it, else withheld.
ACTIVITY_METRICS = ("active", "sessions", "no_shows", "goal_progress")
# The counts drawn side by side in the chart (the averages are in the table).
COHORT_CHART_SERIES = ("mentees", "started", "sessions")


@dataclass
class CohortRow:
    label: str
    values: dict[str, float | None]  # None: withheld (fewer than k people behind the figure)


def cohort_comparison(program: Program) -> list[CohortRow]:
    """Key figures per cohort (the `cohort` label of memberships, set by the CSV column). Its
    mentees and mentors are those who joined (docs/programs.md, "Joining"). A pair belongs to
    its mentee's cohort, feedback to its mentor's. Figures drawn from private answers come from
    released batches only: feedback from batches covering >= k distinct mentees, check-in and
    outcome figures from the answer batches released with the cohort's label (each of >= k
    people; a member moved later takes nothing along); else withheld. Activity (active now,
    sessions, no-shows, goal progress) is withheld in a cohort where fewer than k pairs started:
    with one pair, it is that pair's."""
    k = feedback_k()
    members = list(program.memberships.values_list("pk", "role", "cohort", "user_id", "joined_at"))
    cohort_of = {pk: cohort or NO_COHORT for pk, _, cohort, _, _ in members}
    rows: dict[str, dict[str, float | None]] = {}

    def row(label: str) -> dict[str, float | None]:
        return rows.setdefault(label, dict.fromkeys(_metric_keys(), 0))

    mentor_users: dict[str, list[int]] = {}
    for pk, role, _, user_id, joined_at in members:
        if role == Role.ADMIN:
            continue
        counts = row(cohort_of[pk])  # a cohort nobody joined yet is listed, with zeros
        if joined_at is not None:
            counts[f"{role}s"] = (counts[f"{role}s"] or 0) + 1
        if role == Role.MENTOR and user_id:
            mentor_users.setdefault(cohort_of[pk], []).append(user_id)
    published = published_mentorships(program)
    mentorship_cohort = {m: cohort_of.get(p.mentee_id, NO_COHORT) for m, p in published.items()}
    tally: Counter[tuple[str, str]] = Counter()
    for m, status in Mentorship.objects.filter(pk__in=mentorship_cohort).values_list(
        "pk", "status"
    ):
        tally[mentorship_cohort[m], "started"] += 1
        tally[mentorship_cohort[m], "active"] += status == MentorshipStatus.ACTIVE
    for m, _, status in _sessions(published):
        tally[mentorship_cohort[m], "sessions"] += status == SessionStatus.COMPLETED
        tally[mentorship_cohort[m], "no_shows"] += status == SessionStatus.NO_SHOW
    for (label, key), n in tally.items():
        row(label)[key] = n
    progress: dict[str, list[int]] = {}
    for m, p in _goal_progress(published):
        progress.setdefault(mentorship_cohort[m], []).append(p)
    outcomes = _released_by_cohort(program, AnswerKind.OUTCOME)
    checkins = _released_by_cohort(program, AnswerKind.CHECKIN)
    feedback = _program_batches(published)
    for label, values in rows.items():
        goals = progress.get(label, [])
        values["goal_progress"] = round(statistics.mean(goals), 1) if goals else None
        if (values["started"] or 0) < k:
            # With one pair (or fewer than k) in a cohort its activity is that pair's own.
            values.update(dict.fromkeys(ACTIVITY_METRICS))
        reached = batches.total(outcomes.get(label, []))
        answered = sum(reached.values())
        values["outcomes"] = (
            round(100 * reached["reached"] / answered, 1) if answered >= k else None
        )
        scores = batches.total(checkins.get(label, []))
        values["checkins"] = batches.score_mean(scores) if sum(scores.values()) >= k else None
        mentors = set(mentor_users.get(label, []))
        values["feedback"] = _feedback_average([b for b in feedback if b.mentor_id in mentors], k)
    return [CohortRow(label, rows[label]) for label in sorted(rows, key=_cohort_order)]


def _metric_keys() -> list[str]:
    return [key for key, _ in COHORT_METRICS]


def _cohort_order(label: str) -> tuple[bool, str]:
    return (label == NO_COHORT, label.casefold())


def _feedback_average(batches: list[FeedbackBatch], k: int) -> float | None:
    """Mean of every trait over these released batches (whole batches only, the program's own:
    _program_batches), or None when they cover fewer than k distinct mentees."""
    raters: set[int] = set()
    total = 0.0
    ratings = traits = 0
    for batch in batches:
        raters.update(batch.mentee_ids)
        total += sum(batch.sums.values())
        ratings += batch.ratings
        traits = max(traits, len(batch.sums))
    if len(raters) < k or not ratings or not traits:
        return None
    return round(total / (ratings * traits), 2)


def cohort_csv_rows(rows: list[CohortRow]) -> list[list[object]]:
    """One CSV line per cohort; a withheld figure is an empty cell."""
    return [
        [row.label, *("" if row.values[key] is None else row.values[key] for key in _metric_keys())]
        for row in rows
    ]
