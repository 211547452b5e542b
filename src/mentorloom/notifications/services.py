"""The one notification service every app uses: in-app row now, e-mail after commit."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from mentorloom.core.email import queue_email
from mentorloom.core.errors import InvalidInput

from .kinds import GROUP_NAMES, group_of
from .models import EmailDelivery, Notification, NotificationPreference


def notify(
    user,  # type: ignore[no-untyped-def]
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
) -> Notification:
    """Record an in-app notification and e-mail it as the person asked for this kind's group
    (notifications.kinds): at once after commit, in the daily digest, or not at all. With
    in-app turned off for the group the row is stored already read (the history stays whole,
    the badge does not grow). `email=False` (a call ring, an invitation with its own e-mail)
    is never e-mailed whatever the preference.
    """
    preference = preference_for(user, group_of(kind))
    wants_mail = email and bool(user.email) and preference.email != EmailDelivery.OFF
    with transaction.atomic():
        notification = Notification.objects.create(
            user=user,
            kind=kind,
            title=title[:200],
            body=body,
            url=url,
            read_at=None if preference.in_app else timezone.now(),
            in_digest=wants_mail and preference.email == EmailDelivery.DIGEST,
        )
        if wants_mail and preference.email == EmailDelivery.INSTANT:
            queue_email(
                user.email,
                "notifications/emails/notification",
                {"user": user, "notification": notification},
            )
    return notification


def preference_for(user, group: str) -> NotificationPreference:  # type: ignore[no-untyped-def]
    """The saved preference, or an unsaved default one (in-app on, e-mail at once)."""
    found = NotificationPreference.objects.filter(user=user, group=group).first()
    return found or NotificationPreference(user=user, group=group)


def save_preferences(user, choices: dict[str, tuple[bool, str]]) -> None:  # type: ignore[no-untyped-def]
    """Store {group: (in_app, email)} for the given groups. Raises InvalidInput for an unknown
    group or e-mail choice."""
    errors = {
        group: ["Unknown notification group."] for group in choices if group not in GROUP_NAMES
    }
    for group, (_, mail) in choices.items():
        if mail not in EmailDelivery.values:
            errors.setdefault(group, []).append("Choose e-mail at once, a daily digest or none.")
    if errors:
        raise InvalidInput("Some choices are not valid.", fields=errors)
    with transaction.atomic():
        for group, (in_app, mail) in choices.items():
            NotificationPreference.objects.update_or_create(
                user=user, group=group, defaults={"in_app": in_app, "email": mail}
            )


def send_notification_digests() -> int:
    """E-mail each person one digest of their notifications waiting for it (run daily by the
    periodic scheduler). Returns how many e-mails were queued. Each row leaves the digest
    under its own update, so a second run never sends it twice."""
    sent = 0
    user_ids = (
        Notification.objects.filter(in_digest=True).values_list("user_id", flat=True).distinct()
    )
    for user_id in list(user_ids):
        with transaction.atomic():
            waiting = list(
                Notification.objects.select_for_update(of=("self",))
                .select_related("user__profile")
                .filter(user_id=user_id, in_digest=True)
                .order_by("created_at", "id")
            )
            if not waiting:
                continue
            Notification.objects.filter(pk__in=[n.pk for n in waiting]).update(in_digest=False)
            user = waiting[0].user
            if user.email:
                queue_email(
                    user.email,
                    "notifications/emails/digest",
                    {"user": user, "notifications": waiting},
                )
                sent += 1
    return sent


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
