"""Requests, mentorships, agreements and goals API. Only participants see a request, a
mentorship or a goal; everyone else gets 404."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router
from ninja.responses import Status

from mentorloom.core.idempotency import run_once
from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id

from . import access, selectors, services
from .models import (
    AGREEMENT_FIELDS,
    AgreementVersion,
    Goal,
    Mentorship,
    MentorshipRequest,
)
from .schemas import (
    AgreementOut,
    ConfirmIn,
    DeclineIn,
    EndIn,
    GoalIn,
    GoalOut,
    GoalPatch,
    MentorshipOut,
    MessageIn,
    MilestoneIn,
    MilestoneOut,
    MilestonePatch,
    PauseIn,
    ProgressIn,
    ProposeIn,
    RequestIn,
    RequestMessageOut,
    RequestOut,
    WaitlistOut,
)

router = Router(tags=["mentorships"])


def _person(user) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return {"user_id": user.pk, "name": user.get_full_name()}


def _request_body(r: MentorshipRequest) -> dict[str, Any]:
    return {
        "id": r.pk,
        "mentor": _person(r.mentor),
        "mentee": _person(r.mentee),
        "message": r.message,
        "goals": sorted(g.name for g in r.goals.all()),
        "preferred_format": r.preferred_format,
        "cadence": r.cadence,
        "status": r.status,
        "created_at": r.created_at,
        "expires_at": r.expires_at,
        "first_response_at": r.first_response_at,
        "decline_reason": r.decline_reason,
        "mentorship_id": r.mentorship_id,
        "thread": [
            {"id": m.pk, "author_id": m.author_id, "body": m.body, "created_at": m.created_at}
            for m in r.thread.all()
        ],
    }


def _fresh_request(r: MentorshipRequest) -> MentorshipRequest:
    return (
        MentorshipRequest.objects.select_related("mentor__profile", "mentee__profile")
        .prefetch_related("goals", "thread")
        .get(pk=r.pk)
    )


# --- Requests -------------------------------------------------------------------------------


@router.post(
    "/requests",
    response={**WRITE_ERRORS, 200: RequestOut, 201: RequestOut},
    summary="Send a request",
)
def create_request(
    request: HttpRequest,
    response: HttpResponse,
    payload: RequestIn,
    idempotency_key: str | None = Header(default=None, alias="Idempotency-Key"),
) -> Status:
    """Send a connection request. Retrying with the same `Idempotency-Key` header returns the
    first answer instead of creating a second request."""

    def create() -> tuple[int, dict[str, Any]]:
        created = services.send_request(request.user, **payload.dict())
        return 201, _json(_request_body(_fresh_request(created)))

    return Status(
        *run_once(request.user, "request.create", idempotency_key, payload.dict(), create)
    )


def _json(body: dict[str, Any]) -> dict[str, Any]:
    # Stored answers are JSON; serialise datetimes the way ninja would.
    import json

    from django.core.serializers.json import DjangoJSONEncoder

    return json.loads(json.dumps(body, cls=DjangoJSONEncoder))


@router.get("/requests", response={200: list[RequestOut], **READ_ERRORS}, summary="Your requests")
def list_requests(request: HttpRequest, role: str = "mentee", status: str | None = None) -> list:
    """`role=mentee` lists requests you sent, `role=mentor` those you received."""
    qs = (
        selectors.requests_received(request.user)
        if role == "mentor"
        else selectors.requests_sent(request.user)
    )
    if status:
        qs = qs.filter(status=status)
    qs = qs.select_related("mentor__profile", "mentee__profile").prefetch_related("thread")
    return [_request_body(r) for r in qs[:200]]


@router.get("/requests/{request_id}", response={200: RequestOut, **READ_ERRORS})
def get_request(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    return _request_body(_fresh_request(access.get_request_for(request.user, request_id)))


@router.post("/requests/{request_id}/accept", response={200: MentorshipOut, **WRITE_ERRORS})
def accept(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    r = access.get_request_for(request.user, request_id)
    return _mentorship_body(services.accept_request(request.user, r))


@router.post("/requests/{request_id}/decline", response={200: RequestOut, **WRITE_ERRORS})
def decline(request: HttpRequest, request_id: Id, payload: DeclineIn) -> dict[str, Any]:
    r = access.get_request_for(request.user, request_id)
    return _request_body(_fresh_request(services.decline_request(request.user, r, payload.reason)))


@router.post("/requests/{request_id}/ask-info", response={**WRITE_ERRORS, 201: RequestMessageOut})
def ask_info(request: HttpRequest, request_id: Id, payload: MessageIn) -> Status:
    r = access.get_request_for(request.user, request_id)
    return Status(201, services.ask_for_info(request.user, r, payload.body))


@router.post("/requests/{request_id}/answer", response={**WRITE_ERRORS, 201: RequestMessageOut})
def answer(request: HttpRequest, request_id: Id, payload: MessageIn) -> Status:
    r = access.get_request_for(request.user, request_id)
    return Status(201, services.answer_info(request.user, r, payload.body))


@router.post("/requests/{request_id}/withdraw", response={200: RequestOut, **WRITE_ERRORS})
def withdraw(request: HttpRequest, request_id: Id) -> dict[str, Any]:
    r = access.get_request_for(request.user, request_id)
    return _request_body(_fresh_request(services.withdraw_request(request.user, r)))


@router.post("/mentors/{mentor_id}/waitlist", response={**WRITE_ERRORS, 201: WaitlistOut})
def join_waitlist(request: HttpRequest, mentor_id: Id) -> Status:
    entry = services.join_waitlist(request.user, mentor_id)
    return Status(
        201,
        {
            "mentor_id": entry.mentor_id,
            "position": selectors.waitlist_position(entry),
            "created_at": entry.created_at,
        },
    )


@router.delete("/mentors/{mentor_id}/waitlist", response={**WRITE_ERRORS, 204: None})
def leave_waitlist(request: HttpRequest, mentor_id: Id) -> Status:
    services.leave_waitlist(request.user, mentor_id)
    return Status(204, None)


# --- Mentorships ----------------------------------------------------------------------------


def _mentorship_body(m: Mentorship) -> dict[str, Any]:
    return {
        "id": m.pk,
        "mentor": _person(m.mentor),
        "mentee": _person(m.mentee),
        "status": m.status,
        "started_at": m.started_at,
        "paused_until": m.paused_until,
        "ended_at": m.ended_at,
    }


@router.get("/mentorships", response={200: list[MentorshipOut], **READ_ERRORS})
def list_mentorships(request: HttpRequest) -> list[dict[str, Any]]:
    return [_mentorship_body(m) for m in selectors.mentorships_for_list(request.user)]


@router.get("/mentorships/{mentorship_id}", response={200: MentorshipOut, **READ_ERRORS})
def get_mentorship(request: HttpRequest, mentorship_id: Id) -> dict[str, Any]:
    return _mentorship_body(access.get_mentorship_for(request.user, mentorship_id))


@router.post("/mentorships/{mentorship_id}/pause", response={200: MentorshipOut, **WRITE_ERRORS})
def pause(request: HttpRequest, mentorship_id: Id, payload: PauseIn) -> dict[str, Any]:
    m = access.get_mentorship_for(request.user, mentorship_id)
    return _mentorship_body(services.pause_mentorship(request.user, m, payload.until, payload.note))


@router.post("/mentorships/{mentorship_id}/resume", response={200: MentorshipOut, **WRITE_ERRORS})
def resume(request: HttpRequest, mentorship_id: Id) -> dict[str, Any]:
    m = access.get_mentorship_for(request.user, mentorship_id)
    return _mentorship_body(services.resume_mentorship(request.user, m))


@router.post("/mentorships/{mentorship_id}/end", response={200: MentorshipOut, **WRITE_ERRORS})
def end(request: HttpRequest, mentorship_id: Id, payload: EndIn) -> dict[str, Any]:
    m = access.get_mentorship_for(request.user, mentorship_id)
    services.end_mentorship(request.user, m, **payload.dict())
    return _mentorship_body(access.get_mentorship_for(request.user, mentorship_id))


# --- Agreement ------------------------------------------------------------------------------


def _version_body(v: AgreementVersion | None) -> dict[str, Any] | None:
    if v is None:
        return None
    return {
        **v.values(),
        "number": v.number,
        "proposed_by_id": v.proposed_by_id,
        "created_at": v.created_at,
        "mentor_confirmed_at": v.mentor_confirmed_at,
        "mentee_confirmed_at": v.mentee_confirmed_at,
        "is_confirmed": v.is_confirmed,
    }


def _agreement_body(m: Mentorship) -> dict[str, Any]:
    state = selectors.agreement_state(m)
    return {
        "in_force": _version_body(state.in_force),
        "latest": _version_body(state.latest),
        "pending_changes": [
            {"name": d.name, "label": d.label, "before": d.before, "after": d.after}
            for d in state.diff_pending()
        ],
        "versions": [_version_body(v) for v in state.versions],
    }


@router.get("/mentorships/{mentorship_id}/agreement", response={200: AgreementOut, **READ_ERRORS})
def get_agreement(request: HttpRequest, mentorship_id: Id) -> dict[str, Any]:
    return _agreement_body(access.get_mentorship_for(request.user, mentorship_id))


@router.post("/mentorships/{mentorship_id}/agreement", response={**WRITE_ERRORS, 201: AgreementOut})
def propose_agreement(request: HttpRequest, mentorship_id: Id, payload: ProposeIn) -> Status:
    """Propose a new version, based on `base_version` (409 if a newer one exists)."""
    m = access.get_mentorship_for(request.user, mentorship_id)
    values = {name: getattr(payload, name) for name, _ in AGREEMENT_FIELDS}
    services.propose_agreement(request.user, m, values, base_number=payload.base_version)
    return Status(201, _agreement_body(m))


@router.post(
    "/mentorships/{mentorship_id}/agreement/confirm", response={200: AgreementOut, **WRITE_ERRORS}
)
def confirm_agreement(request: HttpRequest, mentorship_id: Id, payload: ConfirmIn) -> dict:
    """Confirm the newest version; confirming an older one answers 409."""
    m = access.get_mentorship_for(request.user, mentorship_id)
    services.confirm_agreement(request.user, m, payload.version)
    return _agreement_body(m)


# --- Goals ----------------------------------------------------------------------------------


def _goal_body(g: Goal) -> dict[str, Any]:
    return {
        "id": g.pk,
        "mentorship_id": g.mentorship_id,
        "owner_id": g.owner_id,
        "title": g.title,
        "description": g.description,
        "target_date": g.target_date,
        "status": g.status,
        "progress": g.progress,
        "is_private": g.is_private,
        "milestones": [
            {"id": m.pk, "title": m.title, "due_date": m.due_date, "done_at": m.done_at}
            for m in g.milestones.all()
        ],
        "updates": [
            {"progress": u.progress, "note": u.note, "created_at": u.created_at}
            for u in g.updates.all()
        ],
    }


@router.get("/goals", response={200: list[GoalOut], **READ_ERRORS})
def list_goals(request: HttpRequest, mentorship_id: Id | None = None) -> list[dict[str, Any]]:
    """Goals you can see (shared ones and your own private ones), optionally of one mentorship."""
    qs = access.visible_goals(request.user).prefetch_related("milestones", "updates")
    if mentorship_id is not None:
        access.get_mentorship_for(request.user, mentorship_id)
        qs = qs.filter(mentorship_id=mentorship_id)
    return [_goal_body(g) for g in qs]


@router.post("/goals", response={**WRITE_ERRORS, 201: GoalOut})
def create_goal(request: HttpRequest, payload: GoalIn) -> Status:
    m = access.get_mentorship_for(request.user, payload.mentorship_id)
    data = payload.dict()
    data.pop("mentorship_id")
    return Status(201, _goal_body(services.create_goal(request.user, m, **data)))


@router.get("/goals/{goal_id}", response={200: GoalOut, **READ_ERRORS})
def get_goal(request: HttpRequest, goal_id: Id) -> dict[str, Any]:
    return _goal_body(access.get_goal_for(request.user, goal_id))


@router.patch("/goals/{goal_id}", response={200: GoalOut, **WRITE_ERRORS})
def patch_goal(request: HttpRequest, goal_id: Id, payload: GoalPatch) -> dict[str, Any]:
    goal = access.get_goal_for(request.user, goal_id)
    services.update_goal(request.user, goal, **payload.dict(exclude_unset=True))
    return _goal_body(access.get_goal_for(request.user, goal_id))


@router.post("/goals/{goal_id}/milestones", response={**WRITE_ERRORS, 201: MilestoneOut})
def add_milestone(request: HttpRequest, goal_id: Id, payload: MilestoneIn) -> Status:
    goal = access.get_goal_for(request.user, goal_id)
    return Status(201, services.add_milestone(request.user, goal, payload.title, payload.due_date))


@router.patch("/milestones/{milestone_id}", response={200: MilestoneOut, **WRITE_ERRORS})
def patch_milestone(request: HttpRequest, milestone_id: Id, payload: MilestonePatch) -> Any:
    milestone = access.get_milestone_for(request.user, milestone_id)
    return services.set_milestone_done(request.user, milestone, payload.done)


@router.post("/goals/{goal_id}/progress", response={**WRITE_ERRORS, 201: GoalOut})
def add_progress(request: HttpRequest, goal_id: Id, payload: ProgressIn) -> Status:
    goal = access.get_goal_for(request.user, goal_id)
    services.record_progress(request.user, goal, payload.progress, payload.note)
    return Status(201, _goal_body(access.get_goal_for(request.user, goal_id)))
