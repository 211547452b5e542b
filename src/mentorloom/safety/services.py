"""Block and report writes. A block withdraws open requests between the two people and
cancels their upcoming sessions; every block and report is written to the audit log."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction

from mentorloom.accounts.access import require_verified
from mentorloom.audit.models import AuditEvent
from mentorloom.audit.services import record_event
from mentorloom.core.errors import InvalidInput, NotFound, PermissionDenied
from mentorloom.core.hooks import Hook
from mentorloom.core.ratelimit import enforce
from mentorloom.core.realtime.lifetime import close_sockets_for, refresh_hidden_for

from .models import Ban, Block, Report, ReportReason

REPORTS_PER_HOUR = 10


# Called as (blocker_id, blocked_id) inside the transaction that created a block; a listener
# that withdraws requests returns how many, others return None. Mentorships sits above safety
# and connects withdraw_requests_between in MentorshipsConfig.ready(); scheduling connects
# cancel_upcoming_on_block (the pair's upcoming sessions) in SchedulingConfig.ready(), calls
# end_calls_between (their live call) in CallsConfig.ready().
block_created = Hook("safety.block_created")


def audit(actor, action: str, target_user_id: int | None = None, **data: object) -> AuditEvent:  # type: ignore[no-untyped-def]
    """Written to the one audit log (mentorloom.audit); safety.AuditEvent keeps older rows."""
    target = ("accounts.user", target_user_id) if target_user_id else None
    return record_event(action, actor=actor, target=target, data=data)


def _existing_user(user_id: int) -> None:
    if not get_user_model().objects.filter(pk=user_id, is_active=True).exists():
        raise NotFound("No such person.")


def lock_pair(a_id: int, b_id: int) -> None:
    """Row-lock two people's user rows in id order (a fixed order cannot deadlock). A block
    and a request (or an accept) between the same two take it first, so on PostgreSQL neither
    can slip past the other: each waits, then sees what the other committed."""
    ids = sorted({a_id, b_id})
    list(get_user_model().objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def block_user(blocker, blocked_id: int) -> Block:  # type: ignore[no-untyped-def]
    """Block someone: they disappear from each other's lists, open requests between them are
    withdrawn and their upcoming sessions cancelled (silently — telling the blocked person
    would reveal the block)."""
    if blocker.pk == blocked_id:
        raise InvalidInput("You cannot block yourself.", fields={"user_id": ["That is you."]})
    # Checked up front: SQLite defers foreign-key checks to COMMIT, too late for a clean 422.
    if not get_user_model().objects.filter(pk=blocked_id).exists():
        raise InvalidInput("No such person.", fields={"user_id": ["No such person."]})
    lock_pair(blocker.pk, blocked_id)  # a request being sent meanwhile commits first
    try:
        with transaction.atomic():
            block, created = Block.objects.get_or_create(blocker=blocker, blocked_id=blocked_id)
    except IntegrityError:  # a concurrent identical block
        block, created = Block.objects.get(blocker=blocker, blocked_id=blocked_id), False
    if created:
        withdrawn = sum(n for n in block_created(blocker.pk, blocked_id) if n)
        # Open chat sockets of both stop delivering each other's posts in shared channels.
        refresh_hidden_for([blocker.pk, blocked_id])
        audit(blocker, "block.created", blocked_id, withdrawn_requests=withdrawn)
    return block


@transaction.atomic
def ban_user(staff, user_id: int, *, note: str = "") -> bool:  # type: ignore[no-untyped-def]
    """Ban someone (staff only): a `Ban` row is recorded, the account is deactivated, its
    sessions stop signing it in and its open sockets close after commit; audit-logged. Returns
    False if they were banned already. Raises PermissionDenied for non-staff, NotFound for an
    unknown id.

    An account already inactive because its deletion is pending is banned all the same: the
    row makes its grace sign-in and "cancel deletion" refuse (privacy), so asking to be
    deleted just before a ban cannot undo the ban."""
    if not getattr(staff, "is_staff", False):
        raise PermissionDenied("Only staff can ban.")
    users = get_user_model().objects
    if not users.filter(pk=user_id).exists():
        raise NotFound("No such person.")
    _, created = Ban.objects.get_or_create(
        user_id=user_id, defaults={"staff": staff, "note": note[:1000]}
    )
    # As accounts.services.deactivate_account, written here so bans audit as moderation.
    deactivated = bool(users.filter(pk=user_id, is_active=True).update(is_active=False))
    if created or deactivated:
        close_sockets_for(user_id, "banned")
        audit(staff, "moderation.ban", user_id, note=note[:1000])
    return created or deactivated


@transaction.atomic
def unban_user(staff, user_id: int, *, note: str = "") -> bool:  # type: ignore[no-untyped-def]
    """Lift a ban (staff only): the record goes. Reactivating the account stays a separate,
    deliberate step (the user admin's "active" box), as it was before bans were recorded.
    Returns False if there was no ban."""
    if not getattr(staff, "is_staff", False):
        raise PermissionDenied("Only staff can lift a ban.")
    deleted, _ = Ban.objects.filter(user_id=user_id).delete()
    if deleted:
        audit(staff, "moderation.unban", user_id, note=note[:1000])
    return bool(deleted)


@transaction.atomic
def unblock_user(blocker, blocked_id: int) -> None:  # type: ignore[no-untyped-def]
    """Remove a block; both people's open chat sockets reload whom they hide after commit
    (a block the other way round, if any, still hides)."""
    deleted, _ = Block.objects.filter(blocker=blocker, blocked_id=blocked_id).delete()
    if deleted:
        audit(blocker, "block.removed", blocked_id)
        refresh_hidden_for([blocker.pk, blocked_id])


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

    Raises EmailUnverified (403) for an unverified reporter: throw-away accounts cannot file
    reports to harass someone."""
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
    audit(reporter, "report.filed", reported_id, report_id=report.pk, reason=reason)
    return report
