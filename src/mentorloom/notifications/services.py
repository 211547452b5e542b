"""The one notification service every app uses: in-app row now, e-mail after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from mentorloom.core.email import queue_email

from .models import Notification


def notify(
    user,  # type: ignore[no-untyped-def]
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> Notification:
    """Record an in-app notification and (optionally) e-mail it once the transaction commits.

    Later issues add live delivery over the WebSocket and quiet-hours-aware digests here, so
    callers never change.
    """
    with transaction.atomic():
        notification = Notification.objects.create(
            user=user, kind=kind, title=title[:200], body=body, url=url
        )
        if email and user.email:
            queue_email(
                user.email,
                "notifications/emails/notification",
                {"user": user, "notification": notification},
            )
    return notification


def mark_read(user, notification_ids: list[int] | None = None) -> int:  # type: ignore[no-untyped-def]
    """Mark some (or all, when ids is None) of the user's notifications read."""
    qs = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=notification_ids)
    return qs.update(read_at=timezone.now())


def mark_subject_read(
    user_ids: Iterable[int], url: str, *, kinds: Iterable[str] | None = None
) -> int:
    """Mark read the unread notifications of these people that point at `url` (the subject's
    page), optionally only of some kinds. Services call it when the subject is acted on
    (a request answered, a call ended), so a badge never counts what is already dealt with."""
    qs = Notification.objects.filter(user_id__in=list(user_ids), url=url, read_at__isnull=True)
    if kinds is not None:
        qs = qs.filter(kind__in=list(kinds))
    return qs.update(read_at=timezone.now())
