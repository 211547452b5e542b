"""Every write to a profile. Validation lives here so the HTML form and the API share one rulebook.

Errors are raised as `InvalidInput(fields={name: [messages]})`; the API turns that into a 422 and
the edit view turns it into form errors.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from datetime import date, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from PIL import Image, ImageOps

from mentorloom.core import images, ratelimit
from mentorloom.core.errors import InvalidInput
from mentorloom.core.hooks import Hook
from mentorloom.core.timezones import canonical_zone, zone_names

from .countries import COUNTRIES
from .errors import PhotoRateLimited
from .models import (
    SESSION_LENGTH_CHOICES,
    TAG_MODELS,
    Profile,
    Tag,
    Visibility,
    clean_tag_name,
    tag_key,
)

MAX_TAGS_PER_FIELD = 20
MAX_TAG_LENGTH = 60
MAX_LINKS = 5
MAX_LINK_LENGTH = 300
MAX_PAUSE_DAYS = 366
PHOTO_SIZE = 512
# Each upload is decoded (bounded by core.images); a person changes their photo rarely.
PHOTO_UPLOADS_PER_HOUR = 10
# Decoders tried on upload; the JPEG decoder reports phone-camera multi-picture files as "MPO".
PHOTO_DECODERS = ("JPEG", "PNG", "WEBP")
PHOTO_FORMATS = {"JPEG", "MPO", "PNG", "WEBP"}

TEXT_LIMITS: dict[str, int] = {
    "display_name": 80,
    "pronouns": 30,
    "headline": 140,
    "bio": 5000,
    "expertise": 200,
    "help_with": 1000,
}
BOOL_FIELDS = {"is_mentor", "accepting_requests", "meets_outside_hours"}
TAG_FIELDS = set(TAG_MODELS)
EDITABLE_FIELDS = (
    set(TEXT_LIMITS)
    | BOOL_FIELDS
    | TAG_FIELDS
    | {
        "time_zone",
        "work_start",
        "work_end",
        "work_days",
        "country",
        "links",
        "visibility",
        "years_experience",
        "session_lengths",
        "capacity",
        "paused_until",
    }
)


def timezone_names() -> frozenset[str]:
    return zone_names()


def ensure_profile(user: Any) -> Profile:
    """The user's profile, created empty on first use (safe under concurrent first requests)."""
    profile, _ = Profile.objects.get_or_create(user=user)
    return profile


# --- Validation -------------------------------------------------------------------------------


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)


def normalise_tag_names(names: Iterable[str]) -> list[str]:
    """Cleaned, de-duplicated (by key) tag names in the order given; blanks dropped."""
    seen: set[str] = set()
    result: list[str] = []
    for raw in names:
        name = clean_tag_name(str(raw))
        key = tag_key(name)
        if name and key not in seen:
            seen.add(key)
            result.append(name)
    return result


def split_tags(text: str) -> list[str]:
    """Comma-separated text (as typed in the form) to a list of names."""
    return [part for part in (text or "").split(",") if part.strip()]


def _parse_time(value: Any) -> time:
    if isinstance(value, time):
        return value.replace(second=0, microsecond=0, tzinfo=None)
    if isinstance(value, str):
        try:
            return time.fromisoformat(value.strip()).replace(second=0, microsecond=0)
        except ValueError:
            pass
    raise ValueError("Enter a time such as 09:00.")


def _parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise ValueError("Enter a date such as 2025-09-30.")


def _int_list(value: Any) -> list[int]:
    if not isinstance(value, (list, tuple, set)):
        raise ValueError
    result = []
    for item in value:
        if isinstance(item, bool):  # bool is an int subclass; True is not a weekday
            raise ValueError
        result.append(int(item))
    return result


