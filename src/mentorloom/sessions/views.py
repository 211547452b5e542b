"""HTML pages: agenda editor, notes + action items, summary, feedback and mentor insights.

Forms post and redirect (they work without JavaScript); the shared notes editor autosaves
with fetch (notes.js, JSON answers) and follows the other person's saves live. Sessions are
reached only via get_session_for (404).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorloom.core.errors import DomainError, error_body
from mentorloom.core.forms import add_domain_errors
from mentorloom.scheduling import display
from mentorloom.scheduling.models import Session
from mentorloom.scheduling.selectors import get_session_for, zone_name_of

from . import insights as insight_math
from . import selectors, services
from .errors import BlockedPair, NotesTooLarge, StaleAgenda, StaleNotes
from .forms import (
    ActionItemForm,
    DetailsForm,
    MenteeFeedbackForm,
    TemplateForm,
    TopicForm,
    TraitFeedbackForm,
)
from .insights import TRAIT_KEYS
from .models import TRAITS, ActionItemSource, ActionItemStatus

PERIODS = list(insight_math.PERIOD_LABELS.items())


def _period(request: HttpRequest) -> str:
    """The page's fixed period (`?period=90d|12m|all`, or the old `?days=90|365|0`); anything
    else shows the default rather than an error page."""
    try:
        return selectors.parse_period(request.GET.get("period"), _int(request.GET.get("days"), 90))
    except DomainError:
        return "90d"


def _base(request: HttpRequest, session: Session) -> dict:
    other = session.mentee if request.user.pk == session.mentor_id else session.mentor
    return {
        "session": session,
        "other_name": selectors.display_name(other),
        "when": display.when(session.starts_at, zone_name_of(request.user)),
        "minutes": int(session.duration.total_seconds() // 60),
        "ended": selectors.has_ended(session),
        "is_mentee": request.user.pk == session.mentee_id,
    }


def _owners(session: Session) -> list[tuple[int, str]]:
    return [
        (session.mentee_id, selectors.display_name(session.mentee)),
        (session.mentor_id, selectors.display_name(session.mentor)),
    ]


# --- Agenda ----------------------------------------------------------------------------------


def _agenda_page(
    request: HttpRequest, session: Session, status: int = 200, **forms
) -> HttpResponse:  # type: ignore[no-untyped-def]
    agenda = selectors.agenda_for(session)
    context = _base(request, session) | {
        "agenda": agenda,
        "topics": selectors.topics_of(agenda),
        "planned_minutes": sum(t.minutes or 0 for t in selectors.topics_of(agenda)),
        "suggestions": selectors.carry_forward(session),
        "topic_form": forms.get("topic_form") or TopicForm(),
        "details_form": forms.get("details_form")
        or DetailsForm(
            initial={
                "questions": agenda.questions,
                "links": agenda.links,
                "base_version": agenda.version,
                "base_questions": agenda.questions,
                "base_links": agenda.links,
            }
        ),
        "template_form": TemplateForm(templates=selectors.templates()),
    }
    return render(request, "sessions/agenda.html", context, status=status)


@login_required
@require_GET
def agenda(request: HttpRequest, session_id: int) -> HttpResponse:
    return _agenda_page(request, get_session_for(request.user, session_id))


@login_required
@require_POST
def add_topic(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    form = TopicForm(request.POST)
    if form.is_valid():
        try:
            services.add_topic(session, request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "Topic added.")
            return redirect("sessions:agenda", session.pk)
    return _agenda_page(request, session, status=422, topic_form=form)


@login_required
@require_POST
def change_topic(request: HttpRequest, session_id: int, topic_id: int) -> HttpResponse:
    """One endpoint for a topic's small buttons: up, down, done, undone, remove, action item."""
    session = get_session_for(request.user, session_id)
    topic = services.get_topic(session, topic_id)
    action = request.POST.get("action", "")
    try:
        if action in ("up", "down"):
            services.move_topic(topic, request.user, -1 if action == "up" else 1)
        elif action in ("done", "undone"):
            services.update_topic(topic, request.user, done=action == "done")
        elif action == "remove":
            services.remove_topic(topic, request.user)
            messages.success(request, f"Removed “{topic.title}”.")
        elif action == "action_item":
            services.create_action_item(
                session,
                request.user,
                title=topic.title,
                owner_id=session.mentee_id,
                source=ActionItemSource.AGENDA,
            )
            messages.success(request, f"“{topic.title}” is now an action item.")
    except BlockedPair as exc:
        messages.error(request, exc.message)
    return redirect(reverse("sessions:agenda", args=[session.pk]) + f"#topic-{topic_id}")


