"""HTML pages for profiles: edit, public profile, and the tag autocomplete JSON."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mentorloom.core.errors import InvalidInput, error_body
from mentorloom.core.hooks import Hook

from . import selectors, services
from .countries import country_name
from .forms import ProfileForm
from .models import TAG_MODELS
from .services import MAX_TAG_LENGTH

# Called as (viewer, profile) while building a public profile page; each listener returns a dict
# of extra context (parts owned by higher layers: home.panels adds the "open for a quick chat"
# badge from messaging).
public_profile_panels = Hook("profiles.public_profile_panels")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def edit_profile(request: HttpRequest) -> HttpResponse:
    profile = services.ensure_profile(request.user)
    status = 200
    if request.method == "POST":
        form = ProfileForm(request.POST, request.FILES, user=request.user)
        if form.is_valid():
            try:
                # One transaction: a bad value saves nothing, not even the new photo.
                with transaction.atomic():
                    services.update_profile(profile, **form.profile_changes())
                    if form.processed_photo:
                        services.store_photo(profile, form.processed_photo)
            except InvalidInput as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, "Your profile is saved.")
                return redirect("profiles:edit")
        status = form.photo_status or 400
        messages.error(request, "Please fix the highlighted fields; nothing was saved yet.")
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(profile))
    form.set_aria()
    return render(
        request,
        "profiles/edit.html",
        {"form": form, "profile": profile, "sections": _sections(form)},
        status=status,
    )


def _sections(form: ProfileForm) -> dict[str, list]:
    return {key: [form[name] for name in names] for key, names in form.SECTIONS.items()}


@login_required
@require_POST
def remove_photo(request: HttpRequest) -> HttpResponse:
    profile = services.ensure_profile(request.user)
    services.remove_photo(profile)
    messages.success(request, "Your photo is removed.")
    return redirect("profiles:edit")


def public_profile(request: HttpRequest, user_id: int) -> HttpResponse:
    """A person's profile, with their clock and hours shown in the viewer's zone.

    Anonymous visitors asking for a profile they cannot see (members-only or missing alike) are
    sent to sign in, so the page never reveals whether an account exists; signed-in members
    get a 404 for missing or inactive accounts.
    """
    try:
        profile = selectors.get_visible_profile_for(request.user, user_id)
    except Http404:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        raise
    viewer_zone = timezone.get_current_timezone()
    context = {
        "profile": profile,
        "is_self": request.user.is_authenticated and request.user.pk == profile.user_id,
        "bio_html": selectors.bio_html(profile),
        "tags": selectors.all_tag_names(profile),
        "country": country_name(profile.country),
        "facts": selectors.time_facts(profile, viewer_zone, timezone.now()),
        "viewer_zone": viewer_zone.key,
        "viewer_has_zone": request.user.is_authenticated
        and bool(getattr(getattr(request.user, "profile", None), "time_zone", "")),
        "session_lengths": ", ".join(f"{n} min" for n in profile.session_lengths),
    }
    for panel in public_profile_panels(request.user, profile):
        context.update(panel)
    return render(request, "profiles/public.html", context)


@require_GET
def tag_suggestions(request: HttpRequest, kind: str) -> JsonResponse:
    """JSON for static/mentorloom/js/tags.js: {"results": [names]}. Members only."""
    if not request.user.is_authenticated:
        return JsonResponse(error_body("not_authenticated", "Please sign in."), status=401)
    if kind not in TAG_MODELS:
        return JsonResponse(error_body("not_found", "Unknown tag kind."), status=404)
    q = request.GET.get("q", "")
    if len(q) > MAX_TAG_LENGTH:
        message = f"Search text can be at most {MAX_TAG_LENGTH} characters."
        return JsonResponse(error_body("bad_request", message, {"q": [message]}), status=400)
    return JsonResponse({"results": selectors.tag_suggestions(kind, q)})