def _validate_field(name: str, value: Any, errors: _Errors) -> Any:
    """One field's cleaned value, or records an error and returns None."""
    if name in TEXT_LIMITS:
        text = "" if value is None else str(value).strip()
        limit = TEXT_LIMITS[name]
        if len(text) > limit:
            errors.add(name, f"Keep this to {limit} characters or fewer (it has {len(text)}).")
        return text
    if name in BOOL_FIELDS:
        if not isinstance(value, bool):
            errors.add(name, "Choose yes or no.")
        return value
    if name in TAG_FIELDS:
        if value is None:
            return []
        if isinstance(value, str) or not isinstance(value, (list, tuple)):
            errors.add(name, "Give a list of names.")
            return None
        names = normalise_tag_names(value)
        too_long = [n for n in names if len(n) > MAX_TAG_LENGTH]
        if too_long:
            errors.add(name, f"Each entry must be {MAX_TAG_LENGTH} characters or fewer.")
        if len(names) > MAX_TAGS_PER_FIELD:
            errors.add(name, f"Choose at most {MAX_TAGS_PER_FIELD} ({len(names)} given).")
        return names
    if name == "time_zone":
        zone = "" if value is None else str(value).strip()
        zone = canonical_zone(zone) or zone
        if zone and zone not in timezone_names():
            errors.add(
                name, f"“{zone[:64]}” is not a known time zone. Pick one such as Europe/Berlin."
            )
        return zone
    if name in {"work_start", "work_end"}:
        try:
            return _parse_time(value)
        except ValueError as exc:
            errors.add(name, str(exc))
            return None
    if name == "work_days":
        try:
            days = sorted(set(_int_list(value or [])))
        except (TypeError, ValueError):
            errors.add(name, "Give weekdays as numbers 1 (Monday) to 7 (Sunday).")
            return None
        if any(d < 1 or d > 7 for d in days):
            errors.add(name, "Weekdays are numbered 1 (Monday) to 7 (Sunday).")
        return days
    if name == "country":
        code = "" if value is None else str(value).strip().upper()
        if code and code not in COUNTRIES:
            errors.add(name, "Choose a country from the list (ISO 3166 two-letter code).")
        return code
    if name == "links":
        return _validate_links(value, errors)
    if name == "visibility":
        if value not in Visibility.values:
            errors.add(name, "Choose who can see your profile.")
        return value
    if name == "years_experience":
        if value is None or value == "":
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 70:
            errors.add(name, "Enter a whole number of years between 0 and 70.")
        return value
    if name == "session_lengths":
        try:
            lengths = sorted(set(_int_list(value or [])))
        except (TypeError, ValueError):
            lengths = None
        if lengths is None or any(n not in SESSION_LENGTH_CHOICES for n in lengths):
            allowed = ", ".join(str(n) for n in SESSION_LENGTH_CHOICES)
            errors.add(name, f"Session lengths can be {allowed} minutes.")
        return lengths
    if name == "capacity":
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
            errors.add(name, "Capacity is between 1 and 50 active mentees.")
        return value
    if name == "paused_until":
        try:
            until = _parse_date(value)
        except ValueError as exc:
            errors.add(name, str(exc))
            return None
        if until and until > timezone.localdate() + timedelta(days=MAX_PAUSE_DAYS):
            errors.add(name, "A pause can last up to a year.")
        return until
    raise ValueError(f"Unknown profile field: {name}")


def _validate_links(value: Any, errors: _Errors) -> list[str] | None:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        errors.add("links", "Give a list of web addresses.")
        return None
    links = [str(link).strip() for link in value if str(link).strip()]
    if len(links) > MAX_LINKS:
        errors.add("links", f"Add at most {MAX_LINKS} links.")
    check = URLValidator(schemes=["http", "https"])
    for link in links:
        try:
            if len(link) > MAX_LINK_LENGTH:
                raise ValidationError("too long")
            check(link)
        except ValidationError:
            errors.add("links", f"“{link[:80]}” is not a valid http(s) web address.")
    return list(dict.fromkeys(links))


def validate_profile_changes(profile: Profile, changes: dict[str, Any]) -> dict[str, Any]:
    """Cleaned values for `changes`, checked together with the profile's other values.

    Raises InvalidInput listing every bad field, so a form shows all problems at once.
    """
    errors = _Errors()
    unknown = set(changes) - EDITABLE_FIELDS
    for name in sorted(unknown):
        errors.add(name, "This field cannot be changed.")
    cleaned = {
        name: _validate_field(name, value, errors)
        for name, value in changes.items()
        if name in EDITABLE_FIELDS
    }
    start = cleaned.get("work_start", profile.work_start)
    end = cleaned.get("work_end", profile.work_end)
    # Overnight hours (end before start) are allowed for night shifts; a zero-length day is not.
    if start is not None and end is not None and start == end:
        errors.add("work_end", "Working hours must end at a different time than they start.")
    if errors.fields:
        raise InvalidInput(fields=errors.fields)
    return cleaned


# --- Writes -----------------------------------------------------------------------------------


def _tags_for(model: type[Tag], names: list[str]) -> list[Tag]:
    tags = []
    for name in names:
        tag, _ = model.objects.get_or_create(key=tag_key(name), defaults={"name": name})
        tags.append(tag)
    return tags


# A mentee's goals and interests keep the order they were entered in (the first is usually the
# main one; matching reads them in that order). `set()` adds new rows in no particular order.
ORDERED_TAG_FIELDS = frozenset({"career_goals", "interests"})


def _set_in_entry_order(profile: Profile, name: str, tags: list[Tag]) -> None:
    """As `.set(tags)`, but new tags are added one by one in the order given, after the ones
    kept (which keep their place: a form that lists them in another order changes nothing)."""
    manager = getattr(profile, name)
    wanted = list(dict.fromkeys(tags))
    keep = {t.pk for t in wanted}
    current = set(manager.values_list("pk", flat=True))
    gone = current - keep
    if gone:
        manager.remove(*gone)
    for tag in wanted:
        if tag.pk not in current:
            manager.add(tag)


