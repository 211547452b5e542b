"""Reads: access helpers (object or 404), tag suggestions, completeness, time facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from mentorloom.core.markdown import render_markdown
from mentorloom.core.timezones import zone_names
from mentorloom.safety.selectors import is_blocked_between

from .hours import ConvertedHours, convert_working_hours, format_days, format_utc_offset
from .models import TAG_MODELS, Profile, Visibility, tag_key

TAG_FIELD_NAMES = list(TAG_MODELS)


def profiles_with_tags() -> QuerySet[Profile]:
    return Profile.objects.select_related("user").prefetch_related(*TAG_FIELD_NAMES)


def get_visible_profile_for(viewer: Any, user_id: int) -> Profile:
    """The profile of `user_id` if `viewer` may see it, else Http404.

    Unknown ids, inactive accounts, members-only profiles seen anonymously and a block
    between the two (either way) all answer the same 404 so nobody can probe which accounts
    exist, or learn that they were blocked.
    """
    try:
        profile = profiles_with_tags().get(user_id=user_id, user__is_active=True)
    except (Profile.DoesNotExist, ValueError, OverflowError):
        raise Http404("No such profile.") from None
    signed_in = viewer is not None and viewer.is_authenticated
    if profile.visibility != Visibility.EVERYONE and not signed_in:
        raise Http404("No such profile.")
    if signed_in and is_blocked_between(viewer.pk, profile.user_id):
        raise Http404("No such profile.")
    return profile


def tag_names(profile: Profile, field: str) -> list[str]:
    # Uses the prefetch cache when present; sorted so output is stable.
    return sorted((t.name for t in getattr(profile, field).all()), key=str.casefold)


def all_tag_names(profile: Profile) -> dict[str, list[str]]:
    return {field: tag_names(profile, field) for field in TAG_FIELD_NAMES}


def tag_suggestions(kind: str, q: str, limit: int = 10) -> list[str]:
    """Existing tag names of `kind` whose key starts with `q`, most used first, then by name.
    Only tags someone active still uses: a tag whose last user was erased (or is on their way
    out) is never offered, so what a deleted account typed is not read back by prefix."""
    model = TAG_MODELS.get(kind)
    if model is None:
        raise Http404("Unknown tag kind.")
    prefix = tag_key(q)
    if not prefix:
        return []
    rows = (
        model.objects.filter(key__startswith=prefix)
        .annotate(uses=Count("profiles", filter=Q(profiles__user__is_active=True)))
        .filter(uses__gt=0)
        .order_by("-uses", "key")
        .values_list("name", flat=True)[:limit]
    )
    return list(rows)


def bio_html(profile: Profile) -> str:
    """The bio as sanitised HTML (Markdown rendered, then cleaned by nh3)."""
    return render_markdown(profile.bio)


def photo_url(profile: Profile) -> str | None:
    return profile.photo.url if profile.photo else None


@dataclass(frozen=True)
class ChecklistItem:
    label: str
    done: bool
    anchor: str  # id of the fieldset on the edit page that completes it


def completeness(profile: Profile) -> tuple[list[ChecklistItem], int]:
    """The profile checklist shown on the dashboard, and the percentage done."""
    items = [
        ChecklistItem("Add your name", bool(profile.display_name), "about"),
        ChecklistItem("Write a headline", bool(profile.headline), "about"),
        ChecklistItem("Tell people about yourself", bool(profile.bio.strip()), "about"),
        ChecklistItem("Upload a photo", bool(profile.photo), "photo"),
        ChecklistItem("Set your time zone", bool(profile.time_zone), "time"),
        ChecklistItem("Choose your working days", bool(profile.work_days), "time"),
        ChecklistItem(
            "List your languages and skills",
            profile.languages.exists() and profile.skills.exists(),
            "background",
        ),
    ]
    if profile.is_mentor:
        items.append(ChecklistItem("Add topics you help with", profile.topics.exists(), "mentor"))
    else:
        items.append(
            ChecklistItem("Share your career goals", profile.career_goals.exists(), "mentee")
        )
    done = sum(item.done for item in items)
    return items, round(100 * done / len(items))


def zone_or_none(name: str) -> ZoneInfo | None:
    if name and name in zone_names():
        return ZoneInfo(name)
    return None


@dataclass(frozen=True)
class TimeFacts:
    """What a viewer needs to know about someone's clock, computed for one instant."""

    zone_name: str
    local_now: datetime
    local_time_label: str  # "14:05", formatted here: template filters would convert the zone
    offset_label: str  # "UTC+9"
    days_label: str  # "Mon–Fri"
    hours_label: str  # "09:00–17:00"
    viewer_zone_name: str
    viewer: ConvertedHours | None  # their hours in the viewer's zone; None if same zone
    viewer_days_label: str
    viewer_hours_label: str
    working_now: bool


def time_facts(profile: Profile, viewer_zone: ZoneInfo, now: datetime) -> TimeFacts | None:
    """Local time and working hours of `profile` as seen by someone in `viewer_zone`."""
    zone = zone_or_none(profile.time_zone)
    if zone is None:
        return None
    local = now.astimezone(zone)
    converted = convert_working_hours(
        profile.work_days, profile.work_start, profile.work_end, zone, viewer_zone, local.date()
    )
    hours = f"{profile.work_start:%H:%M}–{profile.work_end:%H:%M}"
    viewer_hours = f"{converted.start:%H:%M}–{converted.end:%H:%M}"
    if converted.ends_next_day:
        viewer_hours += " (next day)"
    same_zone = str(viewer_zone.key) == zone.key
    return TimeFacts(
        zone_name=zone.key,
        local_now=local,
        local_time_label=f"{local:%H:%M}",
        offset_label=format_utc_offset(local.utcoffset()),
        days_label=format_days(profile.work_days) or "No working days set",
        hours_label=hours,
        viewer_zone_name=viewer_zone.key,
        viewer=None if same_zone else converted,
        viewer_days_label=format_days(converted.days),
        viewer_hours_label=viewer_hours,
        working_now=_is_working(profile, local),
    )


def _is_working(profile: Profile, local: datetime) -> bool:
    wall = local.time().replace(tzinfo=None)
    start, end = profile.work_start, profile.work_end
    if start < end:
        return local.isoweekday() in profile.work_days and start <= wall < end
    # Overnight: the evening part belongs to today, the early-morning part to yesterday.
    if wall >= start:
        return local.isoweekday() in profile.work_days
    yesterday = (local.isoweekday() - 2) % 7 + 1
    return wall < end and yesterday in profile.work_days
