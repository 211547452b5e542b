"""HTML pages: list, schedule, detail (register/cancel, after-workshop notes, chats, feedback),
the live room and the facilitator's controls. Every page works without JavaScript; the room's
script (static/mentorloom/js/workshop_room.js) adds live moves, media and countdowns."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from mentorloom.core.errors import DomainError
from mentorloom.core.forms import add_domain_errors
from mentorloom.core.one_click import act_then_redirect
from mentorloom.messaging.access import get_conversation_for
from mentorloom.messaging.views import chat_context
from mentorloom.scheduling.display import when
from mentorloom.scheduling.selectors import zone_name_of

from . import errors, selectors, services
from .forms import FeedbackForm, NoteForm, WorkshopForm
from .models import MESH_STAGE_SIZE, RoomKind


@login_required
def workshop_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    return render(
        request,
        "workshops/list.html",
        {
            "upcoming": selectors.with_places(
                selectors.upcoming_workshops(request.user, now=now), request.user
            ),
            "past": selectors.visible_workshops(request.user)
            .filter(ends_at__lte=now, registrations__user=request.user)
            .order_by("-starts_at")[:20],
            "facilitated_past": request.user.facilitated_workshops.filter(ends_at__lte=now)[:20],
        },
    )


@login_required
def new_workshop(request: HttpRequest) -> HttpResponse:
    communities = list(selectors.schedulable_communities(request.user))
    initial = {"zone": zone_name_of(request.user)}
    preselected = request.GET.get("community", "")
    if preselected.isdigit() and any(c.pk == int(preselected) for c in communities):
        initial["community"] = int(preselected)
    form = WorkshopForm(request.POST or None, initial=initial, communities=communities)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        community_id = data.pop("community", None)
        try:
            community = (
                selectors.community_to_schedule_in(request.user, community_id)
                if community_id
                else None
            )
            workshop = services.create_workshop(request.user, **data, community=community)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            return redirect("workshops:detail", workshop.pk)
    return render(request, "workshops/new.html", {"form": form})


@login_required
def detail(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    now = timezone.now()
    is_facilitator = request.user.pk == workshop.facilitator_id
    registration = selectors.registration_of(request.user, workshop)
    ended = now >= workshop.ends_at
    context: dict = {
        "workshop": workshop,
        "facilitator_name": selectors.display_name(workshop.facilitator),
        # The zone it was scheduled in, beside the viewer's own time (when they differ).
        "scheduled_in": when(workshop.starts_at, workshop.zone)
        if workshop.zone != zone_name_of(request.user)
        else None,
        "is_facilitator": is_facilitator,
        "registration": registration,
        "registered": selectors.registered_count(workshop),
        "waiting": selectors.waitlist(workshop).count(),
        "joinable": workshop.is_joinable(now) and selectors.is_member(request.user, workshop),
        "opens_soon": not ended and now < workshop.joins_from,
        "ended": ended,
        "my_rooms": selectors.rooms_of_member(request.user, workshop) if ended else [],
        "attended": selectors.attended(request.user, workshop),
        "minutes_present": round(selectors.time_present(request.user, workshop).seconds / 60),
        "feedback_form": FeedbackForm()
        if selectors.feedback_open(workshop, now)
        and not is_facilitator
        and workshop.cancelled_at is None
        else None,
        "may_cancel": workshop.cancelled_at is None
        and not ended
        and selectors.may_cancel(request.user, workshop),
    }
    if is_facilitator:
        context["attendance"] = selectors.attendance_summary(workshop, now=now)
        context["feedback"] = selectors.feedback_summary(workshop, now)
    return render(request, "workshops/detail.html", context)


@login_required
@require_POST
def register(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    try:
        registration = services.register(request.user, workshop)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if registration.status == "waitlisted":
            messages.info(request, "The workshop is full: you are on the waitlist.")
        else:
            messages.success(request, "You are registered. The invitation is in your e-mail.")
    return redirect("workshops:detail", workshop.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    return act_then_redirect(
        request,
        lambda: services.cancel_registration(request.user, workshop),
        "Your registration is cancelled.",
        "workshops:detail",
        workshop.pk,
    )


@login_required
@require_POST
def call_off(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The facilitator (or a moderator of its community) cancels the workshop for everyone."""
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    return act_then_redirect(
        request,
        lambda: services.cancel_workshop(request.user, workshop, request.POST.get("note", "")),
        "The workshop is cancelled. Everyone with a place gets the calendar cancellation.",
        "workshops:detail",
        workshop.pk,
    )


