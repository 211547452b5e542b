"""Background tasks for scheduling: thin wrappers around services and e-mail delivery."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_invitation(
    to: list[str], subject: str, body: str, ics: str, method: str, filename: str = "invite.ics"
) -> None:
    """Sends an e-mail with the session's .ics attached (iTIP method in the content type)."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    message.attach(filename, ics, f"text/calendar; method={method}; charset=utf-8")
    message.send(fail_silently=False)
    logger.info("invitation sent", extra={"method": method, "to_count": len(to)})


@task()
def send_due_reminders() -> int:
    from .services import send_due_reminders as run

    return run(now=timezone.now())


@task()
def refresh_external_calendars() -> int:
    """Periodic: fetch busy calendars older than 15 minutes (see services.refresh_calendar)."""
    from .services import refresh_due_calendars

    return refresh_due_calendars(now=timezone.now())


@task()
def complete_past_sessions() -> int:
    """Periodic: booked sessions become completed 30 minutes after their end."""
    from .services import complete_past_sessions as run

    return run(now=timezone.now())
