"""Program admin pages: dashboard (SVG charts, CSV per chart) and matching review (run, lock,
swap, re-run, publish). Plain forms, no JavaScript needed."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from mentorloom.core.errors import DomainError
from mentorloom.core.schemas import INT64_MAX

from . import charts, csvio, dashboard, imports, selectors, services
from .errors import ImportNotSaved, NotProgramAdmin
from .models import MatchMode, RunStatus


def admin_only(view):  # type: ignore[no-untyped-def]
    """A member who is not an admin gets 403; outsiders already got 404 from the selector."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        try:
            return view(request, *args, **kwargs)
        except NotProgramAdmin as exc:
            raise PermissionDenied(exc.message) from exc

    return login_required(wrapper)


@login_required
def program_list(request: HttpRequest) -> HttpResponse:
    """The programs you joined, with your role (admins go on to the dashboard), and above them
    the programs you were added to and have not joined: join or decline."""
    memberships = (
        request.user.program_memberships.exclude(joined_at=None)
        .select_related("program__organisation")
        .order_by("program__name")
    )
    choices = selectors.open_choices_for(request.user).select_related("program")
    invitations = selectors.invitations_for(request.user)
    return render(
        request,
        "programs/list.html",
        {
            "memberships": memberships,
            "choices": choices,
            "invitations": invitations,
            "asked": [i for i in invitations if not i.declined],
            "declined": [i for i in invitations if i.declined],
        },
    )


@login_required
@require_POST
def answer_invitation(request: HttpRequest, program_id: int) -> HttpResponse:
    """POST `answer=join|decline` for a program you were added to."""
    program = selectors.get_invited_program_for(request.user, program_id)
    answer = request.POST.get("answer")
    if answer not in {"join", "decline"}:
        messages.error(request, "Choose whether to join or decline.")
        return redirect("programs:list")
    try:
        if answer == "join":
            services.join_program(request.user, program)
            messages.success(
                request,
                f"You joined {program.name}. Your program admins introduce you to your match.",
            )
        else:
            services.decline_program(request.user, program)
            messages.success(
                request,
                f"You declined {program.name}. Nobody will be matched with you there; "
                "you can still join below.",
            )
    except DomainError as exc:
        messages.error(request, _message(exc))
    return redirect("programs:list")


@admin_only
def program_dashboard(request: HttpRequest, program_id: int) -> HttpResponse:
    program = selectors.get_admin_program_for(request.user, program_id)
    figures = [
        {
            "chart": c,
            # charts.bar_chart escapes every label and the title.
            "svg": mark_safe(charts.bar_chart(c.title, c.points)),  # noqa: S308  # nosec B308 B703
        }
        for c in dashboard.charts(program)
    ]
    cohorts = dashboard.cohort_comparison(program)
    return render(
        request,
        "programs/dashboard.html",
        {
            "program": program,
            "figures": figures,
            "low_checkins": selectors.low_checkins_for_admin(program),
            "cohorts": cohorts,
            "feedback_k": dashboard.feedback_k(),
            "cohort_metrics": dashboard.COHORT_METRICS,
            "cohort_table": [
                (row.label, [row.values[key] for key, _ in dashboard.COHORT_METRICS])
                for row in cohorts
            ],
            # charts.grouped_bar_chart escapes every label, series name and the title.
            "cohort_svg": mark_safe(  # noqa: S308  # nosec B308 B703
                charts.grouped_bar_chart(
                    "Cohorts side by side",
                    [row.label for row in cohorts],
                    [
                        (
                            dict(dashboard.COHORT_METRICS)[key],
                            [row.values[key] or 0 for row in cohorts],
                        )
                        for key in dashboard.COHORT_CHART_SERIES
                    ],
                )
            )
            if len(cohorts) > 1
            else None,
            "latest_run": program.match_runs.order_by("-created_at").first(),
            "members": selectors.member_counts(program),
        },
    )