def update_profile(profile: Profile, **changes: Any) -> Profile:
    """Validate and apply a (partial) set of profile changes atomically.

    Tag fields take lists of names; new names become tags, existing ones are matched by key so
    "Machine  Learning" and "machine learning" are one tag. Raises InvalidInput before writing
    anything if any value is bad.
    """
    cleaned = validate_profile_changes(profile, changes)
    with transaction.atomic():
        plain = {k: v for k, v in cleaned.items() if k not in TAG_FIELDS}
        for name, value in plain.items():
            setattr(profile, name, value)
        profile.updated_at = timezone.now()
        profile.save()
        for name in TAG_FIELDS & cleaned.keys():
            tags = _tags_for(TAG_MODELS[name], cleaned[name])
            if name in ORDERED_TAG_FIELDS:
                _set_in_entry_order(profile, name, tags)
            else:
                getattr(profile, name).set(tags)
        announce_profile_change(profile)
    return profile


# Called with the profile id inside the transaction that changed a profile's text, tags or
# hours. Discovery (full-text search document) and matching (embeddings, ranking index) sit
# above profiles and connect to it in their AppConfig.ready(); each acts once the write commits.
profile_changed = Hook("profiles.profile_changed")


def announce_profile_change(profile: Profile) -> None:
    """Keep what is derived from a profile current once this transaction commits: the
    full-text search document (discovery) and the embeddings and ranking index (matching)."""
    profile_changed(profile.pk)


def count_photo_upload(user: Any) -> None:
    """Count one photo upload against the user's limit; raises PhotoRateLimited.

    Called before the upload is read or decoded, so a flood of uploads costs no decoding."""
    if not ratelimit.allow(
        "profile.photo", str(user.pk), limit=PHOTO_UPLOADS_PER_HOUR, window_seconds=3600
    ):
        raise PhotoRateLimited(fields={"photo": [PhotoRateLimited.default_message]})


def process_photo(uploaded: Any, *, user: Any) -> bytes:
    """Check an uploaded image and return it as a 512x512 WebP without metadata.

    The upload counts against `user`'s photo limit first. The type is detected from the bytes,
    never the file name; the canvas is checked from the header before decoding
    (core.images). Raises PhotoRateLimited, ImagesBusy, InvalidInput(fields.photo) (code
    image_too_large for too many pixels).
    """
    count_photo_upload(user)
    limit = settings.PROFILE_PHOTO_MAX_BYTES
    too_big = InvalidInput(
        fields={"photo": [f"The photo is larger than {limit // (1024 * 1024)} MB."]}
    )
    size = getattr(uploaded, "size", None)
    if size is None or size > limit:
        raise too_big
    uploaded.seek(0)
    data = uploaded.read(limit + 1)
    if len(data) > limit:
        raise too_big
    try:
        with images.decoded(
            data, formats=PHOTO_DECODERS, accept=PHOTO_FORMATS, field="photo", min_side=PHOTO_SIZE
        ) as image:
            mode = (
                "RGBA"
                if image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
                else "RGB"
            )
            image = image.convert(mode)
            square = ImageOps.fit(
                image, (PHOTO_SIZE, PHOTO_SIZE), Image.Resampling.LANCZOS, centering=(0.5, 0.5)
            )
            # drop EXIF, ICC, XMP and comments: they can carry location and device data
            square.info = {}
            out = io.BytesIO()
            square.save(out, format="WEBP", quality=85, method=4)
    except images.UnreadableImage as exc:
        raise InvalidInput(fields={"photo": ["Upload a JPEG, PNG or WebP image."]}) from exc
    return out.getvalue()


def store_photo(profile: Profile, webp: bytes) -> Profile:
    """Save already-processed photo bytes and delete the previous file once committed."""
    old_name = profile.photo.name if profile.photo else ""
    storage = profile.photo.storage
    profile.photo.save("avatar.webp", ContentFile(webp), save=False)
    new_name = profile.photo.name
    try:
        with transaction.atomic():
            profile.updated_at = timezone.now()
            profile.save(update_fields=["photo", "updated_at"])
    except Exception:
        storage.delete(new_name)  # the row still points at the old file
        raise
    if old_name:
        transaction.on_commit(lambda: storage.delete(old_name))
    return profile


def set_photo(profile: Profile, uploaded_file: Any) -> Profile:
    """Validate, re-encode and store a new profile photo, replacing the old one."""
    return store_photo(profile, process_photo(uploaded_file, user=profile.user))


def remove_photo(profile: Profile) -> Profile:
    """Clear the photo and delete its file once the change is committed."""
    if not profile.photo:
        return profile
    old_name = profile.photo.name
    storage = profile.photo.storage
    profile.photo = ""
    profile.updated_at = timezone.now()
    profile.save(update_fields=["photo", "updated_at"])
    transaction.on_commit(lambda: storage.delete(old_name))
    return profile
