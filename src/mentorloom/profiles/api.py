"""Profile API: /api/v1/me (read, partial update) and /api/v1/users/{id} (public profile)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router
from ninja.security import django_auth

from mentorloom.accounts.tokens_api import TokenAuth
from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id

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
        "profile": {**_profile_body(profile), "help_with": profile.help_with},
    }


@router.get("/me", response={200: MeOut, **READ_ERRORS}, summary="Your account and full profile")
def get_me(request: HttpRequest) -> dict[str, Any]:
    profile = services.ensure_profile(request.user)
    return _me_body(request, selectors.profiles_with_tags().get(pk=profile.pk))


@router.patch(
    "/me", response={200: MeOut, **WRITE_ERRORS}, summary="Change some fields of your profile"
)
def patch_me(request: HttpRequest, payload: ProfilePatch) -> dict[str, Any]:
    profile = services.ensure_profile(request.user)
    # Only the keys the client sent; an explicit null is passed on and validated by the service.
    services.update_profile(profile, **payload.model_dump(exclude_unset=True))
    return _me_body(request, selectors.profiles_with_tags().get(pk=profile.pk))


def _anyone(request: HttpRequest) -> bool:
    return True


@router.get(
    "/users/{user_id}",
    response={200: ProfileOut, **READ_ERRORS},
    # A token or a session identifies a member; failing both, the caller is anonymous (and
    # sees only everyone-visible profiles: the selector enforces visibility and blocks).
    auth=[TokenAuth(), django_auth, _anyone],
    summary="Someone's profile (members-only profiles need a token or a session)",
)
def get_user(request: HttpRequest, user_id: Id) -> dict[str, Any]:
    profile = selectors.get_visible_profile_for(request.user, user_id)
    return _profile_body(profile)
