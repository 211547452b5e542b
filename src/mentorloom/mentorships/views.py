"""Pages: ask to connect, the request inbox and detail, mentorship list and space (agreement,
goals, pause/end). Thin: forms parse, services decide, DomainErrors become form errors."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from mentorloom.core.errors import DomainError
from mentorloom.core.hooks import Hook
from mentorloom.core.idempotency import run_once
from mentorloom.core.one_click import act_then_redirect
from mentorloom.profiles.models import Profile
from mentorloom.safety.selectors import is_blocked_between

from . import access, selectors, services
from .errors import MentorAtCapacity
from .forms import (
    AgreementForm,
    DeclineForm,
    EndForm,
    GoalEditForm,
    GoalForm,
    MessageForm,
    MilestoneForm,
    PauseForm,
    ProgressForm,
    RequestForm,
)
from .models import MentorshipStatus
from .timefit import profile_of, time_fit

# Called as (mentorship, user, now) while building the mentorship space; each listener returns
# a dict of extra context (the parts of the space owned by higher layers).
space_panels = Hook("mentorships.space_panels")


def _panels(mentorship, user) -> dict[str, object]:  # type: ignore[no-untyped-def]
    context: dict[str, object] = {}
    for panel in space_panels(mentorship, user, timezone.now()):
        context.update(panel)
    return context


# --- Ask to connect -------------------------------------------------------------------------


def _mentor_for_page(viewer, mentor_id: int) -> Profile:  # type: ignore[no-untyped-def]
    profile = (
        Profile.objects.select_related("user")
        .filter(user_id=mentor_id, is_mentor=True, user__is_active=True)
        .first()
    )
    if profile is None or viewer.pk == mentor_id or is_blocked_between(viewer.pk, mentor_id):
        raise Http404
    return profile


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def request_create(request: HttpRequest, mentor_id: int) -> HttpResponse:
    mentor = _mentor_for_page(request.user, mentor_id)
    existing = selectors.open_request_between(request.user.pk, mentor_id)
    if existing:
        messages.info(request, "You already have an open request with this mentor.")
        return redirect("mentorships:request_detail", existing.pk)
    blocker: DomainError | None = None
    try:
        services.check_can_request(request.user, mentor_id)
    except DomainError as exc:
        blocker = exc
    status = 200
    form = RequestForm(request.POST or None, mentee=request.user)
    if request.method == "POST" and blocker is None and form.is_valid():
        data = form.cleaned_data
        payload = {
            "mentor_id": mentor_id,
            "message": data["message"],
            "goal_ids": sorted(g.pk for g in data["goal_ids"]),
            "preferred_format": data["preferred_format"],
            "cadence": data["cadence"],
        }

        def create() -> tuple[int, dict]:
            created = services.send_request(request.user, **payload)
            return 201, {"id": created.pk}

        try:
            _, body = run_once(
                request.user, "request.create", data["idempotency_key"] or None, payload, create
            )
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, f"Your request is on its way to {mentor.name}.")
            return redirect("mentorships:request_detail", body["id"])
    if request.method == "POST":
        status = 400 if blocker is None else 409
    waiting = selectors.waitlist_entry(request.user.pk, mentor_id)
    return render(
        request,
        "mentorships/request_create.html",
        {
            "mentor": mentor,
            "form": form,
            "blocker": blocker,
            "is_full": isinstance(blocker, MentorAtCapacity),
            "waitlist_entry": waiting,
            "waitlist_position": selectors.waitlist_position(waiting) if waiting else None,
            "fit": time_fit(me := profile_of(request.user), mentor, timezone.now(), mentee=me),
        },
        status=status,
    )


@login_required
@require_POST
def waitlist_join(request: HttpRequest, mentor_id: int) -> HttpResponse:
    _mentor_for_page(request.user, mentor_id)
    return act_then_redirect(
        request,
        lambda: services.join_waitlist(request.user, mentor_id),
        "You are on the waitlist. We will tell you when a place frees.",
        reverse("mentorships:request_create", args=[mentor_id]),
    )


@login_required
@require_POST
def waitlist_leave(request: HttpRequest, mentor_id: int) -> HttpResponse:
    services.leave_waitlist(request.user, mentor_id)
    messages.success(request, "You left the waitlist.")
    return redirect("mentorships:request_create", mentor_id)


# --- Inbox and request detail ----------------------------------------------------------------


@login_required
def requests_inbox(request: HttpRequest) -> HttpResponse:
    tab = "sent" if request.GET.get("tab") == "sent" else "received"
    received = selectors.requests_received(request.user)
    sent = selectors.requests_sent(request.user)
    items = sent if tab == "sent" else received
    return render(
        request,
        "mentorships/requests.html",
        {
            "tab": tab,
            "items": items[:100],
            "open_received": selectors.open_requests_for(request.user).count(),
        },
    )


@login_required
def request_detail(request: HttpRequest, request_id: int) -> HttpResponse:
    r = access.get_request_for(request.user, request_id)
    is_mentor = request.user.pk == r.mentor_id
    other = r.mentee if is_mentor else r.mentor
    return render(
        request,
        "mentorships/request_detail.html",
        {
            "r": r,
            "is_mentor": is_mentor,
            "other": other,
            "other_profile": getattr(other, "profile", None),
            "fit": time_fit(
                profile_of(request.user),
                profile_of(other),
                timezone.now(),
                mentee=profile_of(r.mentee),
            ),
            "thread": r.thread.select_related("author__profile"),
            "ask_form": MessageForm(prefix="ask", label="Your question"),
            "answer_form": MessageForm(prefix="answer", label="Your answer"),
            "decline_form": DeclineForm(prefix="decline"),
        },
    )


def _detail_url(r) -> str:  # type: ignore[no-untyped-def]
    return reverse("mentorships:request_detail", args=[r.pk])


@login_required
@require_POST
def request_accept(request: HttpRequest, request_id: int) -> HttpResponse:
    r = access.get_request_for(request.user, request_id)
    try:
        mentorship = services.accept_request(request.user, r)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_detail_url(r))
    messages.success(request, "You accepted the request. Review the agreement together.")
    return redirect("mentorships:detail", mentorship.pk)


@login_required
@require_POST
def request_decline(request: HttpRequest, request_id: int) -> HttpResponse:
    r = access.get_request_for(request.user, request_id)
    form = DeclineForm(request.POST, prefix="decline")
    reason = form.reason_text() if form.is_valid() else ""
    return act_then_redirect(
        request,
        lambda: services.decline_request(request.user, r, reason),
        "You declined the request. Thank you for answering.",
        _detail_url(r),
    )


@login_required
@require_POST
def request_message(request: HttpRequest, request_id: int, kind: str) -> HttpResponse:
    """Mentor asks for more information (kind="ask"), mentee answers (kind="answer")."""
    r = access.get_request_for(request.user, request_id)
    form = MessageForm(request.POST, prefix=kind)
    body = form.data.get(f"{kind}-body", "")
    service = services.ask_for_info if kind == "ask" else services.answer_info
    return act_then_redirect(
        request,
        lambda: service(request.user, r, body),
        "Your question is sent." if kind == "ask" else "Your answer is sent.",
        _detail_url(r),
    )


@login_required
@require_POST
def request_withdraw(request: HttpRequest, request_id: int) -> HttpResponse:
    r = access.get_request_for(request.user, request_id)
    return act_then_redirect(
        request,
        lambda: services.withdraw_request(request.user, r),
        "You withdrew your request.",
        _detail_url(r),
    )


# --- Mentorships ------------------------------------------------------------------------------


@login_required
def mentorship_list(request: HttpRequest) -> HttpResponse:
    items = list(selectors.mentorships_for_list(request.user))
    return render(request, "mentorships/list.html", {"items": items})


def _space_context(request: HttpRequest, mentorship, **extra) -> dict:  # type: ignore[no-untyped-def]
    user = request.user
    state = selectors.agreement_state(mentorship)
    goals = selectors.goals_for(user, mentorship)
    for goal in goals:
        goal.chart_points = selectors.progress_points(goal)  # type: ignore[attr-defined]
        goal.progress_form = ProgressForm(  # type: ignore[attr-defined]
            prefix=f"g{goal.pk}", initial={"progress": goal.progress}
        )
        goal.milestone_form = MilestoneForm(prefix=f"m{goal.pk}")  # type: ignore[attr-defined]
    is_mentor = user.pk == mentorship.mentor_id
    other = mentorship.mentee if is_mentor else mentorship.mentor
    pending = state.pending
    my_field = "mentor_confirmed_at" if is_mentor else "mentee_confirmed_at"
    return {
        "m": mentorship,
        "is_mentor": is_mentor,
        "other": other,
        "other_profile": getattr(other, "profile", None),
        "state": state,
        "pending_diff": state.diff_pending(),
        "i_must_confirm": pending is not None and getattr(pending, my_field) is None,
        "goals": goals,
        "goal_form": extra.pop("goal_form", None) or GoalForm(),
        "history": mentorship.history.select_related("actor")[:30],
        "reflections": selectors.own_reflections(user, mentorship),
        "ended": mentorship.status == MentorshipStatus.ENDED,
        # The other parts of the space (upcoming sessions, recent calls) come from the apps
        # above mentorships: home.panels connects to space_panels.
        **_panels(mentorship, user),
        **extra,
    }


@login_required
def mentorship_detail(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    return render(request, "mentorships/detail.html", _space_context(request, mentorship))


def _space_url(mentorship, anchor: str = "") -> str:  # type: ignore[no-untyped-def]
    return reverse("mentorships:detail", args=[mentorship.pk]) + (f"#{anchor}" if anchor else "")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def agreement_edit(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    state = selectors.agreement_state(mentorship)
    latest = state.latest
    status = 200
    if request.method == "POST":
        form = AgreementForm(request.POST)
        if form.is_valid():
            values = {k: v for k, v in form.cleaned_data.items() if k != "base_version"}
            try:
                services.propose_agreement(
                    request.user, mentorship, values, base_number=form.cleaned_data["base_version"]
                )
            except DomainError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request, "Your changes are proposed. They apply once both of you confirm."
                )
                return redirect(_space_url(mentorship, "agreement"))
        status = 409 if form.errors.get("__all__") else 400
    else:
        initial = latest.values() if latest else {}
        form = AgreementForm(initial={**initial, "base_version": latest.number if latest else 0})
    return render(
        request,
        "mentorships/agreement_edit.html",
        {"m": mentorship, "form": form, "latest": latest},
        status=status,
    )


@login_required
@require_POST
def agreement_confirm(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    try:
        number = int(request.POST.get("version", ""))
    except ValueError:
        number = -1
    return act_then_redirect(
        request,
        lambda: services.confirm_agreement(request.user, mentorship, number),
        f"You confirmed version {number} of the agreement.",
        _space_url(mentorship, "agreement"),
    )


@login_required
def agreement_version(request: HttpRequest, mentorship_id: int, number: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    version = mentorship.agreement_versions.filter(number=number).first()
    if version is None:
        raise Http404
    return render(
        request,
        "mentorships/agreement_version.html",
        {"m": mentorship, "v": version, "diff": selectors.version_diff(mentorship, number)},
    )


@login_required
@require_POST
def goal_create(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    form = GoalForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.create_goal(
                request.user,
                mentorship,
                title=data["title"],
                description=data["description"],
                target_date=data["target_date"],
                is_private=data["is_private"],
                milestones=data["milestones"].splitlines(),
            )
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "Goal added.")
            return redirect(_space_url(mentorship, "goals"))
    context = _space_context(request, mentorship, goal_form=form)
    return render(request, "mentorships/detail.html", context, status=400)


@login_required
@require_POST
def goal_progress(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.get_goal_for(request.user, goal_id)
    form = ProgressForm(request.POST, prefix=f"g{goal.pk}")
    if not form.is_valid():
        messages.error(request, "Progress is a whole number from 0 to 100.")
        return redirect(_space_url(goal.mentorship, f"goal-{goal.pk}"))
    return act_then_redirect(
        request,
        lambda: services.record_progress(
            request.user, goal, form.cleaned_data["progress"], form.cleaned_data["note"]
        ),
        "Progress recorded.",
        _space_url(goal.mentorship, f"goal-{goal.pk}"),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def goal_edit(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.get_goal_for(request.user, goal_id)
    if goal.owner_id != request.user.pk:
        raise Http404  # a shared goal is visible to both, but only its owner edits it
    target = _space_url(goal.mentorship, f"goal-{goal.pk}")
    status = 200
    if request.method == "POST":
        form = GoalEditForm(request.POST)
        if form.is_valid():
            try:
                services.update_goal(request.user, goal, **form.cleaned_data)
            except DomainError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "Goal updated.")
                return redirect(target)
        status = 400
    else:
        form = GoalEditForm(
            initial={
                "title": goal.title,
                "description": goal.description,
                "target_date": goal.target_date,
                "status": goal.status,
                "is_private": goal.is_private,
            }
        )
    return render(
        request,
        "mentorships/goal_edit.html",
        {"goal": goal, "form": form, "back": target},
        status=status,
    )


@login_required
@require_POST
def milestone_create(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = access.get_goal_for(request.user, goal_id)
    form = MilestoneForm(request.POST, prefix=f"m{goal.pk}")
    target = _space_url(goal.mentorship, f"goal-{goal.pk}")
    if not form.is_valid():
        messages.error(request, "Give the milestone a name (up to 200 characters).")
        return redirect(target)
    return act_then_redirect(
        request,
        lambda: services.add_milestone(
            request.user, goal, form.cleaned_data["title"], form.cleaned_data["due_date"]
        ),
        "Milestone added.",
        target,
    )


@login_required
@require_POST
def milestone_toggle(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = access.get_milestone_for(request.user, milestone_id)
    done = request.POST.get("done") == "1"
    return act_then_redirect(
        request,
        lambda: services.set_milestone_done(request.user, milestone, done),
        "Milestone done." if done else "Milestone reopened.",
        _space_url(milestone.goal.mentorship, f"goal-{milestone.goal_id}"),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mentorship_pause(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    form = PauseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.pause_mentorship(
                request.user, mentorship, form.cleaned_data["until"], form.cleaned_data["note"]
            )
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "The mentorship is paused.")
            return redirect(_space_url(mentorship))
    return render(
        request,
        "mentorships/pause.html",
        {"m": mentorship, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def mentorship_resume(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    return act_then_redirect(
        request,
        lambda: services.resume_mentorship(request.user, mentorship),
        "Welcome back: the mentorship is active again.",
        _space_url(mentorship),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def mentorship_end(request: HttpRequest, mentorship_id: int) -> HttpResponse:
    mentorship = access.get_mentorship_for(request.user, mentorship_id)
    form = EndForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.end_mentorship(
                request.user,
                mentorship,
                went_well=data["went_well"],
                outcome_reached=EndForm.as_bool(data["outcome_reached"]),
                would_recommend=EndForm.as_bool(data["would_recommend"]),
                text=data["text"],
            )
        except DomainError as exc:
            form.add_service_errors(exc)
        else:
            messages.success(request, "The mentorship has ended. Thank you for your reflection.")
            return redirect(_space_url(mentorship))
    return render(
        request,
        "mentorships/end.html",
        {"m": mentorship, "form": form},
        status=400 if request.method == "POST" else 200,
    )
