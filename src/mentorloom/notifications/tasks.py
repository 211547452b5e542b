"""Background tasks for notifications: thin wrappers around services."""

from __future__ import annotations

from django_tasks import task


@task()
def send_notification_digests() -> int:
    """The daily digest of notifications people asked to receive that way."""
    from .services import send_notification_digests as run

    return run()
