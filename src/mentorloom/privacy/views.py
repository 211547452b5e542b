"""Settings → "Your data": download a copy, delete the account (and cancel that)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from mentorloom.core.errors import DomainError
from mentorloom.core.forms import add_domain_errors
from mentorloom.core.one_click import act_then_redirect

from . import services
from .errors import ExportExpired
from .forms import DeletionForm
from .selectors import latest_export_for


def _context(request: HttpRequest, form: DeletionForm | None = None) -> dict:
    return {
        "export": latest_export_for(request.user),
        "deletion": services.pending_deletion(request.user),
        "form": form or DeletionForm(),
        "grace_days": settings.MENTORLOOM_DELETION_GRACE_DAYS,
        "ttl_days": settings.MENTORLOOM_EXPORT_TTL_DAYS,
    }


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/index.html", _context(request))


@login_required
@require_GET
def export_status(request: HttpRequest) -> HttpResponse:
    # Polled by htmx every few seconds while the export is queued or being built.
    return render(
        request, "privacy/_export_status.html", {"export": latest_export_for(request.user)}
    )


@login_required
@require_POST
def start_export(request: HttpRequest) -> HttpResponse:
    return act_then_redirect(
        request,
        lambda: services.request_export(request.user, site_url=request.build_absolute_uri("/")),
        "We are preparing your data and will e-mail you a link.",
        "privacy:index",
    )


@login_required
@require_GET
def download(request: HttpRequest, token: str) -> HttpResponse:
    try:
        export, path = services.export_for_download(request.user, token)
    except ExportExpired as exc:
        return render(request, "privacy/expired.html", {"message": exc.message}, status=410)
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"mentorloom-data-{export.created_at:%Y-%m-%d}.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def delete_account(request: HttpRequest) -> HttpResponse:
    form = DeletionForm(request.POST)
    if form.is_valid():
        try:
            services.request_deletion(request.user, password=form.cleaned_data["password"])
            services.keep_signed_in(request, request.user)
        except DomainError as exc:
            add_domain_errors(form, exc)
        else:
            messages.info(request, "Done: your account is hidden from everyone now.")
            return redirect("privacy:index")
    return render(request, "privacy/index.html", _context(request, form))


@login_required
@require_POST
def cancel_deletion(request: HttpRequest) -> HttpResponse:
    try:
        services.cancel_deletion(request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("privacy:index")
    messages.success(request, "Welcome back: your account will not be deleted.")
    return redirect("dashboard")