@admin_only
def chart_csv(request: HttpRequest, program_id: int, key: str) -> HttpResponse:
    program = selectors.get_admin_program_for(request.user, program_id)
    if key not in dashboard.CHARTS:
        raise Http404("No such chart.")
    chart = dashboard.chart(program, key)
    response = HttpResponse(
        csvio.to_csv(["label", "value"], chart.points), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{key}-{program.pk}.csv"'
    return response


@admin_only
def cohorts_csv(request: HttpRequest, program_id: int) -> HttpResponse:
    """The per-cohort comparison as CSV (withheld figures are empty cells)."""
    program = selectors.get_admin_program_for(request.user, program_id)
    rows = dashboard.cohort_csv_rows(dashboard.cohort_comparison(program))
    header = ["cohort", *(key for key, _ in dashboard.COHORT_METRICS)]
    response = HttpResponse(csvio.to_csv(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="cohorts-{program.pk}.csv"'
    return response


@admin_only
def review(request: HttpRequest, program_id: int, run_id: int) -> HttpResponse:
    run = selectors.get_run_for(request.user, program_id, run_id)
    return render(
        request,
        "programs/review.html",
        {
            "program": run.program,
            "run": run,
            "pairs": selectors.pairs_for_review(run),
            "editable": run.status == RunStatus.PROPOSED,
            "published": run.status == RunStatus.PUBLISHED,
            # Only the latest published run's waiting pairs start when their people join.
            "latest": selectors.latest_published_run(run.program) == run,
            "choice": run.mode == MatchMode.CHOICE,
            "progress": selectors.choice_progress(run) if run.mode == MatchMode.CHOICE else None,
            "unmatched": _unmatched(run),
        },
    )


def _unmatched(run) -> list[dict]:  # type: ignore[no-untyped-def]
    from .assignment import REASON_TEXT

    members = {m.pk: m for m in run.program.memberships.all()}
    return [
        {
            "member": members.get(row["membership"]),
            "reasons": [REASON_TEXT.get(code, code) for code in row["reasons"]],
        }
        for row in run.unmatched
    ]


@admin_only
@require_POST
def run_action(request: HttpRequest, program_id: int) -> HttpResponse:
    program = selectors.get_admin_program_for(request.user, program_id)
    try:
        run = services.run_matching(request.user, program, mode=request.POST.get("mode", "optimal"))
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect("programs:dashboard", program.pk)
    return redirect("programs:review", program.pk, run.pk)


def _message(exc: DomainError) -> str:
    details = [f for values in exc.fields.values() for f in values]
    return " ".join([exc.message, *details])


@admin_only
@require_POST
def review_action(request: HttpRequest, program_id: int, run_id: int) -> HttpResponse:
    run = selectors.get_run_for(request.user, program_id, run_id)
    action, _, pair_id = (request.POST.get("action") or "").partition(":")
    target = run
    try:
        if action in ("lock", "unlock"):
            pair = selectors.get_pair_for(request.user, program_id, run_id, _int(pair_id))
            services.set_locked(request.user, pair, action == "lock")
        elif action == "swap":
            ids = request.POST.getlist("pairs")
            if len(ids) != 2:
                raise services.InvalidInput("Choose exactly two pairs to swap.")
            a, b = (
                selectors.get_pair_for(request.user, program_id, run_id, _bounded(i)) for i in ids
            )
            services.swap_mentors(request.user, a, b)
        elif action == "rerun":
            target = services.rerun_around_locks(request.user, run)
        elif action == "publish":
            outcome = services.publish_run(request.user, run)
            messages.success(
                request,
                f"Published: {outcome['started']} mentorships started, "
                f"{outcome['awaiting_sign_up']} pairs wait for someone to sign up or join.",
            )
        else:
            raise services.InvalidInput("Unknown action.")
    except (DomainError, ValueError) as exc:
        messages.error(request, _message(exc) if isinstance(exc, DomainError) else "Bad input.")
    return redirect("programs:review", program_id, target.pk)


def _bounded(value: str | None) -> int:
    """A form's id as an int, ValueError unless it is one a 64-bit column can hold (SQLite
    cannot even compare a bigger one: an OverflowError, a 500)."""
    number = int(value or "")
    if not 1 <= number <= INT64_MAX:
        raise ValueError(value)
    return number


def _int(value: str) -> int:
    try:
        return _bounded(value)
    except ValueError as exc:
        raise Http404("No such pair.") from exc


@login_required
def checkin(request: HttpRequest, program_id: int, checkin_id: int) -> HttpResponse:
    """The pulse form for the person asked (404 for anyone else)."""
    item = selectors.get_checkin_for(request.user, program_id, checkin_id)
    if request.method == "POST" and item.answered_at is None:
        try:
            services.answer_checkin(
                request.user,
                item,
                _int_or_none(request.POST.get("score")),
                request.POST.get("note", ""),
            )
        except DomainError as exc:
            messages.error(request, _message(exc))
        else:
            messages.success(request, "Thank you. Your program admins will see your answer.")
        return redirect("programs:checkin", program_id, checkin_id)
    return render(request, "programs/checkin.html", {"checkin": item, "scores": range(1, 6)})


def _int_or_none(value: str | None) -> int | None:
    try:
        return _bounded(value)
    except ValueError:
        return None


@admin_only
def import_members(request: HttpRequest, program_id: int) -> HttpResponse:
    """Upload a CSV: "Preview" is a dry run listing each bad row; "Import" writes (nothing is
    written while any row is bad; the same file twice changes nothing)."""
    program = selectors.get_admin_program_for(request.user, program_id)
    report = error = None
    status = 422  # with an error: a refused file, unless the database failed (below)
    if request.method == "POST":
        upload = request.FILES.get("file")
        dry_run = request.POST.get("action") != "import"
        if upload is None:
            error = "Choose a CSV file."
        elif upload.size > csvio.MAX_BYTES:
            error = f"The file is over {csvio.MAX_BYTES // (1024 * 1024)} MB."
        else:
            data = upload.read()
            try:
                if not dry_run and data.count(b"\n") > imports.BACKGROUND_ABOVE_ROWS:
                    job = imports.start_import_job(request.user, program, data)
                    return redirect("programs:import_job", program.pk, job.pk)
                report = imports.import_now(request.user, program, data, dry_run=dry_run)
            except ImportNotSaved as exc:
                # Rolled back whole, invitations included: the form again, with a message
                # saying nothing was imported (not a 500), and the same file can be sent again.
                error, status = exc.message, exc.status
            except DomainError as exc:
                error = _message(exc)
    return render(
        request,
        "programs/import.html",
        {"program": program, "report": report, "error": error},
        status=status if error else 200,
    )


@admin_only
def import_job(request: HttpRequest, program_id: int, job_id: int) -> HttpResponse:
    """Progress of a background import; the bar polls this view's partial (htmx) while the job
    runs, and the page works without JavaScript (reload)."""
    job = selectors.get_import_job_for(request.user, program_id, job_id)
    template = "programs/_import_progress.html" if request.htmx else "programs/import_job.html"
    return render(request, template, {"program": job.program, "job": job})


@login_required
def choose(request: HttpRequest, program_id: int, run_id: int) -> HttpResponse:
    """Mentee-choice mode: the mentee's shortlist of 3 with the reasons for each; POST
    `mentor=<membership id>` picks one (again to change it, until the admin publishes)."""
    choice = selectors.get_choice_for(request.user, program_id, run_id)
    status = 200
    if request.method == "POST":
        mentor_id = _int_or_none(request.POST.get("mentor"))
        if mentor_id is None or all(o.mentor_id != mentor_id for o in choice.options):
            raise Http404("That mentor is not on your shortlist.")
        try:
            services.pick_mentor(request.user, choice.run, choice.mentee, mentor_id)
        except DomainError as exc:
            messages.error(request, _message(exc))
            status = exc.status
            choice = selectors.get_choice_for(request.user, program_id, run_id)
        else:
            messages.success(request, "Your choice is saved. Your program admins introduce you.")
            return redirect("programs:choose", program_id, run_id)
    return render(
        request,
        "programs/choose.html",
        {"program": choice.run.program, "choice": choice},
        status=status,
    )
