"""Block, unblock and report pages (each reachable from a request or a mentorship)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from mentorloom.core.errors import DomainError

from . import services
from .forms import ReportForm
from .models import Block


def _person(viewer, user_id: int):  # type: ignore[no-untyped-def]
    if viewer.pk == user_id:
        raise Http404
    person = get_user_model().objects.select_related("profile").filter(pk=user_id).first()
    if person is None or not person.is_active:
        raise Http404
    return person


# Who a safety page is about, when they have no profile yet: never their e-mail address.
UNNAMED = "this person"


def _next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def block(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(request.user, user_id)
    if request.method == "POST":
        services.block_user(request.user, person.pk)
        messages.success(
            request,
            f"You blocked {person.get_full_name(without_profile=UNNAMED)}. You will not see each "
            "other; open requests between you were withdrawn and upcoming sessions cancelled.",
        )
        return redirect("mentorships:requests")
    return render(
        request,
        "safety/block_confirm.html",
        {
            "person": person,
            "name": person.get_full_name(without_profile=UNNAMED),
            "already": Block.objects.filter(blocker=request.user, blocked=person).exists(),
            "next": _next(request, ""),
        },
    )


@login_required
@require_POST
def unblock(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(request.user, user_id)
    services.unblock_user(request.user, person.pk)
    messages.success(request, f"You unblocked {person.get_full_name(without_profile=UNNAMED)}.")
    return redirect(_next(request, "dashboard"))


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def report(request: HttpRequest, user_id: int) -> HttpResponse:
    person = _person(request.user, user_id)
    context_url = _next(request, "")
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST)
        error_status = 400
        if form.is_valid():
            try:
                services.report_user(
                    request.user,
                    person.pk,
                    reason=form.cleaned_data["reason"],
                    details=form.cleaned_data["details"],
                    context_url=context_url,
                )
                if form.cleaned_data["also_block"]:
                    services.block_user(request.user, person.pk)
            except DomainError as exc:
                form.add_error(None, exc.message)
                error_status = exc.status
            else:
                messages.success(
                    request,
                    "Thank you. Our safety team will review your report. "
                    "You can also block this person at any time.",
                )
                return redirect(context_url or "dashboard")
        status = 403 if error_status == 403 else 400
    else:
        form = ReportForm()
    return render(
        request,
        "safety/report.html",
        {
            "form": form,
            "person": person,
            "name": person.get_full_name(without_profile=UNNAMED),
            "next": context_url,
        },
        status=status,
    )
