from __future__ import annotations

from django.db.models import QuerySet

from .models import Notification


def unread_count(user) -> int:  # type: ignore[no-untyped-def]
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()


def notifications_for(
    user, *, limit: int = 50, unread_only: bool = False
) -> QuerySet[Notification]:  # type: ignore[no-untyped-def]
    qs = Notification.objects.filter(user=user)
    if unread_only:
        qs = qs.filter(read_at__isnull=True)
    return qs[:limit]
