"""Writes for agendas, notes, action items and feedback.

Each service takes a session the caller already reached through
`scheduling.selectors.get_session_for` (so participation is checked), validates, locks the
row it changes, writes, and schedules notifications after commit.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentorloom.core.errors import InvalidInput, NotFound
from mentorloom.core.realtime.live import publish_to_user
from mentorloom.notifications.services import notify
from mentorloom.safety.selectors import is_blocked_between
from mentorloom.scheduling.models import Session, SessionStatus

from . import selectors
from .errors import (
    BlockedPair,
    FeedbackLocked,
    NotesTooLarge,
    SessionNotOver,
    StaleAgenda,
    StaleNotes,
)
from .insights import TRAIT_KEYS
from .merge import merge
from .models import (
    ActionItem,
    ActionItemSource,
    ActionItemStatus,
    Agenda,
    AgendaPrepReminder,
    AgendaTemplate,
    AgendaTopic,
    FeedbackPrompt,
    MenteeFeedback,
    PrivateNote,
    SharedNotes,
    TraitFeedback,
)

NOTES_MAX_BYTES = 100 * 1024
PROMPT_WINDOW = timedelta(days=7)  # sessions that ended longer ago are not prompted any more
# The mentee is asked to prepare an empty agenda once the session is at most 24 h away; in the
# last hour it is too late to be useful (and the 1 h session reminder goes out anyway).
AGENDA_PREP_LEAD = timedelta(hours=24)
AGENDA_PREP_CUTOFF = timedelta(hours=1)


def _check_not_blocked(session: Session) -> None:
    """BlockedPair once either of the two blocked the other: the agenda, shared notes and
    action items reach the other person (live pages, notices), so after a block they are
    read-only, as the pair's chat is. Private notes and feedback stay open."""
    if is_blocked_between(session.mentor_id, session.mentee_id):
        raise BlockedPair()


# --- Agenda ----------------------------------------------------------------------------------


def _locked_agenda(session: Session) -> Agenda:
    Agenda.objects.get_or_create(session=session)
    return Agenda.objects.select_for_update().get(session=session)


MAX_SEEDED_TOPICS = 20


def seed_agenda_from_booking(session: Session) -> Agenda | None:
    """Turn the agenda typed while booking into the session's agenda (connected to
    scheduling's `session_booked`): each line a topic; what does not fit a topic title (a long
    line, more than 20 lines) goes to the questions. Nothing for an empty text."""
    lines = [line.strip() for line in (session.agenda or "").splitlines() if line.strip()]
    if not lines:
        return None
    fits = [line for line in lines if len(line) <= 200][:MAX_SEEDED_TOPICS]
    rest = [line for line in lines if line not in fits]
    with transaction.atomic():
        agenda = _locked_agenda(session)
        if agenda.topics.exists():  # already prepared: never overwrite what people wrote
            return agenda
        AgendaTopic.objects.bulk_create(
            [AgendaTopic(agenda=agenda, position=i, title=t) for i, t in enumerate(fits)]
        )
        agenda.questions = "\n".join(rest)[:5000]
        _touch(agenda, session.booked_by)
    return agenda


def _touch(agenda: Agenda, user) -> None:  # type: ignore[no-untyped-def]
    agenda.version += 1
    agenda.updated_at = timezone.now()
    agenda.updated_by = user
    agenda.save()
    _announce_agenda(agenda)


def _announce_agenda(agenda: Agenda) -> None:
    # Every agenda change reaches both participants' open agenda pages after commit: the
    # questions and links to merge into their editors, and a hint to reload the topic list.
    event = {
        "type": "agenda.changed",
        "session_id": agenda.session_id,
        "version": agenda.version,
        "questions": agenda.questions,
        "links": agenda.links,
    }
    session = Session.objects.only("mentor_id", "mentee_id").get(pk=agenda.session_id)
    for user_id in {session.mentor_id, session.mentee_id}:
        publish_to_user(user_id, event)


