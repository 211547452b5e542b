"""Sessions API: agenda, notes, action items and feedback under /api/v1/.

Every route reaches its session through scheduling's `get_session_for`, so a session the
caller does not take part in answers 404.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.responses import Status

from mentorloom.core.errors import InvalidInput, error_body
from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id
from mentorloom.scheduling.models import Session
from mentorloom.scheduling.selectors import get_session_for

from . import insights, selectors, services
from .errors import StaleNotes
from .insights import TRAIT_KEYS
from .models import ActionItem, AgendaTemplate
from .schemas import (
    AcceptSuggestionIn,
    ActionItemIn,
    ActionItemOut,
    ActionItemPatch,
    AgendaIn,
    AgendaOut,
    ApplyTemplateIn,
    FeedbackIn,
    FeedbackOut,
    FeedbackSummaryOut,
    NotesIn,
    NotesOut,
    PrivateNoteIn,
    PrivateNoteOut,
    TemplateOut,
)

router = Router(tags=["sessions"])


def agenda_out(session: Session) -> dict:
    agenda = selectors.agenda_for(session)
    return {
        "session_id": session.pk,
        "version": agenda.version,
        "topics": selectors.topics_of(agenda),
        "questions": agenda.questions,
        "links": agenda.link_list,
        "suggestions": [s.__dict__ for s in selectors.carry_forward(session)],
        "text": selectors.agenda_text(session),
    }


@router.get("/agenda-templates", response={200: list[TemplateOut], **READ_ERRORS})
def list_templates(request: HttpRequest) -> list[AgendaTemplate]:
    return list(selectors.templates())


@router.get("/sessions/{session_id}/agenda", response={200: AgendaOut, **READ_ERRORS})
def get_agenda(request: HttpRequest, session_id: Id) -> dict:
    return agenda_out(get_session_for(request.user, session_id))


@router.put("/sessions/{session_id}/agenda", response={200: AgendaOut, **WRITE_ERRORS})
def put_agenda(request: HttpRequest, session_id: Id, payload: AgendaIn) -> dict:
    """Replaces the whole agenda. With `base_version`, a stale save answers 409."""
    session = get_session_for(request.user, session_id)
    services.replace_agenda(
        session,
        request.user,
        topics=[t.dict() for t in payload.topics],
        questions=payload.questions,
        links=payload.links,
        base_version=payload.base_version,
    )
    return agenda_out(session)


@router.post("/sessions/{session_id}/agenda/template", response={200: AgendaOut, **WRITE_ERRORS})
def apply_template(request: HttpRequest, session_id: Id, payload: ApplyTemplateIn) -> dict:
    session = get_session_for(request.user, session_id)
    template = selectors.templates().filter(slug=payload.template).first()
    if template is None:
        raise InvalidInput(fields={"template": ["Unknown template."]})
    services.apply_template(session, request.user, template)
    return agenda_out(session)


@router.post("/sessions/{session_id}/agenda/suggestions", response={200: AgendaOut, **WRITE_ERRORS})
def accept_suggestion(request: HttpRequest, session_id: Id, payload: AcceptSuggestionIn) -> dict:
    session = get_session_for(request.user, session_id)
    services.accept_suggestion(session, request.user, kind=payload.kind, item_id=payload.id)
    return agenda_out(session)


def notes_out(session: Session) -> dict:
    notes = selectors.notes_for(session)
    return {
        "session_id": session.pk,
        "body": notes.body,
        "html": selectors.notes_html(notes),
        "version": notes.version,
        "updated_at": notes.updated_at if notes.pk else None,
    }


@router.get("/sessions/{session_id}/notes", response={200: NotesOut, **READ_ERRORS})
def get_notes(request: HttpRequest, session_id: Id) -> dict:
    return notes_out(get_session_for(request.user, session_id))


@router.put("/sessions/{session_id}/notes", response={**WRITE_ERRORS, 200: NotesOut, 409: dict})
def put_notes(request: HttpRequest, session_id: Id, payload: NotesIn) -> object:
    """Saves the shared notes. From an older `base_version`, with `base_body` (the text at that
    version) the save is merged with what was saved since; 409 (with the current text and
    version, and with base_body the `merged` text and the `overlaps`) only when both changed
    the same lines, or when the save is stale and base_body is missing."""
    session = get_session_for(request.user, session_id)
    try:
        services.save_notes(
            session,
            request.user,
            body=payload.body,
            base_version=payload.base_version,
            base_body=payload.base_body,
        )
    except StaleNotes as exc:
        body = error_body(exc.code, exc.message)
        body["current"] = {"body": exc.current_body, "version": exc.current_version}
        if exc.merged is not None:
            body["merged"] = exc.merged
            body["overlaps"] = [
                {"base": o.base, "mine": o.mine, "theirs": o.theirs} for o in exc.overlaps
            ]
        return Status(409, body)
    return notes_out(session)


@router.get("/sessions/{session_id}/private-note", response={200: PrivateNoteOut, **READ_ERRORS})
def get_private_note(request: HttpRequest, session_id: Id) -> dict:
    note = selectors.private_note_for(get_session_for(request.user, session_id), request.user)
    return {"body": note.body, "updated_at": note.updated_at if note.pk else None}


@router.put("/sessions/{session_id}/private-note", response={200: PrivateNoteOut, **WRITE_ERRORS})
def put_private_note(request: HttpRequest, session_id: Id, payload: PrivateNoteIn) -> dict:
    session = get_session_for(request.user, session_id)
    note = services.save_private_note(session, request.user, body=payload.body)
    return {"body": note.body, "updated_at": note.updated_at}


def item_out(item: ActionItem, today=None) -> dict:  # type: ignore[no-untyped-def]
    today = today or timezone.now().date()
    return {
        "id": item.pk,
        "session_id": item.session_id,
        "mentorship_id": item.mentorship_id,
        "owner_id": item.owner_id,
        "title": item.title,
        "due_date": item.due_date,
        "status": item.status,
        "source": item.source,
        "overdue": item.is_overdue(today),
    }


@router.get(
    "/sessions/{session_id}/action-items", response={200: list[ActionItemOut], **READ_ERRORS}
)
def list_items(request: HttpRequest, session_id: Id) -> list[dict]:
    session = get_session_for(request.user, session_id)
    today = selectors.today_for(request.user)
    return [item_out(i, today) for i in selectors.action_items_of(session)]


@router.post("/sessions/{session_id}/action-items", response={**WRITE_ERRORS, 201: ActionItemOut})
def create_item(request: HttpRequest, session_id: Id, payload: ActionItemIn) -> Status:
    session = get_session_for(request.user, session_id)
    item = services.create_action_item(
        session,
        request.user,
        title=payload.title,
        owner_id=payload.owner_id,
        due_date=payload.due_date,
        source=payload.source,
    )
    return Status(201, item_out(item, selectors.today_for(request.user)))


@router.patch("/action-items/{item_id}", response={200: ActionItemOut, **WRITE_ERRORS})
def patch_item(request: HttpRequest, item_id: Id, payload: ActionItemPatch) -> dict:
    item = selectors.get_action_item_for(request.user, item_id)
    changes = payload.dict(exclude_unset=True)
    services.update_action_item(item, request.user, **changes)
    return item_out(item, selectors.today_for(request.user))


@router.get("/me/action-items", response={200: list[ActionItemOut], **READ_ERRORS})
def my_items(request: HttpRequest) -> list[dict]:
    today = selectors.today_for(request.user)
    return [item_out(i, today) for i in selectors.open_action_items_for(request.user)[:200]]


def feedback_out(session: Session, user) -> dict:  # type: ignore[no-untyped-def]
    mine = selectors.own_feedback(session, user)
    is_mentee = user.pk == session.mentee_id
    if mine is None:
        mine_out = None
    elif is_mentee:
        mine_out = {t: getattr(mine, t) for t in TRAIT_KEYS} | {
            "useful": mine.useful,
            "comment": mine.comment,
            "share_comment": mine.share_comment,
        }
    else:
        mine_out = {k: getattr(mine, k) for k in ("progress", "strengths", "next_steps")}
    received = selectors.feedback_for_mentee(session) if is_mentee else None
    can_give = selectors.can_give_feedback(session, user)
    return {
        "session_id": session.pk,
        "role": "mentee" if is_mentee else "mentor",
        "can_give": can_give,
        "given": mine is not None,
        "editable": can_give and selectors.can_edit_feedback(mine),
        "mine": mine_out,
        "received": (
            {k: getattr(received, k) for k in ("progress", "strengths", "next_steps")}
            if received
            else None
        ),
    }


@router.get("/sessions/{session_id}/feedback", response={200: FeedbackOut, **READ_ERRORS})
def get_feedback(request: HttpRequest, session_id: Id) -> dict:
    return feedback_out(get_session_for(request.user, session_id), request.user)


@router.put("/sessions/{session_id}/feedback", response={200: FeedbackOut, **WRITE_ERRORS})
def put_feedback(request: HttpRequest, session_id: Id, payload: FeedbackIn) -> dict:
    """The mentee rates the five traits (1–5, 422 otherwise) and says if it was useful; the
    mentor writes progress/strengths/next steps. 409 before the session ended or after the
    7-day edit window."""
    session = get_session_for(request.user, session_id)
    if request.user.pk == session.mentee_id:
        if payload.useful is None:
            raise InvalidInput(fields={"useful": ["Say whether the session was useful."]})
        services.give_trait_feedback(
            session,
            request.user,
            ratings={t: getattr(payload, t) for t in TRAIT_KEYS},
            useful=payload.useful,
            comment=payload.comment,
            share_comment=payload.share_comment,
        )
    else:
        services.give_mentee_feedback(
            session,
            request.user,
            progress=payload.progress,
            strengths=payload.strengths,
            next_steps=payload.next_steps,
        )
    return feedback_out(session, request.user)


@router.get("/me/feedback-summary", response={200: FeedbackSummaryOut, **READ_ERRORS})
def feedback_summary(
    request: HttpRequest, period: str | None = None, days: int | None = None
) -> dict:
    """Your trait averages as a mentor for a fixed period ("90d", "12m", "all"; the legacy
    `days` accepts 90, 365 and 0), as of the last weekly release; never an individual
    rating, and never a figure that differs from another by fewer than k mentees."""
    key = selectors.parse_period(period, days)
    released = selectors.feedback_summary(request.user, key)
    summary = released.summary
    return {
        "enough": summary.enough,
        "k": summary.k,
        "period": key,
        "days": insights.PERIODS[key],
        "released_at": released.released_at,
        "next_release_at": released.next_release_at,
        "unchanged": released.unchanged,
        # The exact count below k would itself hint at who rated; only say it once above.
        "raters": summary.raters if summary.enough else None,
        "ratings": summary.ratings if summary.enough else None,
        "averages": summary.averages,
        "useful_share": summary.useful_share,
        "trend": [
            {"month": p.month, "average": p.value, "ratings": p.ratings}
            for p in released.trend_points
        ],
        "shared_comments": released.comments,
    }
