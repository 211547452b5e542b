from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from . import services


@task()
def send_due_reminders() -> int:
    return services.send_due_reminders(now=timezone.now())


@task()
def close_due_breakouts() -> int:
    """Periodic: rooms whose recall countdown or timer ran out close; everyone moves back."""
    return services.close_due_breakouts(now=timezone.now())


@task()
def close_open_attendance() -> int:
    return services.close_open_attendance(now=timezone.now())
