"""/api/v1/workshops/...: parse, reach the workshop through the access helper, call a service."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Status

from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id

from . import errors, selectors, services
from .models import Room, Workshop
from .schemas import (
    AssignIn,
    CancelIn,
    ChooseIn,
    CountIn,
    FeedbackIn,
    LockIn,
    MediaOut,
    MuteIn,
    NoteIn,
    OpenIn,
    RegistrationOut,
    RoomOut,
    RoomStateOut,
    SignalIn,
    SignalOut,
    SpotlightIn,
    StageIn,
    SummaryOut,
    TextIn,
    WorkshopIn,
    WorkshopOut,
)

router = Router(tags=["workshops"])


def _out(workshop: Workshop, user) -> dict:  # type: ignore[no-untyped-def]
    registration = selectors.registration_of(user, workshop)
    return {
        "id": workshop.pk,
        "title": workshop.title,
        "description": workshop.description,
        "agenda": workshop.agenda,
        "starts_at": workshop.starts_at,
        "ends_at": workshop.ends_at,
        "zone": workshop.zone,
        "capacity": workshop.capacity,
        "registered": selectors.registered_count(workshop),
        "facilitator_id": workshop.facilitator_id,
        "is_public": workshop.is_public,
        "community_id": workshop.community_id,
        "my_status": registration.status if registration else None,
        "joinable": workshop.is_joinable(),
        "cancelled_at": workshop.cancelled_at,
        "cancel_note": workshop.cancel_note,
    }


def _room_out(room: Room) -> dict:
    workshop = room.workshop
    return {
        "id": room.pk,
        "name": room.name,
        "kind": room.kind,
        "chat_conversation_id": room.conversation_id,
        "prompt": workshop.breakout_prompt if room.kind == "breakout" else "",
        "breakouts_end_at": workshop.breakouts_end_at,
        "recall_at": workshop.recall_at,
    }


@router.get("/workshops", response={200: list[WorkshopOut], **READ_ERRORS})
def list_workshops(request: HttpRequest):  # type: ignore[no-untyped-def]
    return [_out(w, request.user) for w in selectors.upcoming_workshops(request.user)[:100]]


@router.post("/workshops", response={**WRITE_ERRORS, 201: WorkshopOut})
def create_workshop(request: HttpRequest, payload: WorkshopIn):  # type: ignore[no-untyped-def]
    data = payload.dict()
    community_id = data.pop("community_id")
    community = (
        selectors.community_to_schedule_in(request.user, community_id) if community_id else None
    )
    workshop = services.create_workshop(request.user, **data, community=community)
    return Status(201, _out(workshop, request.user))


@router.get("/workshops/{workshop_id}", response={200: WorkshopOut, **READ_ERRORS})
def workshop_detail(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    return _out(selectors.get_workshop_for(request.user, workshop_id), request.user)


@router.post(
    "/workshops/{workshop_id}/registration", response={**WRITE_ERRORS, 201: RegistrationOut}
)
def register(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    registration = services.register(request.user, workshop)
    return Status(201, {"workshop_id": workshop.pk, "status": registration.status})


@router.delete("/workshops/{workshop_id}/registration", response={**WRITE_ERRORS, 204: None})
def cancel(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    services.cancel_registration(request.user, workshop)
    return Status(204, None)


@router.post("/workshops/{workshop_id}/cancel", response={200: WorkshopOut, **WRITE_ERRORS})
def cancel_workshop(request: HttpRequest, workshop_id: int, payload: CancelIn):  # type: ignore[no-untyped-def]
    """The facilitator (or a moderator of its community) calls the workshop off for everyone;
    calling it off again changes nothing."""
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    return _out(services.cancel_workshop(request.user, workshop, payload.note), request.user)


@router.post("/workshops/{workshop_id}/join", response={200: RoomOut, **WRITE_ERRORS})
def join(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    return _room_out(services.join(request.user, workshop))


@router.post("/workshops/{workshop_id}/leave", response={**WRITE_ERRORS, 204: None})
def leave(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    services.leave(request.user, workshop)
    return Status(204, None)


@router.get("/workshops/{workshop_id}/room", response={200: RoomOut, **READ_ERRORS})
def current_room(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    if not selectors.is_member(request.user, workshop):
        raise errors.NotRegistered()
    if workshop.cancelled_at is not None:
        raise errors.WorkshopCancelled()  # no room to be in (an open page stops moving)
    return _room_out(selectors.current_room_for(request.user, workshop))


@router.get("/workshops/rooms/{room_id}/media", response={200: MediaOut, **READ_ERRORS})
def room_media(request: HttpRequest, room_id: str, asked_at: int | None = None):  # type: ignore[no-untyped-def]
    """Media for a room the caller is in now (404 for any other room, however it is named).
    `asked_at`: when the page asked, in ms by its own clock; 409 `stale_media_request` when
    the same session has since asked for newer media (requests overtaking each other)."""
    room = selectors.get_room_for(request.user, room_id)
    session = getattr(request, "session", None)
    return services.media_for(
        request.user,
        room,
        session_key=session.session_key if session is not None else None,
        asked_at=asked_at,
    )


@router.post("/workshops/rooms/{room_id}/media/published", response={**WRITE_ERRORS, 204: None})
def media_published(request: HttpRequest, room_id: str):  # type: ignore[no-untyped-def]
    """The page's feed is live in the room (Janus): while the room is muted, it is muted too."""
    room = selectors.get_room_for(request.user, room_id)
    services.media_published(request.user, room)
    return Status(204, None)


