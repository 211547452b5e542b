"""Invitation e-mails: the .ics every booking, move and cancellation sends to both people.

`_announce` renders them during the write and queues `tasks.deliver_invitation` on commit (by
its path, so this package never imports the tasks module); the task calls `send_invitation`.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage

from mentorloom.core.email import render_plain_text, render_subject
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.notifications.services import notify

from .. import display, ics, selectors
from ..models import Session

logger = logging.getLogger(__name__)

INVITATION_TASK = "mentorloom.scheduling.tasks.deliver_invitation"


def send_invitation(
    to: list[str], subject: str, body: str, ics: str, method: str, filename: str = "invite.ics"
) -> None:
    """Sends an e-mail with the session's .ics attached (iTIP method in the content type)."""
    message = EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, to)
    message.attach(filename, ics, f"text/calendar; method={method}; charset=utf-8")
    message.send(fail_silently=False)
    logger.info("invitation sent", extra={"method": method, "to_count": len(to)})


def _announce(session: Session, actor, *, method: str, now: datetime, kind: str) -> None:  # type: ignore[no-untyped-def]
    """Invitation e-mails with .ics to both participants and an in-app notice to the other;
    queued on commit, so a rolled-back booking announces nothing."""
    payload = ics.invitation(session, method=method, now=now).decode()
    path = f"/schedule/{session.pk}/"
    clock_note = selectors.clock_note_for(session)
    for person in (session.mentor, session.mentee):
        other = session.mentee if person.pk == session.mentor_id else session.mentor
        zone = selectors.zone_name_of(person)
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "name": person.get_full_name(),
            "other_name": other.get_full_name(),
            "when": display.when(session.starts_at, zone),
            "other_when": display.when(session.starts_at, selectors.zone_name_of(other)),
            "method": method,
            "sequence": session.ics_sequence,
            "reason": session.cancel_reason,
            "clock_note": clock_note,
            "path": path,
        }
        subject = render_subject("scheduling/emails/invitation_subject.txt", context)
        body = render_plain_text("scheduling/emails/invitation.txt", context)
        enqueue_on_commit(
            INVITATION_TASK,
            to=[person.email],
            subject=subject,
            body=body,
            ics=payload,
            method=method,
        )
        if person.pk != actor.pk:
            notify(
                person, kind=kind, title=subject, body=body.split("\n\n")[1], url=path, email=False
            )
