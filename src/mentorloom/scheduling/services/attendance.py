"""After a session: no-show reports and automatic completion."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from mentorloom.core.errors import PermissionDenied

from ..errors import SessionNotBooked, TooEarlyForNoShow
from ..models import Session, SessionStatus
from ._common import _locked_session

NO_SHOW_GRACE = timedelta(minutes=10)
NO_SHOW_REPORT_DAYS = 7
COMPLETE_AFTER = timedelta(minutes=30)  # after the end, so an overrunning call is not cut


def mark_no_show(actor, session: Session, *, now: datetime | None = None) -> Session:  # type: ignore[no-untyped-def]
    """Either side records that the *other* person did not come, from start + 10 minutes."""
    now = now or timezone.now()
    if actor.pk not in session.participant_ids():
        raise PermissionDenied()
    with transaction.atomic():
        session = _locked_session(session)
        # Auto-completion must not take the chance to report away: a completed session may
        # still be reported for NO_SHOW_REPORT_DAYS after its end.
        reportable = session.status == SessionStatus.BOOKED or (
            session.status == SessionStatus.COMPLETED
            and now <= session.ends_at + timedelta(days=NO_SHOW_REPORT_DAYS)
        )
        if not reportable:
            raise SessionNotBooked()
        if now < session.starts_at + NO_SHOW_GRACE:
            raise TooEarlyForNoShow()
        session.status = SessionStatus.NO_SHOW
        session.no_show_user_id = session.other(actor.pk)
        session.no_show_reported_by = actor
        session.save()
    return session


def complete_past_sessions(*, now: datetime | None = None) -> int:
    """Marks booked sessions completed 30 minutes after they end; returns how many.

    One UPDATE guarded by status=booked, so it is idempotent and never overwrites a
    cancellation or a no-show recorded meanwhile (either side may still report a no-show
    for NO_SHOW_REPORT_DAYS).
    """
    now = now or timezone.now()
    return Session.objects.filter(
        status=SessionStatus.BOOKED, ends_at__lte=now - COMPLETE_AFTER
    ).update(status=SessionStatus.COMPLETED)
