"""Reads for agendas, notes, action items and feedback. Mentors only ever get aggregates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from mentorloom.core.errors import InvalidInput
from mentorloom.core.markdown import render_markdown
from mentorloom.scheduling.models import Session, SessionStatus

from . import insights
from .models import (
    TRAITS,
    ActionItem,
    ActionItemStatus,
    Agenda,
    AgendaTemplate,
    AgendaTopic,
    FeedbackBatch,
    FeedbackReleaseRun,
    MenteeFeedback,
    PrivateNote,
    SharedNotes,
    TraitFeedback,
)

FEEDBACK_EDIT_WINDOW = timedelta(days=7)
# Sessions that actually took place (or may have): cancelled and no-show ones get no feedback.
HELD_STATUSES = (SessionStatus.BOOKED, SessionStatus.COMPLETED)


def feedback_k() -> int:
    return max(1, int(getattr(settings, "MENTORLOOM_FEEDBACK_K", 3)))


# --- Agenda ----------------------------------------------------------------------------------


def agenda_for(session: Session) -> Agenda:
    """The saved agenda, or an unsaved empty one (reads never write)."""
    return Agenda.objects.filter(session=session).first() or Agenda(session=session)


def topics_of(agenda: Agenda) -> list[AgendaTopic]:
    return list(agenda.topics.all()) if agenda.pk else []


def templates() -> QuerySet[AgendaTemplate]:
    return AgendaTemplate.objects.filter(is_active=True)


def previous_session(session: Session) -> Session | None:
    """The mentorship's last session before this one that was not cancelled."""
    return (
        Session.objects.filter(
            mentorship_id=session.mentorship_id,
            starts_at__lt=session.starts_at,
            status__in=HELD_STATUSES,
        )
        .order_by("-starts_at")
        .first()
    )


@dataclass(frozen=True)
class Suggestion:
    kind: str  # "topic" | "action_item"
    id: int
    title: str
    detail: str


def carry_forward(session: Session) -> list[Suggestion]:
    """Unfinished topics of the previous session and the mentorship's open action items from
    earlier sessions, minus those already accepted into this agenda."""
    agenda = agenda_for(session)
    taken_topics: set[int] = set()
    taken_items: set[int] = set()
    if agenda.pk:
        for topic_id, item_id in agenda.topics.values_list("carried_topic", "carried_action_item"):
            taken_topics.add(topic_id)
            taken_items.add(item_id)
    suggestions: list[Suggestion] = []
    previous = previous_session(session)
    if previous is not None:
        for topic in AgendaTopic.objects.filter(agenda__session=previous, done=False):
            if topic.pk not in taken_topics:
                suggestions.append(Suggestion("topic", topic.pk, topic.title, topic.goal))
    items = ActionItem.objects.filter(
        mentorship_id=session.mentorship_id,
        status=ActionItemStatus.OPEN,
        session__starts_at__lt=session.starts_at,
    ).select_related("owner__profile")
    for item in items:
        if item.pk not in taken_items:
            owner = display_name(item.owner)
            due = f", due {item.due_date:%Y-%m-%d}" if item.due_date else ""
            suggestions.append(
                Suggestion("action_item", item.pk, item.title, f"Action item for {owner}{due}")
            )
    return suggestions


def agenda_text(session: Session) -> str:
    """Plain-text agenda for the ICS DESCRIPTION and reminder e-mails (empty when none)."""
    lines: list[str] = []
    agenda = agenda_for(session)
    if session.agenda and agenda.pk is None:  # booked before the agenda was seeded from it
        lines.append(session.agenda.strip())
    topics = topics_of(agenda)
    if topics:
        lines.append("Agenda:")
        for i, topic in enumerate(topics, 1):
            box = f" ({topic.minutes} min)" if topic.minutes else ""
            goal = f" — goal: {topic.goal}" if topic.goal else ""
            lines.append(f"{i}. {topic.title}{box}{goal}")
    if agenda.questions.strip():
        lines.append("Questions:")
        lines.extend(f"- {q.strip()}" for q in agenda.questions.splitlines() if q.strip())
    if agenda.link_list:
        lines.append("Links:")
        lines.extend(f"- {link}" for link in agenda.link_list)
    return "\n".join(lines)


# --- Notes -----------------------------------------------------------------------------------


def notes_for(session: Session) -> SharedNotes:
    return SharedNotes.objects.filter(session=session).first() or SharedNotes(session=session)


def notes_html(notes: SharedNotes) -> str:
    return render_markdown(notes.body)


def private_note_for(session: Session, user) -> PrivateNote:  # type: ignore[no-untyped-def]
    """The caller's own private note; the other participant's is never loaded."""
    found = PrivateNote.objects.filter(session=session, author=user).first()
    return found or PrivateNote(session=session, author=user)


