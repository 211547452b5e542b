"""Block and report writes. A block withdraws open requests between the two people; every
block and report is written to the audit log."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from mentorloom.accounts.access import require_verified
from mentorloom.core.errors import InvalidInput, NotFound
from mentorloom.core.ratelimit import enforce

from .models import AuditEvent, Block, Report, ReportReason

REPORTS_PER_HOUR = 10


def audit(actor, action: str, target_user_id: int | None = None, **data: object) -> AuditEvent:  # type: ignore[no-untyped-def]
    return AuditEvent.objects.create(
        actor=actor, action=action, target_user_id=target_user_id, data=data
    )


def _existing_user(user_id: int) -> None:
    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        raise NotFound("No such person.")


@transaction.atomic
def block_user(blocker, blocked_id: int) -> Block:  # type: ignore[no-untyped-def]
    """Block someone: they disappear from each other's lists, and open requests between them
    are withdrawn (silently — telling the blocked person would reveal the block)."""
    from mentorloom.mentorships.services import withdraw_requests_between

    if blocker.pk == blocked_id:
        raise InvalidInput("You cannot block yourself.", fields={"user_id": ["That is you."]})
    # Checked up front: SQLite defers foreign-key checks to COMMIT, too late for a clean 422.
    if not get_user_model().objects.filter(pk=blocked_id).exists():
        raise InvalidInput("No such person.", fields={"user_id": ["No such person."]})
    try:
        with transaction.atomic():
            block, created = Block.objects.get_or_create(blocker=blocker, blocked_id=blocked_id)
    except IntegrityError:  # a concurrent identical block
        block, created = Block.objects.get(blocker=blocker, blocked_id=blocked_id), False
    if created:
        withdrawn = withdraw_requests_between(blocker.pk, blocked_id)
        audit(blocker, "block.created", blocked_id, withdrawn_requests=withdrawn)
    return block


def unblock_user(blocker, blocked_id: int) -> None:  # type: ignore[no-untyped-def]
    deleted, _ = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if deleted:
        audit(blocker, "block.removed", blocked_id)


@transaction.atomic
def report_user(
    reporter,  # type: ignore[no-untyped-def]
    reported_id: int,
    *,
    reason: str,
    details: str = "",
    context_url: str = "",
) -> Report:
    """File a report for staff review (admin → Safety → Reports) and audit-log it.
    EmailUnverified (403) unless the reporter verified their e-mail (throwaway-account abuse)."""
    require_verified(reporter)
    enforce("report", str(reporter.pk), limit=REPORTS_PER_HOUR, window_seconds=3600)
    if reporter.pk == reported_id:
        raise InvalidInput("You cannot report yourself.", fields={"user_id": ["That is you."]})
    _existing_user(reported_id)
    if reason not in ReportReason.values:
        raise InvalidInput(fields={"reason": ["Choose a reason."]})
    details = (details or "").strip()
    if len(details) > 4000:
        raise InvalidInput(fields={"details": ["Please keep it under 4000 characters."]})
    if not context_url.startswith("/"):
        context_url = ""
    report = Report.objects.create(
        reporter=reporter,
        reported_id=reported_id,
        reason=reason,
        details=details,
        context_url=context_url[:300],
    )
    audit(reporter, "report.created", reported_id, report_id=report.pk, reason=reason)
    return report
