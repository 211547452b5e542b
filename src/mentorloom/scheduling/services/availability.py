"""Availability writes: weekly rules, date overrides, scheduling settings and the feed token."""

from __future__ import annotations

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils import timezone

from mentorloom.core.errors import InvalidInput

from .. import slots as slot_engine
from ..errors import RuleOverlap
from ..models import AvailabilityOverride, AvailabilityRule, OverrideKind, SchedulingSettings
from ._common import _lock

SETTINGS_FIELDS = {
    "remind_24h",
    "remind_1h",
    "buffer_before_minutes",
    "buffer_after_minutes",
    "min_notice_minutes",
    "horizon_days",
    "max_per_day",
    "max_per_week",
}


def ensure_settings(user) -> SchedulingSettings:  # type: ignore[no-untyped-def]
    found, _ = SchedulingSettings.objects.get_or_create(user=user)
    return found


def _check_window(start: time, end: time, field_prefix: str = "") -> None:
    if not slot_engine.is_valid_window(start, end):
        raise InvalidInput(
            "The end must be after the start.",
            fields={f"{field_prefix}end": ["The end must be after the start (00:00 = midnight)."]},
        )


def _check_no_overlap(windows: list[tuple[int, time, time]]) -> None:
    for i, (day_a, start_a, end_a) in enumerate(windows):
        for day_b, start_b, end_b in windows[i + 1 :]:
            if day_a == day_b and slot_engine.windows_overlap(start_a, end_a, start_b, end_b):
                raise RuleOverlap(
                    f"{start_a:%H:%M}–{end_a:%H:%M} overlaps {start_b:%H:%M}–{end_b:%H:%M}.",
                    fields={"start": ["This window overlaps another one on the same day."]},
                )


def add_rule(mentor, *, weekday: int, start: time, end: time) -> AvailabilityRule:  # type: ignore[no-untyped-def]
    """Adds a weekly window. Raises InvalidInput (bad window) or RuleOverlap."""
    if weekday not in range(1, 8):
        raise InvalidInput(fields={"weekday": ["Choose a day from Monday to Sunday."]})
    _check_window(start, end)
    ensure_settings(mentor)
    with transaction.atomic():
        _lock(mentor.pk)
        existing = [(r.weekday, r.start, r.end) for r in mentor.availability_rules.all()]
        _check_no_overlap([(weekday, start, end), *existing])
        return AvailabilityRule.objects.create(mentor=mentor, weekday=weekday, start=start, end=end)


def replace_rules(mentor, windows: list[tuple[int, time, time]]) -> list[AvailabilityRule]:  # type: ignore[no-untyped-def]
    """Replaces the whole weekly schedule (the API's PUT). All or nothing."""
    for index, (weekday, start, end) in enumerate(windows):
        if weekday not in range(1, 8):
            raise InvalidInput(fields={f"rules.{index}.weekday": ["Use 1 (Monday) to 7."]})
        _check_window(start, end, f"rules.{index}.")
    _check_no_overlap(windows)
    ensure_settings(mentor)
    with transaction.atomic():
        _lock(mentor.pk)
        AvailabilityRule.objects.filter(mentor=mentor).delete()
        return AvailabilityRule.objects.bulk_create(
            AvailabilityRule(mentor=mentor, weekday=d, start=s, end=e) for d, s, e in windows
        )


def delete_rule(mentor, rule_id: int) -> None:  # type: ignore[no-untyped-def]
    """Http404 unless it is one of the mentor's rules (never "removed" for someone else's)."""
    deleted, _ = AvailabilityRule.objects.filter(mentor=mentor, pk=rule_id).delete()
    if not deleted:
        raise Http404("No such availability window.")


def add_override(
    mentor,  # type: ignore[no-untyped-def]
    *,
    day: date,
    kind: str,
    start: time | None = None,
    end: time | None = None,
    note: str = "",
) -> AvailabilityOverride:
    """A date's own hours (kind=available, times required) or a blocked date/part of it."""
    if kind not in OverrideKind.values:
        raise InvalidInput(fields={"kind": ["Choose available or blocked."]})
    if (start is None) != (end is None):
        raise InvalidInput(fields={"end": ["Give both a start and an end, or neither."]})
    if kind == OverrideKind.AVAILABLE and start is None:
        raise InvalidInput(fields={"start": ["Extra hours need a start and an end."]})
    if start is not None and end is not None:
        _check_window(start, end)
    ensure_settings(mentor)
    with transaction.atomic():
        _lock(mentor.pk)
        if start is not None and end is not None:
            same_day = AvailabilityOverride.objects.filter(
                mentor=mentor, date=day, kind=kind, start__isnull=False
            )
            _check_no_overlap([(1, start, end), *[(1, o.start, o.end) for o in same_day]])
        return AvailabilityOverride.objects.create(
            mentor=mentor, date=day, kind=kind, start=start, end=end, note=note[:120]
        )


def delete_override(mentor, override_id: int) -> None:  # type: ignore[no-untyped-def]
    """Http404 unless it is one of the mentor's date overrides."""
    deleted, _ = AvailabilityOverride.objects.filter(mentor=mentor, pk=override_id).delete()
    if not deleted:
        raise Http404("No such date.")


def update_settings(user, **changes: object) -> SchedulingSettings:  # type: ignore[no-untyped-def]
    """Updates buffers, notice, horizon and limits; InvalidInput with per-field messages."""
    unknown = set(changes) - SETTINGS_FIELDS
    if unknown:
        raise InvalidInput(fields={name: ["Unknown setting."] for name in sorted(unknown)})
    with transaction.atomic():
        _lock(user.pk)
        current = SchedulingSettings.objects.get(user=user)
        for name, value in changes.items():
            setattr(current, name, value)
        try:
            current.full_clean(exclude=["user", "feed_token"])
        except ValidationError as exc:
            raise InvalidInput(
                fields={k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            ) from exc
        current.updated_at = timezone.now()
        current.save()
        return current


def regenerate_feed_token(user) -> str:  # type: ignore[no-untyped-def]
    current = ensure_settings(user)
    current.feed_token = SchedulingSettings.new_feed_token()
    current.save(update_fields=["feed_token"])
    return current.feed_token


def revoke_feed_token(user) -> None:  # type: ignore[no-untyped-def]
    SchedulingSettings.objects.filter(user=user).update(feed_token="")


# The feed link is a credential of its own (no session needed), so whatever says the password
# was exposed or the account is gone must end it too. A plain sign-out ("signed_out") does not:
# signing out of one browser should not break the calendar app that subscribed.
FEED_REVOKING_REASONS = frozenset(
    {
        "password_changed",
        "password_reset",
        "deactivated",
        "banned",
        "deletion_requested",
        "erased",
        "account_erased",
    }
)


def revoke_feed_on_access_ended(user_id: int, reason: str, session_key: str | None) -> None:
    """`core.realtime.lifetime.access_ended` listener: clears the feed token for the reasons in
    FEED_REVOKING_REASONS, inside the caller's transaction. The person can make a new link."""
    if reason in FEED_REVOKING_REASONS:
        SchedulingSettings.objects.filter(user_id=user_id).exclude(feed_token="").update(
            feed_token=""
        )