# --- Action items ----------------------------------------------------------------------------


def action_items_of(session: Session) -> QuerySet[ActionItem]:
    return ActionItem.objects.filter(session=session).select_related("owner__profile")


def open_action_items_for(user) -> QuerySet[ActionItem]:  # type: ignore[no-untyped-def]
    return (
        ActionItem.objects.filter(owner=user, status=ActionItemStatus.OPEN)
        .select_related("session", "mentorship")
        .order_by(F("due_date").asc(nulls_last=True), "pk")
    )


def get_action_item_for(user, item_id: int) -> ActionItem:  # type: ignore[no-untyped-def]
    """The action item if `user` takes part in its session; otherwise 404."""
    if user is None or not user.is_authenticated:
        raise Http404
    found = (
        ActionItem.objects.filter(Q(session__mentor=user) | Q(session__mentee=user), pk=item_id)
        .select_related("session", "owner__profile")
        .first()
    )
    if found is None:
        raise Http404
    return found


# --- Feedback --------------------------------------------------------------------------------


def has_ended(session: Session, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return session.status in HELD_STATUSES and session.ends_at <= now


def can_give_feedback(session: Session, user, now: datetime | None = None) -> bool:  # type: ignore[no-untyped-def]
    """Whether `user` may give (or edit) feedback on the session now: once a held session has
    ended, and also on a no-show for the person it names absent. One side alone reports a
    no-show, even on a session already completed, so a false report must not take away the
    other's say about the session; the reporter's own feedback stays closed."""
    now = now or timezone.now()
    if session.status == SessionStatus.NO_SHOW:
        return session.no_show_user_id == user.pk and session.ends_at <= now
    return has_ended(session, now)


def own_feedback(session: Session, user):  # type: ignore[no-untyped-def]
    """The caller's own feedback on the session: trait feedback (mentee) or mentee feedback
    (mentor); None when not given yet."""
    if user.pk == session.mentee_id:
        return TraitFeedback.objects.filter(session=session).first()
    return MenteeFeedback.objects.filter(session=session).first()


def feedback_for_mentee(session: Session) -> MenteeFeedback | None:
    return MenteeFeedback.objects.filter(session=session).first()


def can_edit_feedback(feedback, now: datetime | None = None) -> bool:  # type: ignore[no-untyped-def]
    now = now or timezone.now()
    return feedback is None or now - feedback.created_at <= FEEDBACK_EDIT_WINDOW


@dataclass(frozen=True)
class ReleasedFeedback:
    """What a mentor (or staff) may see for one period: whole released batches, never a live
    figure. `summary.enough` is False until the period holds a batch (>= k mentees)."""

    period: str
    summary: insights.Summary
    trend_points: list[insights.TrendPoint]
    comments: list[str]
    released_at: datetime | None  # the newest batch in the figure
    unchanged: bool  # the last weekly run did not change this figure
    last_run_at: datetime | None
    next_release_at: datetime

    @property
    def enough(self) -> bool:
        return self.summary.enough

    @property
    def k(self) -> int:
        return self.summary.k

    @property
    def averages(self) -> dict[str, float]:
        return self.summary.averages

    @property
    def ratings(self) -> int:
        return self.summary.ratings

    @property
    def raters(self) -> int:
        return self.summary.raters

    @property
    def trend(self) -> list[tuple[str, float]]:
        return [(p.month, p.value) for p in self.trend_points]


def parse_period(value: str | None, days: int | None = None) -> str:
    """An allowed period key from `period` ("90d", "12m", "all") or the legacy `days`
    (90, 365, 0); anything else is InvalidInput rather than a free-form window."""
    if value is not None:
        if value not in insights.PERIODS:
            raise InvalidInput(
                "Choose one of the fixed periods.", fields={"period": ["One of 90d, 12m, all."]}
            )
        return value
    if days is None:
        return "90d"
    by_days = {d or 0: key for key, d in insights.PERIODS.items()}
    if days not in by_days:
        raise InvalidInput(
            "Feedback is only released for fixed periods.",
            fields={"days": ["One of 90, 365 or 0 (all time)."]},
        )
    return by_days[days]


def _last_runs() -> list[datetime]:
    """The two latest weekly runs, newest first."""
    return list(FeedbackReleaseRun.objects.order_by("-week").values_list("ran_at", flat=True)[:2])


def _batches(rows) -> list[tuple[FeedbackBatch, insights.Batch]]:  # type: ignore[no-untyped-def]
    return [
        (
            row,
            insights.Batch(
                mentee_ids=frozenset(row.mentee_ids),
                ratings=row.ratings,
                sums=row.sums,
                useful=row.useful,
                newest_rated_at=row.newest_rated_at,
            ),
        )
        for row in rows
    ]


def _figure(
    batches: list[tuple[FeedbackBatch, insights.Batch]], days: int | None, at: datetime | None
) -> list[tuple[FeedbackBatch, insights.Batch]]:
    """The whole batches a period holds as of the run at `at` (released by then)."""
    if at is None:
        return []
    since = at - timedelta(days=days) if days else None
    return [
        (row, b)
        for row, b in batches
        if row.released_at <= at and (since is None or b.newest_rated_at >= since)
    ]


_NOT_GIVEN = -1


def _shared_comments(batch_ids: list[int]) -> list[str]:
    """Comments mentees chose to share, from released batches only: text only, sorted by text
    (not by time), read from the rows so an erased account's text is gone."""
    rows = TraitFeedback.objects.filter(batch_id__in=batch_ids, share_comment=True)
    return sorted(rows.exclude(comment="").values_list("comment", flat=True))


def feedback_summary(
    mentor,  # type: ignore[no-untyped-def]
    period: str = "90d",
    *,
    days: int | None = _NOT_GIVEN,
    k: int | None = None,
    now: datetime | None = None,
) -> ReleasedFeedback:
    """The mentor's released figures for `period` (as of the last weekly run) and its trend.

    `days` is the older keyword (None or 0 = all time, 90, 365; others InvalidInput).
    """
    if days != _NOT_GIVEN:
        period = parse_period(None, days or 0)
    now = now or timezone.now()
    k = k or feedback_k()
    days = insights.PERIODS[period]
    runs = _last_runs()
    batches = _batches(FeedbackBatch.objects.filter(mentor=mentor).order_by("newest_rated_at"))
    figure = _figure(batches, days, runs[0] if runs else None)
    before = _figure(batches, days, runs[1] if len(runs) > 1 else None)
    chosen = [b for _, b in figure]
    summary = insights.combine(chosen, k)
    return ReleasedFeedback(
        period=period,
        summary=summary,
        trend_points=insights.trend(chosen, k) if summary.enough else [],
        comments=_shared_comments([r.pk for r, _ in figure]) if summary.enough else [],
        released_at=max((row.released_at for row, _ in figure), default=None),
        unchanged=bool(figure) and {r.pk for r, _ in figure} == {r.pk for r, _ in before},
        last_run_at=runs[0] if runs else None,
        next_release_at=insights.next_release_at(now),
    )


def display_name(user) -> str:  # type: ignore[no-untyped-def]
    profile = getattr(user, "profile", None)
    return (getattr(profile, "name", "") or "") or user.email


def today_for(user) -> date:  # type: ignore[no-untyped-def]
    from mentorloom.scheduling.selectors import zone_of

    return timezone.now().astimezone(zone_of(user)).date()


# --- Summary and includes --------------------------------------------------------------------


def summary_markdown(session: Session, viewer) -> str:  # type: ignore[no-untyped-def]
    """The session summary as a Markdown document (shared content only, never private notes)."""
    from mentorloom.scheduling import display
    from mentorloom.scheduling.selectors import zone_name_of

    mentor, mentee = display_name(session.mentor), display_name(session.mentee)
    minutes = int(session.duration.total_seconds() // 60)
    agenda = agenda_for(session)
    out = [
        f"# Session summary: {mentor} & {mentee}",
        "",
        f"- When: {display.when(session.starts_at, zone_name_of(viewer))}",
        f"- Duration: {minutes} minutes",
        f"- Status: {session.get_status_display()}",
        "",
        "## Agenda",
        "",
    ]
    topics = topics_of(agenda)
    for topic in topics:
        box = f" ({topic.minutes} min)" if topic.minutes else ""
        goal = f" — goal: {topic.goal}" if topic.goal else ""
        out.append(f"- [{'x' if topic.done else ' '}] {topic.title}{box}{goal}")
    if not topics:
        out.append("No topics.")
    if agenda.questions.strip():
        out += ["", "### Questions", ""]
        out += [f"- {q.strip()}" for q in agenda.questions.splitlines() if q.strip()]
    if agenda.link_list:
        out += ["", "### Links", ""] + [f"- <{link}>" for link in agenda.link_list]
    notes = notes_for(session).body.strip()
    out += ["", "## Notes", "", notes or "No notes."]
    out += ["", "## Action items", ""]
    items = list(action_items_of(session))
    for item in items:
        due = f", due {item.due_date:%Y-%m-%d}" if item.due_date else ""
        mark = "x" if item.status == ActionItemStatus.DONE else " "
        who = f"{display_name(item.owner)}{due}, {item.get_status_display()}"
        out.append(f"- [{mark}] {item.title} ({who})")
    if not items:
        out.append("None.")
    return "\n".join(out) + "\n"


def panel_context(session: Session, user) -> dict:  # type: ignore[no-untyped-def]
    """Context for sessions/_session_panel.html on the scheduling session page."""
    agenda = agenda_for(session)
    ended = can_give_feedback(session, user)
    mine = own_feedback(session, user) if ended else None
    return {
        "panel_session": session,
        "panel_topics": topics_of(agenda),
        "panel_questions": agenda.questions,
        # Sessions booked before the booking text seeded the agenda still show what was typed.
        "panel_booking_agenda": session.agenda if agenda.pk is None else "",
        "panel_suggestions": len(carry_forward(session)) if not ended else 0,
        "panel_ended": ended,
        "panel_feedback_due": ended and mine is None,
        "panel_open_items": action_items_of(session).filter(status=ActionItemStatus.OPEN).count(),
    }


def my_items_context(user) -> dict:  # type: ignore[no-untyped-def]
    """Context for sessions/_my_action_items.html (the dashboard list)."""
    today = today_for(user)
    items = list(open_action_items_for(user)[:20])
    return {
        "my_items": [{"item": i, "overdue": i.is_overdue(today)} for i in items],
        "my_items_today": today,
    }


# --- Program admins (staff) ------------------------------------------------------------------


@dataclass(frozen=True)
class MentorAggregate:
    mentor: object  # accounts.User with profile loaded
    name: str
    summary: insights.Summary
    released_at: datetime


@dataclass(frozen=True)
class MentorAlert:
    mentor: object
    name: str
    trait: str  # key
    trait_label: str
    average: float
    window: int

    @property
    def text(self) -> str:
        return (
            f"{self.trait_label} average {self.average:.1f} (below "
            f"{insights.ALERT_THRESHOLD:g}) over the last {self.window} ratings"
        )


def _users_by_id(ids) -> dict[int, object]:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    users = get_user_model().objects.filter(pk__in=set(ids)).select_related("profile")
    return {u.pk: u for u in users}


def _batches_by_mentor() -> dict[int, list[tuple[FeedbackBatch, insights.Batch]]]:
    found: dict[int, list[tuple[FeedbackBatch, insights.Batch]]] = {}
    for row, batch in _batches(FeedbackBatch.objects.order_by("newest_rated_at", "pk")):
        found.setdefault(row.mentor_id, []).append((row, batch))
    return found


def program_aggregates(period: str = "90d") -> list[MentorAggregate]:
    """Per-mentor figures for program admins: the same whole-batch figures mentors see (so
    staff cannot difference them either); mentors without a batch in the period are left out."""
    runs = _last_runs()
    k = feedback_k()
    figures = {}
    for mentor_id, batches in _batches_by_mentor().items():
        figure = _figure(batches, insights.PERIODS[period], runs[0] if runs else None)
        summary = insights.combine([b for _, b in figure], k)
        if summary.enough:
            figures[mentor_id] = (summary, max(row.released_at for row, _ in figure))
    users = _users_by_id(figures)
    result = [
        MentorAggregate(users[m], display_name(users[m]), summary, released_at)
        for m, (summary, released_at) in figures.items()
    ]
    return sorted(result, key=lambda a: a.name.lower())


def release_status(now: datetime | None = None) -> dict[str, datetime | None]:
    """When figures were last released and when the next release is due (for the pages)."""
    now = now or timezone.now()
    runs = _last_runs()
    return {
        "last_run_at": runs[0] if runs else None,
        "next_release_at": insights.next_release_at(now),
    }


def program_alerts() -> list[MentorAlert]:
    """Low-score alerts: a trait averaging below 3 over a mentor's newest released ratings
    (the newest whole batches holding at least 5), so alerts cannot be differenced either."""
    k = feedback_k()
    averages: dict[int, dict[str, float]] = {}
    windows: dict[int, int] = {}
    for mentor_id, batches in _batches_by_mentor().items():
        newest_first = [b for _, b in reversed(batches)]
        summary = insights.combine(insights.alert_window(newest_first, insights.ALERT_WINDOW), k)
        if summary.enough:
            averages[mentor_id], windows[mentor_id] = summary.averages, summary.ratings
    found = insights.alerts_from_window_averages(averages, windows=windows)
    users = _users_by_id(a.mentor_id for a in found)
    labels = dict(TRAITS)
    result = [
        MentorAlert(
            users[a.mentor_id],
            display_name(users[a.mentor_id]),
            a.trait,
            labels[a.trait],
            a.average,
            a.window,
        )
        for a in found
    ]
    return sorted(result, key=lambda a: (a.average, a.name.lower(), a.trait))
