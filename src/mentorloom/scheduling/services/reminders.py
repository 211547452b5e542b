"""The 24 h / 1 h session reminders, each sent exactly once."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from mentorloom.notifications.services import notify

from .. import display, selectors
from ..models import SchedulingSettings, SentReminder, Session, SessionStatus

REMINDERS = (("24h", timedelta(hours=24)), ("1h", timedelta(hours=1)))


def send_due_reminders(*, now: datetime) -> int:
    """Sends each due 24 h / 1 h reminder exactly once; returns how many were sent.

    A reminder is due from its moment until the next one (24 h until 1 h before, 1 h until the
    start), only if the session's time was set before that moment. The SentReminder row keyed
    by (session, kind, starts_at) is inserted in the same transaction as the notification, so
    a second worker or a retry after a crash inserts nothing and sends nothing.
    """
    sent = 0
    for index, (kind, lead) in enumerate(REMINDERS):
        next_lead = REMINDERS[index + 1][1] if index + 1 < len(REMINDERS) else timedelta(0)
        already = SentReminder.objects.filter(
            session=OuterRef("pk"), kind=kind, starts_at=OuterRef("starts_at")
        )
        due = (
            Session.objects.filter(
                status=SessionStatus.BOOKED,
                starts_at__gt=now + next_lead,
                starts_at__lte=now + lead,
            )
            .exclude(Exists(already))
            .select_related("mentor__profile", "mentee__profile")
        )
        for session in due:
            if session.scheduled_at > session.starts_at - lead:
                continue  # booked or moved after this reminder's moment: it would be noise
            try:
                with transaction.atomic():
                    SentReminder.objects.create(
                        session=session, kind=kind, starts_at=session.starts_at, sent_at=now
                    )
                    _remind(session, kind)
            except IntegrityError:
                continue  # another worker sent it
            sent += 1
    return sent


def _remind(session: Session, kind: str) -> None:
    # Imported here: the sessions app builds on scheduling's models (import cycle otherwise).
    from mentorloom.sessions.selectors import agenda_text

    label = "tomorrow" if kind == "24h" else "in 1 hour"
    agenda = agenda_text(session)
    # Each person's own choice (SchedulingSettings.remind_24h / remind_1h; default on).
    wanted = {
        row["user_id"]: row[f"remind_{kind}"]
        for row in SchedulingSettings.objects.filter(user_id__in=session.participant_ids()).values(
            "user_id", f"remind_{kind}"
        )
    }
    for person in (session.mentor, session.mentee):
        if not wanted.get(person.pk, True):
            continue
        other = session.mentee if person.pk == session.mentor_id else session.mentor
        zone = selectors.zone_name_of(person)
        body = f"{display.when(session.starts_at, zone)}."
        if agenda:
            body += f"\n\nAgenda:\n{agenda}"
        notify(
            person,
            kind=f"session.reminder.{kind}",
            title=f"Reminder: session with {other.get_full_name()} {label}",
            body=body,
            url=f"/schedule/{session.pk}/",
        )
