"""Profile API: /api/v1/me (read, partial update) and /api/v1/users/{id} (public profile)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router

from . import selectors, services
from .hours import format_utc_offset
from .models import Profile
from .schemas import MeOut, ProfileOut, ProfilePatch

router = Router(tags=["profiles"])


def _profile_body(profile: Profile) -> dict[str, Any]:
    zone = selectors.zone_or_none(profile.time_zone)
    local = timezone.now().astimezone(zone) if zone else None
    fields = [name for name in ProfileOut.model_fields if hasattr(profile, name)]
    body: dict[str, Any] = {name: getattr(profile, name) for name in fields}
    body.update(selectors.all_tag_names(profile))
    body.update(
        user_id=profile.user_id,
        name=profile.name,
        bio_html=selectors.bio_html(profile),
        photo_url=selectors.photo_url(profile),
        work_start=f"{profile.work_start:%H:%M}",
        work_end=f"{profile.work_end:%H:%M}",
        local_time=f"{local:%H:%M}" if local else None,
        utc_offset=format_utc_offset(local.utcoffset()) if local else None,
        visibility=profile.visibility,
        meets_outside_hours=profile.meets_outside_hours,
    )
    return body


def _me_body(request: HttpRequest, profile: Profile) -> dict[str, Any]:
    user = request.user
    return {
        "email": user.email,
        "email_verified": user.email_verified_at is not None,
        "profile": _profile_body(profile),
    }


@router.get("/me", response=MeOut, summary="Your account and full profile")
def get_me(request: HttpRequest) -> dict[str, Any]:
    profile = services.ensure_profile(request.user)
    return _me_body(request, selectors.profiles_with_tags().get(pk=profile.pk))


@router.patch("/me", response=MeOut, summary="Change some fields of your profile")
def patch_me(request: HttpRequest, payload: ProfilePatch) -> dict[str, Any]:
    profile = services.ensure_profile(request.user)
    # Only the keys the client sent; an explicit null is passed on and validated by the service.
    services.update_profile(profile, **payload.model_dump(exclude_unset=True))
    return _me_body(request, selectors.profiles_with_tags().get(pk=profile.pk))


@router.get(
    "/users/{user_id}",
    response=ProfileOut,
    auth=None,
    summary="Someone's public profile (members-only profiles need a session)",
)
def get_user(request: HttpRequest, user_id: int) -> dict[str, Any]:
    # auth=None so everyone-visible profiles work anonymously; the selector enforces visibility.
    profile = selectors.get_visible_profile_for(request.user, user_id)
    return _profile_body(profile)