@login_required
@require_POST
def save_details(request: HttpRequest, session_id: int) -> HttpResponse:
    """Questions and links; a save from an older version is merged with what was saved since.
    The live agenda page (agenda.js) posts with fetch and gets JSON back."""
    session = get_session_for(request.user, session_id)
    form = DetailsForm(request.POST)
    if form.is_valid():
        # A field left out of the form is "no base text": the stale save is refused, not merged.
        has_base = "base_questions" in request.POST and "base_links" in request.POST
        try:
            agenda = services.save_agenda_details(
                session,
                request.user,
                questions=form.cleaned_data["questions"],
                links=form.cleaned_data["links"],
                base_version=form.cleaned_data["base_version"],
                base_questions=form.cleaned_data["base_questions"] if has_base else None,
                base_links=form.cleaned_data["base_links"] if has_base else None,
            )
        except StaleAgenda as exc:
            if _wants_json(request):
                payload = error_body(exc.code, exc.message) | {
                    "current": {
                        "questions": exc.current_questions,
                        "links": exc.current_links,
                        "version": exc.current_version,
                    },
                    "overlaps": [{"mine": o.mine, "theirs": o.theirs} for o in exc.overlaps],
                }
                return JsonResponse(payload, status=409)
            if exc.current_version is not None:
                # Saving again keeps my wording of the overlap: base it on the current version.
                data = request.POST.copy()
                data["base_version"] = str(exc.current_version)
                data["base_questions"] = exc.current_questions
                data["base_links"] = exc.current_links
                form = DetailsForm(data)
                form.is_valid()
            add_domain_errors(form, exc)
            return _agenda_page(request, session, status=409, details_form=form)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            if _wants_json(request):
                return JsonResponse(
                    {
                        "version": agenda.version,
                        "questions": agenda.questions,
                        "links": agenda.links,
                    }
                )
            messages.success(request, "Questions and links saved.")
            return redirect("sessions:agenda", session.pk)
    if _wants_json(request):
        fields = {name: [str(e) for e in errors] for name, errors in form.errors.items()}
        return JsonResponse(error_body("invalid", "Some fields are not valid.", fields), status=422)
    return _agenda_page(request, session, status=422, details_form=form)


