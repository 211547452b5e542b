"""Background tasks for scheduling: thin entry points that call services.

Services enqueue these by path (`core.enqueue.enqueue_on_commit`), never by importing this
module, so the dependency runs one way: tasks → services.
"""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task

from . import services


@task()
def deliver_invitation(
    to: list[str], subject: str, body: str, ics: str, method: str, filename: str = "invite.ics"
) -> None:
    """Sends an e-mail with the session's .ics attached (see services.send_invitation)."""
    services.send_invitation(to, subject, body, ics, method, filename)


@task()
def send_due_reminders() -> int:
    return services.send_due_reminders(now=timezone.now())


# Calendar fetches run on their own queue and worker (settings.MENTORLOOM_TASK_QUEUES).
CALENDARS_QUEUE = "calendars"


@task(queue_name=CALENDARS_QUEUE)
def fetch_calendar(calendar_id: int) -> bool:
    """A fetch someone asked for (services.request_fetch, services.add_calendar)."""
    return services.fetch_calendar(calendar_id)


@task(queue_name=CALENDARS_QUEUE)
def refresh_external_calendars() -> int:
    """Periodic: fetch busy calendars older than 15 minutes (see services.refresh_calendar)."""
    return services.refresh_due_calendars(now=timezone.now())


@task()
def complete_past_sessions() -> int:
    """Periodic: booked sessions become completed 30 minutes after their end."""
    return services.complete_past_sessions(now=timezone.now())
