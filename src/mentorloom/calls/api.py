from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from ninja import Router, Status

from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, ErrorOut, Id
from mentorloom.mentorships.access import get_mentorship_for

from . import services
from .access import get_call_for
from .errors import CallEnded
from .ice import ice_servers_for
from .models import Call
from .schemas import CallOut, IceServerOut

router = Router(tags=["calls"])


def _out(call: Call) -> dict:
    return {
        "id": call.pk,
        "mentorship_id": call.mentorship_id,
        "started_by_id": call.started_by_id,
        "status": call.status,
        "created_at": call.created_at,
        "answered_at": call.answered_at,
        "ended_at": call.ended_at,
        "duration_seconds": call.duration_seconds,
        "room_url": reverse("calls:room", args=[call.pk]),
    }


@router.post(
    "/mentorships/{mentorship_id}/calls", response={**WRITE_ERRORS, 200: CallOut, 201: CallOut}
)
def start_call(request: HttpRequest, mentorship_id: Id):  # type: ignore[no-untyped-def]
    """Start a call, or join the one already live in this mentorship (200)."""
    call, created = services.start_call(request.user, mentorship_id)
    return Status(201 if created else 200, _out(call))


@router.get("/mentorships/{mentorship_id}/calls", response={200: list[CallOut], **READ_ERRORS})
def call_history(request: HttpRequest, mentorship_id: Id):  # type: ignore[no-untyped-def]
    mentorship = get_mentorship_for(request.user, mentorship_id)
    return [_out(c) for c in mentorship.calls.all()[:100]]


@router.get("/calls/{call_id}", response={200: CallOut, **READ_ERRORS})
def call_detail(request: HttpRequest, call_id: Id):  # type: ignore[no-untyped-def]
    return _out(get_call_for(request.user, call_id))


@router.post("/calls/{call_id}/end", response={200: CallOut, **WRITE_ERRORS})
def end_call(request: HttpRequest, call_id: Id):  # type: ignore[no-untyped-def]
    return _out(services.end_call(request.user, get_call_for(request.user, call_id)))


@router.post("/calls/{call_id}/decline", response={200: CallOut, **WRITE_ERRORS})
def decline_call(request: HttpRequest, call_id: Id):  # type: ignore[no-untyped-def]
    return _out(services.decline_call(request.user, get_call_for(request.user, call_id)))


@router.get(
    "/calls/{call_id}/ice-servers", response={200: list[IceServerOut], 409: ErrorOut, **READ_ERRORS}
)
def ice_servers(request: HttpRequest, call_id: Id):  # type: ignore[no-untyped-def]
    """STUN/TURN servers with short-lived credentials, while the call is on (409 call_ended
    once it is over, or its two people may no longer talk)."""
    if not services.call_may_go_on(get_call_for(request.user, call_id)):
        raise CallEnded()
    return ice_servers_for(request.user.pk)
