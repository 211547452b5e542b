"""Background tasks for communities: thin wrappers around services."""

from __future__ import annotations

from django_tasks import task


@task()
def post_due_prompts() -> int:
    """Post the weekly discussions that are due (run every minute by the periodic scheduler;
    each occurrence is posted once however often this runs)."""
    from .services import post_due_prompts as run

    return run()


@task()
def send_weekly_digests() -> int:
    """Weekly e-mail of the busiest unread threads (run hourly; once a week per member)."""
    from .services import send_weekly_digests as run

    return run()