@login_required
@require_POST
def apply_template(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    template = selectors.templates().filter(slug=request.POST.get("template", "")).first()
    if template is None:
        messages.error(request, "Choose one of the templates.")
    else:
        try:
            services.apply_template(session, request.user, template)
        except BlockedPair as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Added the “{template.name}” topics.")
    return redirect("sessions:agenda", session.pk)


@login_required
@require_POST
def accept_suggestion(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    try:
        item_id = int(request.POST.get("id", ""))
    except ValueError:
        item_id = 0
    try:
        topic = services.accept_suggestion(
            session, request.user, kind=request.POST.get("kind", ""), item_id=item_id
        )
    except BlockedPair as exc:
        messages.error(request, exc.message)
    except DomainError:
        messages.error(request, "That suggestion is no longer open.")
    else:
        messages.success(request, f"Added “{topic.title}” to the agenda.")
    return redirect("sessions:agenda", session.pk)


# --- Notes and action items ------------------------------------------------------------------


def _notes_page(request: HttpRequest, session: Session, status: int = 200, **extra) -> HttpResponse:  # type: ignore[no-untyped-def]
    notes = selectors.notes_for(session)
    today = selectors.today_for(request.user)
    context = _base(request, session) | {
        "notes": notes,
        "notes_html": selectors.notes_html(notes),
        "draft": extra.get("draft", notes.body),
        "base_version": extra.get("base_version", notes.version),
        "base_body": extra.get("base_body", notes.body),
        "conflict": extra.get("conflict"),
        "notes_error": extra.get("notes_error"),
        "private": selectors.private_note_for(session, request.user),
        "items": [
            {"item": i, "overdue": i.is_overdue(today)} for i in selectors.action_items_of(session)
        ],
        "item_form": extra.get("item_form")
        or ActionItemForm(owners=_owners(session), initial={"owner": session.mentee_id}),
        "statuses": ActionItemStatus.choices,
    }
    return render(request, "sessions/notes.html", context, status=status)


def _int(value: str | None, default: int = -1) -> int:
    try:
        return int(value or "")
    except ValueError:
        return default


def _conflict(exc: StaleNotes) -> dict:
    """What the conflict view shows: only the overlapping parts when the save could be merged
    otherwise, else their whole text (a client that did not send its base text)."""
    overlaps = [{"mine": o.mine, "theirs": o.theirs} for o in exc.overlaps]
    theirs = "\n\n".join(o.theirs for o in exc.overlaps) if overlaps else exc.current_body
    return {
        "theirs": theirs,
        "overlaps": overlaps,
        "version": exc.current_version,
        "current": exc.current_body,
    }


def _wants_json(request: HttpRequest) -> bool:
    # The live editor (notes.js) saves with fetch and asks for JSON.
    return request.headers.get("Accept") == "application/json"


@login_required
@require_http_methods(["GET", "POST"])
def notes(request: HttpRequest, session_id: int) -> HttpResponse:
    """GET the editor; POST saves. A save from an older version is merged with what was saved
    since; only lines both changed differently answer 409 with the overlapping parts."""
    session = get_session_for(request.user, session_id)
    if request.method == "GET":
        return _notes_page(request, session)
    body = request.POST.get("body", "")
    # "Save my merged version" carries the version (and its text) the merge was made against.
    if request.POST.get("merged_version"):
        base = _int(request.POST.get("merged_version"))
        base_body = request.POST.get("merged_base_body")
    else:
        base = _int(request.POST.get("base_version"))
        base_body = request.POST.get("base_body")
    try:
        saved = services.save_notes(
            session, request.user, body=body, base_version=base, base_body=base_body
        )
    except StaleNotes as exc:
        conflict = _conflict(exc)
        draft = exc.merged if exc.merged is not None else body
        if _wants_json(request) or request.htmx:
            context = {
                "session": session,
                "base_version": base,
                "base_body": base_body or "",
                "conflict": conflict,
            }
            html = render_to_string("sessions/_notes_status.html", context, request=request)
            if not _wants_json(request):
                return HttpResponse(html, status=409)
            payload = error_body(exc.code, exc.message) | {
                "current": {"body": exc.current_body, "version": exc.current_version},
                "draft": draft,
                "status_html": html,
            }
            return JsonResponse(payload, status=409)
        return _notes_page(
            request,
            session,
            status=409,
            draft=draft,
            base_version=base,
            base_body=base_body or "",
            conflict=conflict,
        )
    except (NotesTooLarge, BlockedPair) as exc:
        if _wants_json(request):
            return JsonResponse(error_body(exc.code, exc.message, exc.fields), status=exc.status)
        if request.htmx:
            context = {"session": session, "base_version": base, "notes_error": exc.message}
            return render(request, "sessions/_notes_status.html", context, status=exc.status)
        return _notes_page(
            request,
            session,
            status=exc.status,
            draft=body,
            base_version=base,
            notes_error=exc.message,
        )
    if _wants_json(request):
        return JsonResponse(
            {"version": saved.version, "body": saved.body, "html": selectors.notes_html(saved)}
        )
    if request.htmx:
        context = {
            "session": session,
            "base_version": saved.version,
            "base_body": saved.body,
            "saved_at": timezone.now(),
            "notes_html": selectors.notes_html(saved),
        }
        return render(request, "sessions/_notes_status.html", context)
    messages.success(request, "Notes saved.")
    return redirect("sessions:notes", session.pk)


@login_required
@require_POST
def private_note(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    try:
        services.save_private_note(session, request.user, body=request.POST.get("body", ""))
    except NotesTooLarge as exc:
        if request.htmx:
            return HttpResponse(f'<p class="field__error">{exc.message}</p>', status=422)
        messages.error(request, exc.message)
        return redirect("sessions:notes", session.pk)
    if request.htmx:
        return render(request, "sessions/_private_status.html", {"saved_at": timezone.now()})
    messages.success(request, "Private note saved.")
    return redirect("sessions:notes", session.pk)


@login_required
@require_POST
def add_action_item(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    form = ActionItemForm(request.POST, owners=_owners(session))
    if form.is_valid():
        try:
            services.create_action_item(
                session,
                request.user,
                title=form.cleaned_data["title"],
                owner_id=form.cleaned_data["owner"],
                due_date=form.cleaned_data["due_date"],
            )
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.success(request, "Action item added.")
            return redirect(reverse("sessions:notes", args=[session.pk]) + "#action-items")
    return _notes_page(request, session, status=422, item_form=form)


@login_required
@require_POST
def item_status(request: HttpRequest, item_id: int) -> HttpResponse:
    item = selectors.get_action_item_for(request.user, item_id)
    try:
        services.update_action_item(item, request.user, status=request.POST.get("status", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    back = request.POST.get("next", "")
    if back == "mine":
        return redirect("sessions:my_items")
    return redirect(reverse("sessions:notes", args=[item.session_id]) + "#action-items")


@login_required
@require_GET
def my_action_items(request: HttpRequest) -> HttpResponse:
    return render(
        request, "sessions/my_action_items.html", selectors.my_items_context(request.user)
    )


# --- Summary ---------------------------------------------------------------------------------


@login_required
@require_GET
def summary(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    agenda = selectors.agenda_for(session)
    notes_obj = selectors.notes_for(session)
    today = selectors.today_for(request.user)
    context = _base(request, session) | {
        "agenda": agenda,
        "topics": selectors.topics_of(agenda),
        "notes_html": selectors.notes_html(notes_obj),
        "has_notes": bool(notes_obj.body.strip()),
        "private": selectors.private_note_for(session, request.user),
        "items": [
            {"item": i, "overdue": i.is_overdue(today)} for i in selectors.action_items_of(session)
        ],
    }
    return render(request, "sessions/summary.html", context)


@login_required
@require_GET
def summary_download(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    response = HttpResponse(
        selectors.summary_markdown(session, request.user),
        content_type="text/markdown; charset=utf-8",
    )
    filename = f"session-{session.pk}-{session.starts_at:%Y-%m-%d}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Feedback --------------------------------------------------------------------------------


def _initial(feedback, keys) -> dict:  # type: ignore[no-untyped-def]
    if feedback is None:
        return {}
    data = {k: getattr(feedback, k) for k in keys}
    if "useful" in data:
        data["useful"] = "yes" if data["useful"] else "no"
    return data


@login_required
@require_http_methods(["GET", "POST"])
def feedback(request: HttpRequest, session_id: int) -> HttpResponse:
    session = get_session_for(request.user, session_id)
    is_mentee = request.user.pk == session.mentee_id
    mine = selectors.own_feedback(session, request.user)
    editable = selectors.can_edit_feedback(mine)
    ended = selectors.can_give_feedback(session, request.user)
    form_class = TraitFeedbackForm if is_mentee else MenteeFeedbackForm
    keys = [*TRAIT_KEYS, "useful", "comment", "share_comment"] if is_mentee else [
        "progress", "strengths", "next_steps",
    ]  # fmt: skip
    status = 200
    if request.method == "POST" and ended and editable:
        form = form_class(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                if is_mentee:
                    services.give_trait_feedback(
                        session,
                        request.user,
                        ratings={t: data[t] for t in TRAIT_KEYS},
                        useful=data["useful"],
                        comment=data["comment"],
                        share_comment=data["share_comment"],
                    )
                else:
                    services.give_mentee_feedback(session, request.user, **data)
            except DomainError as exc:
                add_domain_errors(form, exc)
            else:
                messages.success(request, "Thank you — your feedback is saved.")
                return redirect("sessions:feedback", session.pk)
        status = 422
    elif request.method == "POST":
        status = 409
        form = form_class(initial=_initial(mine, keys))
    else:
        form = form_class(initial=_initial(mine, keys))
    context = _base(request, session) | {
        "ended": ended,  # also for the person a no-show report names absent
        "form": form,
        "mine": mine,
        "editable": editable,
        "received": selectors.feedback_for_mentee(session) if is_mentee else None,
    }
    return render(request, "sessions/feedback.html", context, status=status)


@login_required
@require_GET
def insights(request: HttpRequest) -> HttpResponse:
    """The mentor's own trait averages as of the last weekly release (docs/sessions.md)."""
    period = _period(request)
    summary_ = selectors.feedback_summary(request.user, period)
    labels = dict(TRAITS)
    bars = [
        {
            "label": labels[key],
            "value": summary_.averages[key],
            "width": round(summary_.averages[key] / 5 * 300, 1),
            "y": i * 36,
        }
        for i, key in enumerate(TRAIT_KEYS)
        if summary_.enough
    ]
    points = insight_math.trend_points(summary_.trend)
    context = {
        "summary": summary_,
        "figures": summary_.summary,
        "period": period,
        "periods": PERIODS,
        "bars": bars,
        "points": points,
        "polyline": " ".join(f"{p.x},{p.y}" for p in points),
        "grid": [{"value": v, "y": 32 + 136 * (5 - v) / 4} for v in (1, 2, 3, 4, 5)],
        "comments": summary_.comments,
        "useful_percent": round((summary_.summary.useful_share or 0) * 100),
    }
    return render(request, "sessions/insights.html", context)


@require_GET
def program_insights(request: HttpRequest) -> HttpResponse:
    """Program admins (for now: staff users) see per-mentor averages and low-score alerts.

    Everyone else, signed in or not, gets 404 so the page's existence is not advertised.
    """
    user = request.user
    if not (user.is_authenticated and user.is_active and user.is_staff):
        raise Http404
    period = _period(request)
    labels = dict(TRAITS)
    context = {
        "period": period,
        "periods": PERIODS,
        "k": selectors.feedback_k(),
        "trait_labels": [labels[key] for key in TRAIT_KEYS],
        "rows": [
            {
                "name": row.name,
                "summary": row.summary,
                "released_at": row.released_at,
                "averages": [row.summary.averages[key] for key in TRAIT_KEYS],
                "useful_percent": round((row.summary.useful_share or 0) * 100),
            }
            for row in selectors.program_aggregates(period)
        ],
        "alerts": selectors.program_alerts(),
        **selectors.release_status(),
    }
    return render(request, "sessions/program_insights.html", context)