def _clean_topic(
    title: str, goal: str = "", minutes: int | None = None
) -> tuple[str, str, int | None]:
    title, goal = (title or "").strip(), (goal or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["Give the topic a title."]
    elif len(title) > 200:
        errors["title"] = ["Keep the title under 200 characters."]
    if len(goal) > 300:
        errors["goal"] = ["Keep the goal under 300 characters."]
    if minutes is not None and not 1 <= minutes <= 240:
        errors["minutes"] = ["A time box is between 1 and 240 minutes."]
    if errors:
        raise InvalidInput(fields=errors)
    return title, goal, minutes


def _next_position(agenda: Agenda) -> int:
    last = agenda.topics.order_by("-position").values_list("position", flat=True).first()
    return (last or 0) + 1


def add_topic(
    session: Session,
    user,  # type: ignore[no-untyped-def]
    *,
    title: str,
    goal: str = "",
    minutes: int | None = None,
    carried_topic: AgendaTopic | None = None,
    carried_action_item: ActionItem | None = None,
) -> AgendaTopic:
    """Append a topic. Raises InvalidInput for an empty title or a time box outside 1–240,
    BlockedPair after a block (as every agenda, notes and action item write)."""
    _check_not_blocked(session)
    title, goal, minutes = _clean_topic(title, goal, minutes)
    with transaction.atomic():
        agenda = _locked_agenda(session)
        topic = AgendaTopic.objects.create(
            agenda=agenda,
            position=_next_position(agenda),
            title=title,
            goal=goal,
            minutes=minutes,
            carried_topic=carried_topic,
            carried_action_item=carried_action_item,
        )
        _touch(agenda, user)
    return topic


def get_topic(session: Session, topic_id: int) -> AgendaTopic:
    topic = AgendaTopic.objects.filter(agenda__session=session, pk=topic_id).first()
    if topic is None:
        raise NotFound()
    return topic


def update_topic(topic: AgendaTopic, user, **changes: object) -> AgendaTopic:  # type: ignore[no-untyped-def]
    _check_not_blocked(topic.agenda.session)
    title, goal, minutes = _clean_topic(
        str(changes.get("title", topic.title)),
        str(changes.get("goal", topic.goal)),
        changes.get("minutes", topic.minutes),  # type: ignore[arg-type]
    )
    with transaction.atomic():
        agenda = _locked_agenda(topic.agenda.session)
        topic.title, topic.goal, topic.minutes = title, goal, minutes
        if "done" in changes:
            topic.done = bool(changes["done"])
        topic.save()
        _touch(agenda, user)
    return topic


def remove_topic(topic: AgendaTopic, user) -> None:  # type: ignore[no-untyped-def]
    _check_not_blocked(topic.agenda.session)
    with transaction.atomic():
        agenda = _locked_agenda(topic.agenda.session)
        topic.delete()
        _touch(agenda, user)


def move_topic(topic: AgendaTopic, user, direction: int) -> None:  # type: ignore[no-untyped-def]
    """Swap the topic with its neighbour above (-1) or below (+1); no-op at the ends."""
    _check_not_blocked(topic.agenda.session)
    with transaction.atomic():
        agenda = _locked_agenda(topic.agenda.session)
        topics = list(agenda.topics.order_by("position", "pk"))
        index = next(i for i, t in enumerate(topics) if t.pk == topic.pk)
        other = index + (1 if direction > 0 else -1)
        if not 0 <= other < len(topics):
            return
        topics[index], topics[other] = topics[other], topics[index]
        for position, t in enumerate(topics, 1):
            if t.position != position:
                t.position = position
                t.save(update_fields=["position"])
        _touch(agenda, user)


def _clean_links(links: str) -> str:
    lines = [line.strip() for line in (links or "").splitlines() if line.strip()]
    bad = [line for line in lines if not line.startswith(("http://", "https://"))]
    if bad:
        raise InvalidInput(fields={"links": [f"Not a web address: {bad[0][:80]}"]})
    return "\n".join(lines)


def save_agenda_details(
    session: Session,
    user,  # type: ignore[no-untyped-def]
    *,
    questions: str,
    links: str,
    base_version: int | None = None,
    base_questions: str | None = None,
    base_links: str | None = None,
) -> Agenda:
    """Questions and links. A save from an older `base_version` is merged line by line with
    what was saved since when the texts at that version (`base_questions`, `base_links`) come
    with it; it raises StaleAgenda (409) when both changed the same lines, or when it is stale
    and they are missing."""
    _check_not_blocked(session)
    questions = (questions or "").replace("\r\n", "\n")
    links = (links or "").replace("\r\n", "\n")
    _check_details(questions, _clean_links(links))
    with transaction.atomic():
        agenda = _locked_agenda(session)
        if base_version is not None and base_version != agenda.version:
            if base_questions is None or base_links is None:
                raise StaleAgenda()
            merged_q = merge(base_questions.replace("\r\n", "\n"), questions, agenda.questions)
            merged_l = merge(base_links.replace("\r\n", "\n"), links, agenda.links)
            overlaps = merged_q.overlaps + merged_l.overlaps
            if overlaps:
                raise StaleAgenda(agenda.questions, agenda.links, agenda.version, overlaps)
            questions, links = merged_q.text, merged_l.text
        links = _clean_links(links)
        _check_details(questions, links)
        if (questions.strip(), links) != (agenda.questions, agenda.links):
            agenda.questions, agenda.links = questions.strip(), links
            _touch(agenda, user)
    return agenda


def _check_details(questions: str, links: str) -> None:
    if len(questions) > 5000 or len(links) > 5000:
        raise InvalidInput(
            fields={"questions": ["Keep questions and links under 5000 characters."]}
        )


def replace_agenda(
    session: Session,
    user,  # type: ignore[no-untyped-def]
    *,
    topics: list[dict],
    questions: str,
    links: str,
    base_version: int | None = None,
) -> Agenda:
    """The API's PUT: the whole agenda at once (topics in the order given)."""
    _check_not_blocked(session)
    cleaned = [
        (*_clean_topic(t.get("title", ""), t.get("goal", ""), t.get("minutes")), t.get("done"))
        for t in topics
    ]
    links = _clean_links(links)
    with transaction.atomic():
        agenda = _locked_agenda(session)
        if base_version is not None and base_version != agenda.version:
            raise StaleAgenda()
        agenda.topics.all().delete()
        AgendaTopic.objects.bulk_create(
            AgendaTopic(
                agenda=agenda, position=i, title=title, goal=goal, minutes=minutes, done=bool(done)
            )
            for i, (title, goal, minutes, done) in enumerate(cleaned, 1)
        )
        agenda.questions, agenda.links = (questions or "").strip(), links
        _touch(agenda, user)
    return agenda


def apply_template(session: Session, user, template: AgendaTemplate) -> Agenda:  # type: ignore[no-untyped-def]
    """Append the template's topics and questions to the agenda (nothing is replaced)."""
    _check_not_blocked(session)
    with transaction.atomic():
        agenda = _locked_agenda(session)
        position = _next_position(agenda)
        for offset, raw in enumerate(template.topics or []):
            title, goal, minutes = _clean_topic(
                raw.get("title", ""), raw.get("goal", ""), raw.get("minutes")
            )
            AgendaTopic.objects.create(
                agenda=agenda, position=position + offset, title=title, goal=goal, minutes=minutes
            )
        if template.questions.strip():
            agenda.questions = "\n".join(
                part for part in (agenda.questions.strip(), template.questions.strip()) if part
            )
        _touch(agenda, user)
    return agenda


def accept_suggestion(session: Session, user, *, kind: str, item_id: int) -> AgendaTopic:  # type: ignore[no-untyped-def]
    """Turn a carry-forward suggestion into a topic; 404 for anything not currently offered."""
    offered = {(s.kind, s.id): s for s in selectors.carry_forward(session)}
    suggestion = offered.get((kind, item_id))
    if suggestion is None:
        raise NotFound()
    if kind == "topic":
        source = AgendaTopic.objects.get(pk=item_id)
        return add_topic(
            session, user, title=source.title, goal=source.goal, minutes=source.minutes,
            carried_topic=source,
        )  # fmt: skip
    item = ActionItem.objects.get(pk=item_id)
    return add_topic(
        session, user, title=f"Follow up: {item.title}"[:200], carried_action_item=item
    )


# --- Notes -----------------------------------------------------------------------------------


def _check_size(body: str, field: str = "body") -> None:
    if len((body or "").encode("utf-8")) > NOTES_MAX_BYTES:
        raise NotesTooLarge(fields={field: ["Notes can be at most 100 KB."]})


def save_notes(  # type: ignore[no-untyped-def]
    session: Session, user, *, body: str, base_version: int, base_body: str | None = None
) -> SharedNotes:
    """Save the shared notes written from `base_version` (whose text was `base_body`).

    A save based on an older version is merged line by line with what was saved since
    (sessions.merge): edits of different lines are both kept. Raises NotesTooLarge (422) over
    100 KB (also for the merged text), and StaleNotes (409, carrying the current text and
    version, the merged draft and the overlapping parts) when both changed the same lines, or
    when the save is stale and `base_body` was not sent — never a silent overwrite; BlockedPair
    after a block. After commit both participants' live pages get "notes.changed".
    """
    _check_not_blocked(session)
    _check_size(body)
    body = (body or "").replace("\r\n", "\n")
    with transaction.atomic():
        SharedNotes.objects.get_or_create(session=session)
        notes = SharedNotes.objects.select_for_update().get(session=session)
        if base_version != notes.version:
            if base_body is None:
                raise StaleNotes(notes.body, notes.version)
            result = merge(base_body.replace("\r\n", "\n"), body, notes.body)
            if not result.clean:
                raise StaleNotes(notes.body, notes.version, result.text, result.overlaps)
            body = result.text
            _check_size(body)
        if body != notes.body:
            notes.body = body
            notes.version += 1
            notes.updated_at = timezone.now()
            notes.updated_by = user
            notes.save()
            _announce_notes(session, notes, user)
    return notes


def _announce_notes(session: Session, notes: SharedNotes, user) -> None:  # type: ignore[no-untyped-def]
    # Both participants: the author's other open tabs follow too (pages ignore versions they
    # already have).
    event = {
        "type": "notes.changed",
        "session_id": session.pk,
        "version": notes.version,
        "body": notes.body,
        "html": selectors.notes_html(notes),
        "by": user.pk,
    }
    for user_id in {session.mentor_id, session.mentee_id}:
        publish_to_user(user_id, event)


def save_private_note(session: Session, user, *, body: str) -> PrivateNote:  # type: ignore[no-untyped-def]
    _check_size(body)
    note, _ = PrivateNote.objects.update_or_create(
        session=session,
        author=user,
        defaults={"body": (body or "").replace("\r\n", "\n"), "updated_at": timezone.now()},
    )
    return note


# --- Action items ----------------------------------------------------------------------------


def _clean_item(title: str, owner_id: int, session: Session) -> str:
    title = (title or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = ["Describe the action item."]
    elif len(title) > 300:
        errors["title"] = ["Keep it under 300 characters."]
    if owner_id not in session.participant_ids():
        errors["owner"] = ["The owner must be one of the two of you."]
    if errors:
        raise InvalidInput(fields=errors)
    return title


def create_action_item(
    session: Session,
    user,  # type: ignore[no-untyped-def]
    *,
    title: str,
    owner_id: int,
    due_date: date | None = None,
    source: str = ActionItemSource.NOTES,
) -> ActionItem:
    """Raises InvalidInput (title, an owner who is not one of the two), BlockedPair. Notifies
    the owner after commit when it is the other person."""
    _check_not_blocked(session)
    title = _clean_item(title, owner_id, session)
    if source not in ActionItemSource.values:
        source = ActionItemSource.NOTES
    item = ActionItem.objects.create(
        session=session,
        mentorship_id=session.mentorship_id,
        owner_id=owner_id,
        title=title,
        due_date=due_date,
        source=source,
        created_by=user,
    )
    if owner_id != user.pk:
        transaction.on_commit(lambda: _announce_item(item))
    return item


def _announce_item(item: ActionItem) -> None:
    notify(
        item.owner,
        kind="action_item",
        title=f"New action item: {item.title}",
        url=reverse("sessions:notes", args=[item.session_id]),
        email=False,
    )


def update_action_item(item: ActionItem, user, **changes: object) -> ActionItem:  # type: ignore[no-untyped-def]
    """Change status, title, owner or due date. Raises InvalidInput for unknown values,
    BlockedPair after a block, except for the item's owner ticking off their own item (it
    reaches nobody; their list stays theirs)."""
    if set(changes) != {"status"} or item.owner_id != user.pk:
        _check_not_blocked(item.session)
    if "status" in changes:
        status = str(changes["status"])
        if status not in ActionItemStatus.values:
            raise InvalidInput(fields={"status": ["Choose open, done or dropped."]})
        if status != item.status:
            item.completed_at = timezone.now() if status == ActionItemStatus.DONE else None
        item.status = status
    owner_id = int(changes.get("owner_id") or item.owner_id)  # type: ignore[call-overload]
    item.title = _clean_item(str(changes.get("title", item.title)), owner_id, item.session)
    item.owner_id = owner_id
    if "due_date" in changes:
        item.due_date = changes["due_date"]  # type: ignore[assignment]
    item.save()
    return item


# --- Feedback --------------------------------------------------------------------------------


def _lock_session_for_feedback(session: Session, user, now: datetime) -> Session:  # type: ignore[no-untyped-def]
    locked = Session.objects.select_for_update().get(pk=session.pk)
    if not selectors.can_give_feedback(locked, user, now):
        raise SessionNotOver()
    return locked


def give_trait_feedback(
    session: Session,
    user,  # type: ignore[no-untyped-def]
    *,
    ratings: dict[str, int],
    useful: bool,
    comment: str = "",
    share_comment: bool = False,
    now: datetime | None = None,
) -> TraitFeedback:
    """The mentee rates the mentor's five traits (1–5). One per session, editable 7 days.

    Raises InvalidInput (ratings outside 1–5, missing trait), SessionNotOver, FeedbackLocked.
    """
    now = now or timezone.now()
    errors = {
        t: ["Choose a rating from 1 to 5."]
        for t in TRAIT_KEYS
        if not isinstance(ratings.get(t), int) or not 1 <= ratings[t] <= 5
    }
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = ["Keep the comment under 2000 characters."]
    if errors:
        raise InvalidInput(fields=errors)
    if user.pk != session.mentee_id:
        raise InvalidInput("Only the mentee rates the mentor.")
    values = {t: ratings[t] for t in TRAIT_KEYS}
    with transaction.atomic():
        _lock_session_for_feedback(session, user, now)
        # Locked, as the weekly release locks what it releases: an edit racing the release
        # either lands before it (and is what the batch sums) or finds the rating released.
        existing = TraitFeedback.objects.select_for_update().filter(session=session).first()
        if existing is not None and (
            existing.batch_id is not None or not selectors.can_edit_feedback(existing, now)
        ):
            raise FeedbackLocked()
        feedback = existing or TraitFeedback(
            session=session, mentor_id=session.mentor_id, mentee_id=session.mentee_id,
            created_at=now,
        )  # fmt: skip
        for name, value in values.items():
            setattr(feedback, name, value)
        feedback.useful, feedback.comment, feedback.share_comment = useful, comment, share_comment
        feedback.updated_at = now
        if existing is None:
            feedback.save()
        else:  # never the batch: a whole-row save could write back a batch read earlier
            feedback.save(
                update_fields=[*values, "useful", "comment", "share_comment", "updated_at"]
            )
    return feedback


def give_mentee_feedback(
    session: Session,
    user,  # type: ignore[no-untyped-def]
    *,
    progress: str,
    strengths: str,
    next_steps: str,
    now: datetime | None = None,
) -> MenteeFeedback:
    """The mentor's feedback to the mentee. Same rules: ended, once, editable 7 days."""
    now = now or timezone.now()
    texts = {"progress": progress, "strengths": strengths, "next_steps": next_steps}
    texts = {k: (v or "").strip() for k, v in texts.items()}
    errors = {k: ["Keep it under 2000 characters."] for k, v in texts.items() if len(v) > 2000}
    if not any(texts.values()):
        errors["progress"] = ["Write at least one of progress, strengths or next steps."]
    if errors:
        raise InvalidInput(fields=errors)
    if user.pk != session.mentor_id:
        raise InvalidInput("Only the mentor gives the mentee feedback.")
    with transaction.atomic():
        _lock_session_for_feedback(session, user, now)
        existing = MenteeFeedback.objects.filter(session=session).first()
        if existing is not None and not selectors.can_edit_feedback(existing, now):
            raise FeedbackLocked()
        feedback = existing or MenteeFeedback(session=session, created_at=now)
        for name, value in texts.items():
            setattr(feedback, name, value)
        feedback.updated_at = now
        feedback.save()
    # After a block the feedback is kept (a record of the session), but not announced.
    if existing is None and not is_blocked_between(session.mentor_id, session.mentee_id):
        transaction.on_commit(
            lambda: notify(
                session.mentee,
                kind="feedback_received",
                title="Your mentor left you feedback",
                url=reverse("sessions:feedback", args=[session.pk]),
            )
        )
    return feedback


def send_feedback_prompts(now: datetime | None = None) -> int:
    """Prompt both participants of each recently ended session, once each (in-app + e-mail).

    The unique (session, user) row is claimed before notifying, so concurrent workers never
    prompt twice. Returns the number of prompts sent.
    """
    now = now or timezone.now()
    sessions = Session.objects.filter(
        status__in=selectors.HELD_STATUSES, ends_at__lte=now, ends_at__gte=now - PROMPT_WINDOW
    ).select_related("mentor__profile", "mentee__profile")
    sent = 0
    for session in sessions:
        already = set(
            FeedbackPrompt.objects.filter(session=session).values_list("user_id", flat=True)
        )
        for user in (session.mentee, session.mentor):
            if user.pk in already or selectors.own_feedback(session, user) is not None:
                continue
            other = session.mentor if user.pk == session.mentee_id else session.mentee
            try:
                with transaction.atomic():
                    FeedbackPrompt.objects.create(session=session, user=user, sent_at=now)
                    notify(
                        user,
                        kind="feedback_prompt",
                        title=f"How was your session with {selectors.display_name(other)}?",
                        body="Your feedback takes a minute and helps you both.",
                        url=reverse("sessions:feedback", args=[session.pk]),
                    )
            except IntegrityError:
                continue  # another worker prompted this person first
            sent += 1
    return sent


def send_agenda_prep_reminders(now: datetime | None = None) -> int:
    """Ask the mentee to prepare the agenda of each booked session starting within 24 h whose
    agenda is still empty (no topics, questions, links or booking note). Exactly once per
    session: the unique AgendaPrepReminder row is claimed in the same transaction as the
    notification. Returns the number of reminders sent.
    """
    now = now or timezone.now()
    sessions = (
        Session.objects.filter(
            status=SessionStatus.BOOKED,
            starts_at__gt=now + AGENDA_PREP_CUTOFF,
            starts_at__lte=now + AGENDA_PREP_LEAD,
            agenda_prep_reminder__isnull=True,
        )
        .select_related("mentor__profile", "mentee")
        .order_by("starts_at")
    )
    sent = 0
    for session in sessions:
        if selectors.agenda_text(session):
            continue  # something is prepared already; checked again next run if it empties
        try:
            with transaction.atomic():
                AgendaPrepReminder.objects.create(session=session, sent_at=now)
                notify(
                    session.mentee,
                    kind="agenda_prep",
                    title=(
                        "Please prepare the agenda for your session with "
                        f"{selectors.display_name(session.mentor)}"
                    ),
                    body=(
                        "The agenda is still empty. Add the topics and questions you want to "
                        "cover, or start from a template, so you both get the most out of it."
                    ),
                    url=reverse("sessions:agenda", args=[session.pk]),
                )
        except IntegrityError:
            continue  # another worker reminded this session first
        sent += 1
    return sent