@login_required
def live(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    try:
        room = services.join(request.user, workshop)
    except errors.NotOpenYet as exc:
        # Not a mistake, just early: said once, as information (the page repeats no error).
        messages.info(request, exc.message)
        return redirect(f"{reverse('workshops:detail', args=[workshop.pk])}?early=1")
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("workshops:detail", workshop.pk)
    workshop.refresh_from_db()
    is_facilitator = request.user.pk == workshop.facilitator_id
    conversation = get_conversation_for(request.user, room.conversation_id)
    context = {
        **chat_context(request, conversation),
        "compact": True,
        "workshop": workshop,
        "room": room,
        "is_facilitator": is_facilitator,
        "note_form": NoteForm(initial={"note": room.note})
        if room.kind == RoomKind.BREAKOUT
        else None,
        "breakouts": selectors.breakout_rooms(workshop),
        **_people_context(request.user, workshop, room),
        "config": {
            "workshopId": workshop.pk,
            "roomId": room.pk,
            "userId": request.user.pk,
            "facilitatorId": workshop.facilitator_id,
            "names": {str(k): v for k, v in _names(workshop).items()},
            "facilitator": is_facilitator,
            "recallAt": workshop.recall_at.isoformat() if workshop.recall_at else None,
            "endsAt": (
                workshop.breakouts_end_at.isoformat()
                if workshop.breakouts_end_at and workshop.breakouts_live()
                else None
            ),
        },
    }
    if is_facilitator:
        by_room = selectors.assignments_by_room(workshop)
        people = {
            r.user_id: r.user
            for r in workshop.registrations.filter(status="registered").select_related(
                "user__profile"
            )
        }
        context["room_members"] = [
            (r, [selectors.display_name(people[u]) for u in by_room.get(r.pk, []) if u in people])
            for r in context["breakouts"]
        ]
        context["participants"] = [(uid, selectors.display_name(u)) for uid, u in people.items()]
    return render(request, "workshops/live.html", context)


def _names(workshop) -> dict[int, str]:  # type: ignore[no-untyped-def]
    """Display names of everyone who may be in the room (tiles are captioned from these)."""
    ids = list(workshop.registrations.filter(status="registered").values_list("user_id", flat=True))
    return selectors.names_of([*ids, workshop.facilitator_id])


def _people_context(user, workshop, room) -> dict:  # type: ignore[no-untyped-def]
    """The people panel: who is in `room` (hands marked), the hands in the order raised (all of
    them for the facilitator, one's own for a participant) and the room's controls state."""
    is_facilitator = user.pk == workshop.facilitator_id
    signals = list(selectors.open_signals(workshop))
    raised = [s for s in signals if s.kind == "hand"]
    hands_here = {s.user_id: n for n, s in enumerate(raised, 1)}
    inside = selectors.people_in_room(room)
    names = selectors.names_of(inside)
    people = [
        {
            "id": uid,
            "name": names.get(uid, ""),
            "hand": hands_here.get(uid),
            "facilitator": uid == workshop.facilitator_id,
            "spotlit": uid == room.spotlight_id,
            "on_stage": uid in (room.stage or []) or uid == workshop.facilitator_id,
        }
        for uid in sorted(inside, key=lambda u: (u != workshop.facilitator_id, names.get(u, "")))
    ]
    own = [s for s in signals if s.user_id == user.pk]
    return {
        "panel_room": room,
        "people": people,
        "hands": signals if is_facilitator else own,
        "own_hand": next((s for s in own if s.kind == "hand"), None),
        "stage_full": len(room.stage or []) >= MESH_STAGE_SIZE - 1,
    }


@login_required
def live_people(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """The people panel and one's own hand button, fetched again by the room's script when a
    hand, the spotlight, the stage or the room's people change (no page reload)."""
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    if not selectors.is_member(request.user, workshop):
        raise Http404
    if request.user.pk == workshop.facilitator_id and request.GET.get("room"):
        room = selectors.get_workshop_room(workshop, request.GET["room"])
    else:
        room = selectors.current_room_for(request.user, workshop)
    context = {
        "workshop": workshop,
        "room": room,
        "is_facilitator": request.user.pk == workshop.facilitator_id,
        **_people_context(request.user, workshop, room),
    }
    return render(request, "workshops/_people.html", context)


CONTROL_ACTIONS = {
    "create",
    "assign",
    "open",
    "recall",
    "broadcast",
    "lock",
    "unlock",
    "remove",
    "move",
    "hand",
    "help",
    "lower",
    "choose",
    "leave",
    "mute_all",
    "unmute_all",
    "spotlight",
    "stage_on",
    "stage_off",
}


@login_required
@require_POST
def control(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """Every button of the live room posts here (`action`); the script sends the same forms."""
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    action = request.POST.get("action", "")
    data = request.POST
    user = request.user
    try:
        if action not in CONTROL_ACTIONS:
            raise errors.BadWorkshop("Unknown action.")
        if action == "create":
            services.create_breakouts(user, workshop, _int(data.get("count")))
        elif action == "assign":
            services.assign_automatically(user, workshop, mix=bool(data.get("mix")))
        elif action == "move":
            services.assign_by_hand(user, workshop, _int(data.get("user_id")), data.get("room_id"))
        elif action == "open":
            minutes = _int(data.get("minutes")) if data.get("minutes") else None
            services.open_breakouts(
                user,
                workshop,
                minutes=minutes,
                prompt=data.get("prompt", ""),
                participants_choose=bool(data.get("participants_choose")),
            )
        elif action == "recall":
            services.bring_everyone_back(user, workshop)
        elif action == "broadcast":
            services.broadcast(user, workshop, data.get("text", ""))
        elif action in ("lock", "unlock"):
            services.set_locked(user, workshop, action == "lock")
        elif action == "remove":
            services.remove_participant(user, workshop, _int(data.get("user_id")))
        elif action in ("hand", "help"):
            services.raise_signal(user, workshop, action)
        elif action == "lower":
            services.lower_signal(user, workshop, _int(data.get("signal_id")))
        elif action in ("mute_all", "unmute_all"):
            room = selectors.get_workshop_room(workshop, data.get("room_id"))
            services.mute_all(user, room, action == "mute_all")
        elif action == "spotlight":
            room = selectors.get_workshop_room(workshop, data.get("room_id"))
            who = _int(data.get("user_id")) if data.get("user_id") else None
            services.spotlight(user, room, who)
        elif action in ("stage_on", "stage_off"):
            room = selectors.get_workshop_room(workshop, data.get("room_id"))
            services.set_stage(user, room, _int(data.get("user_id")), action == "stage_on")
        elif action == "choose":
            services.choose_room(user, workshop, data.get("room_id"))
        elif action == "leave":
            services.leave(user, workshop)
            return redirect("workshops:detail", workshop.pk)
    except DomainError as exc:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse(
                {"error": {"code": exc.code, "message": exc.message, "fields": exc.fields}},
                status=exc.status,
            )
        messages.error(request, exc.message)
    return redirect("workshops:live", workshop.pk)


def _int(value: object) -> int:
    try:
        return int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        raise errors.BadWorkshop("A number was expected.") from None


@login_required
def room_chat(request: HttpRequest, room_id: int) -> HttpResponse:
    """The chat panel of a room the viewer belongs to (the script swaps it in after a move)."""
    room = selectors.get_member_room_for(request.user, room_id, breakout_only=False)
    conversation = get_conversation_for(request.user, room.conversation_id)
    return render(
        request,
        "workshops/room_chat.html",
        {**chat_context(request, conversation), "compact": True, "room": room},
    )


@login_required
@require_POST
def note(request: HttpRequest, room_id: int) -> HttpResponse:
    room = selectors.get_member_room_for(request.user, room_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.save_note(request.user, room, form.cleaned_data["note"])
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Note saved.")
    back = request.POST.get("next", "")
    if back.startswith("/workshops/"):
        return redirect(back)
    return redirect(reverse("workshops:detail", args=[room.workshop_id]))


@login_required
@require_POST
def feedback(request: HttpRequest, workshop_id: int) -> HttpResponse:
    workshop = selectors.get_workshop_for(request.user, workshop_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a rating from 1 to 5.")
    else:
        try:
            services.submit_feedback(
                request.user, workshop, form.cleaned_data["rating"], form.cleaned_data["comment"]
            )
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Thank you for your feedback.")
    return redirect("workshops:detail", workshop.pk)
