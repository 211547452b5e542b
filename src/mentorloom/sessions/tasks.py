"""Background tasks for sessions: thin wrappers around services."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def send_feedback_prompts() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): prompt feedback for ended sessions."""
    from .services import send_feedback_prompts as run

    return run(now=timezone.now())


@task()
def send_agenda_prep_reminders() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): ask mentees to prepare empty agendas
    once, 24 h before the session."""
    from .services import send_agenda_prep_reminders as run

    return run(now=timezone.now())


@task()
def release_feedback() -> int | None:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS, hourly): publish this week's feedback
    figures once per UTC week; later checks in the same week do nothing."""
    from .releases import release_feedback as run

    return run(now=timezone.now())