@router.put("/workshops/rooms/{room_id}/note", response={200: RoomOut, **WRITE_ERRORS})
def save_note(request: HttpRequest, room_id: str, payload: NoteIn):  # type: ignore[no-untyped-def]
    room = selectors.get_member_room_for(request.user, room_id)
    return _room_out(services.save_note(request.user, room, payload.note))


def _facilitated(request: HttpRequest, workshop_id: int) -> Workshop:
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    if request.user.pk != workshop.facilitator_id:
        raise errors.NotFacilitator()
    return workshop


@router.post("/workshops/{workshop_id}/breakouts", response={**WRITE_ERRORS, 201: list[RoomOut]})
def create_breakouts(request: HttpRequest, workshop_id: int, payload: CountIn):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    rooms = services.create_breakouts(request.user, workshop, payload.count)
    return Status(201, [_room_out(r) for r in rooms])


@router.post(
    "/workshops/{workshop_id}/breakouts/assign",
    response={200: dict[str, list[int]], **WRITE_ERRORS},
)
def assign(request: HttpRequest, workshop_id: int, payload: AssignIn):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    if payload.mode == "hand":
        if payload.user_id is None or payload.room_id is None:
            raise errors.BadWorkshop(fields={"user_id": ["Give user_id and room_id."]})
        services.assign_by_hand(request.user, workshop, payload.user_id, payload.room_id)
        plan = selectors.assignments_by_room(workshop)
    elif payload.mode == "auto":
        plan = services.assign_automatically(request.user, workshop, mix=payload.mix)
    else:
        raise errors.BadWorkshop(fields={"mode": ["auto or hand"]})
    return {str(k): v for k, v in plan.items()}


@router.post("/workshops/{workshop_id}/breakouts/choose", response={200: RoomOut, **WRITE_ERRORS})
def choose(request: HttpRequest, workshop_id: int, payload: ChooseIn):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    placed = services.choose_room(request.user, workshop, payload.room_id)
    return _room_out(placed.room)


@router.post("/workshops/{workshop_id}/breakouts/open", response={**WRITE_ERRORS, 204: None})
def open_breakouts(request: HttpRequest, workshop_id: int, payload: OpenIn):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    services.open_breakouts(request.user, workshop, **payload.dict())
    return Status(204, None)


