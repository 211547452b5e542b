"""Background tasks for scheduling: thin wrappers around services and e-mail delivery."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone
from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def deliver_invitation(to: list[str], subject: str, body: str, ics: str, method: str) -> None:
    """Sends an e-mail with the session's .ics attached (iTIP method in the content type)."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    message.attach("invite.ics", ics, f"text/calendar; method={method}; charset=utf-8")
    message.send(fail_silently=False)
    logger.info("invitation sent", extra={"method": method, "to_count": len(to)})


@task()
def send_due_reminders() -> int:
    from .services import send_due_reminders as run

    return run(now=timezone.now())
