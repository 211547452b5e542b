"""Invitation e-mails: the .ics every booking, move and cancellation sends to both people.

`_announce` renders them during the write and queues `tasks.deliver_invitation` on commit (by
its path, so this package never imports the tasks module); the task calls `send_invitation`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
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
    clock_note = selectors.clock_note_for(session)

    def context_for(person, other, zone: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
        return {
            "when": display.when(session.starts_at, zone),
            "other_when": display.when(session.starts_at, selectors.zone_name_of(other)),
            "method": method,
            "sequence": session.ics_sequence,
            "reason": session.cancel_reason,
            "clock_note": clock_note,
        }

    _invite_both(
        session.mentor,
        session.mentee,
        actor,
        template="scheduling/emails/invitation",
        context_for=context_for,
        path=f"/schedule/{session.pk}/",
        ics_payload=ics.invitation(session, method=method, now=now).decode(),
        method=method,
        kind=kind,
        notice_for=lambda body: body.split("\n\n")[1],
    )


def _invite_both(
    mentor,  # type: ignore[no-untyped-def]
    mentee,
    actor,
    *,
    template: str,
    context_for: Callable[..., dict[str, object]],
    path: str,
    ics_payload: str,
    method: str,
    kind: str,
    notice_for: Callable[[str], str],
    filename: str = "invite.ics",
) -> None:
    """For each of the two people: `<template>_subject.txt` / `<template>.txt` rendered in their
    own zone (`context_for(person, other, zone)` adds what the template needs) and queued on
    commit with the .ics attached; whoever did not act also gets an in-app notice whose text is
    `notice_for(e-mail body)`."""
    for person in (mentor, mentee):
        other = mentee if person.pk == mentor.pk else mentor
        zone = selectors.zone_name_of(person)
        context = {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "name": person.get_full_name(),
            "other_name": other.get_full_name(),
            "path": path,
            **context_for(person, other, zone),
        }
        subject = render_subject(f"{template}_subject.txt", context)
        body = render_plain_text(f"{template}.txt", context)
        enqueue_on_commit(
            INVITATION_TASK,
            to=[person.email],
            subject=subject,
            body=body,
            ics=ics_payload,
            method=method,
            filename=filename,
        )
        if person.pk != actor.pk:
            notify(person, kind=kind, title=subject, body=notice_for(body), url=path, email=False)