@router.post("/workshops/{workshop_id}/breakouts/recall", response={**WRITE_ERRORS, 204: None})
def recall(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    services.bring_everyone_back(request.user, workshop)
    return Status(204, None)


@router.post("/workshops/{workshop_id}/broadcast", response={200: dict[str, int], **WRITE_ERRORS})
def broadcast(request: HttpRequest, workshop_id: int, payload: TextIn):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    return {"reached": services.broadcast(request.user, workshop, payload.text)}


@router.post("/workshops/{workshop_id}/lock", response={**WRITE_ERRORS, 204: None})
def lock(request: HttpRequest, workshop_id: int, payload: LockIn):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    services.set_locked(request.user, workshop, payload.locked)
    return Status(204, None)


@router.post(
    "/workshops/{workshop_id}/participants/{user_id}/remove", response={**WRITE_ERRORS, 204: None}
)
def remove(request: HttpRequest, workshop_id: int, user_id: int):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    services.remove_participant(request.user, workshop, user_id)
    return Status(204, None)


def _state_out(room: Room) -> dict:
    return {"room": room.pk, **services.room_state(room)}


@router.post(
    "/workshops/{workshop_id}/rooms/{room_id}/mute", response={200: RoomStateOut, **WRITE_ERRORS}
)
def mute_all(request: HttpRequest, workshop_id: int, room_id: Id, payload: MuteIn):  # type: ignore[no-untyped-def]
    """Facilitator: mute every microphone in the room (with Janus enforced server-side) or,
    with `muted: false`, let people unmute themselves again."""
    workshop = _facilitated(request, workshop_id)
    room = selectors.get_workshop_room(workshop, room_id)
    return _state_out(services.mute_all(request.user, room, payload.muted))


@router.post(
    "/workshops/{workshop_id}/rooms/{room_id}/spotlight",
    response={200: RoomStateOut, **WRITE_ERRORS},
)
def spotlight(request: HttpRequest, workshop_id: int, room_id: Id, payload: SpotlightIn):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    room = selectors.get_workshop_room(workshop, room_id)
    return _state_out(services.spotlight(request.user, room, payload.user_id))


@router.post(
    "/workshops/{workshop_id}/rooms/{room_id}/stage", response={200: RoomStateOut, **WRITE_ERRORS}
)
def stage(request: HttpRequest, workshop_id: int, room_id: Id, payload: StageIn):  # type: ignore[no-untyped-def]
    """Facilitator: put a speaker on the mesh stage (`on`) or take them off."""
    workshop = _facilitated(request, workshop_id)
    room = selectors.get_workshop_room(workshop, room_id)
    return _state_out(services.set_stage(request.user, room, payload.user_id, payload.on))


@router.get("/workshops/{workshop_id}/signals", response={200: list[SignalOut], **READ_ERRORS})
def signals(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    """Raised hands and help requests in the order raised: all of them for the facilitator,
    one's own for a participant."""
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    items = selectors.open_signals(workshop)
    if request.user.pk != workshop.facilitator_id:
        items = items.filter(user=request.user)
    return [
        {
            "id": s.pk,
            "user_id": s.user_id,
            "name": selectors.display_name(s.user),
            "kind": s.kind,
            "room": s.room.name if s.room else None,
            "raised_at": s.raised_at,
        }
        for s in items
    ]


@router.post(
    "/workshops/{workshop_id}/signals/{signal_id}/lower", response={**WRITE_ERRORS, 204: None}
)
def lower_signal(request: HttpRequest, workshop_id: int, signal_id: Id):  # type: ignore[no-untyped-def]
    """Lower one's own hand, or (facilitator) mark it answered."""
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    services.lower_signal(request.user, workshop, signal_id)
    return Status(204, None)


@router.post("/workshops/{workshop_id}/signals", response={**WRITE_ERRORS, 201: dict[str, int]})
def raise_signal(request: HttpRequest, workshop_id: int, payload: SignalIn):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    signal = services.raise_signal(request.user, workshop, payload.kind)
    return Status(201, {"id": signal.pk})


@router.post("/workshops/{workshop_id}/feedback", response={**WRITE_ERRORS, 201: dict[str, int]})
def feedback(request: HttpRequest, workshop_id: int, payload: FeedbackIn):  # type: ignore[no-untyped-def]
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    item = services.submit_feedback(request.user, workshop, payload.rating, payload.comment)
    return Status(201, {"rating": item.rating})


@router.get("/workshops/{workshop_id}/summary", response={200: SummaryOut, **READ_ERRORS})
def summary(request: HttpRequest, workshop_id: int):  # type: ignore[no-untyped-def]
    workshop = _facilitated(request, workshop_id)
    fb = selectors.feedback_summary(workshop)
    return {
        "attendance": [
            {
                "user_id": e["user"].pk,
                "name": selectors.display_name(e["user"]),
                "first_joined_at": e["first_joined_at"],
                "minutes": e["minutes"],
            }
            for e in selectors.attendance_summary(workshop)
        ],
        "feedback_average": fb["average"],
        "feedback_count": fb["count"],
        "feedback_withheld": fb["withheld"],
        "feedback_closes_at": fb["closes_at"],
        "feedback_k": fb["k"],
    }
