"""Background tasks for messaging: thin wrappers around services."""

from __future__ import annotations

from django_tasks import task


@task()
def send_message_digests() -> dict[str, int]:
    """One pass of unread-message digests (run every minute by the periodic scheduler)."""
    from .services import send_message_digests as run

    return run()
