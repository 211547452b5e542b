"""Background tasks for calls: thin wrappers around services."""

from __future__ import annotations

from django_tasks import task


@task()
def prune_janus_tokens() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): drop expired Janus participant tokens."""
    from .janus.controller import prune_expired_tokens

    return prune_expired_tokens()


@task()
def end_abandoned_calls() -> int:
    """End calls everyone left without hanging up (run every 15 s by the periodic scheduler)."""
    from .services import end_abandoned_calls as run

    return run()
