"""Data rights: ask for a copy of my data, ask to delete my account, cancel that.

Every write here runs in a transaction; e-mails and the export task go out on commit.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from mentorloom.accounts.services import check_current_password, deactivate_account
from mentorloom.audit.services import record_event
from mentorloom.core.email import queue_email
from mentorloom.core.enqueue import enqueue_on_commit
from mentorloom.core.realtime.lifetime import close_sockets_for
from mentorloom.safety.selectors import is_banned

from .errors import (
    AccountBanned,
    DeletionAlreadyRequested,
    ExportExpired,
    ExportInProgress,
    NoDeletionPending,
    TooManyExports,
    WrongPassword,
)
from .models import AccountDeletion, DataExport, ExportStatus

logger = logging.getLogger(__name__)
TOKEN_SALT = "mentorloom.privacy.export"


# --- Export -----------------------------------------------------------------------------------


def export_dir() -> Path:
    path = Path(settings.MENTORLOOM_EXPORT_DIR)
    path.mkdir(parents=True, exist_ok=True)
    return path


def request_export(user, *, site_url: str = "") -> DataExport:  # type: ignore[no-untyped-def]
    """Queue a zip of the person's data. One at a time (ExportInProgress, 409) and
    settings.MENTORLOOM_EXPORTS_PER_DAY a day (TooManyExports, 429). The worker builds it."""
    now = timezone.now()
    with transaction.atomic():
        # Lock the person's row so two clicks cannot both pass the checks below.
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        mine = DataExport.objects.filter(user=user)
        if mine.filter(status__in=[ExportStatus.QUEUED, ExportStatus.BUILDING]).exists():
            raise ExportInProgress()
        if (
            mine.filter(created_at__gte=now - timedelta(days=1)).count()
            >= settings.MENTORLOOM_EXPORTS_PER_DAY
        ):
            raise TooManyExports()
        try:
            with transaction.atomic():
                export = DataExport.objects.create(user=user, created_at=now)
        except IntegrityError as exc:  # the partial unique constraint: one running export
            raise ExportInProgress() from exc
        # With the export row: a failed enqueue fails the request instead of leaving an
        # export "queued" for ever, which would refuse every later one (one at a time).
        enqueue_on_commit(
            "mentorloom.privacy.tasks.build_export_task", export_id=export.pk, site_url=site_url
        )
    return export


def download_token(export: DataExport) -> str:
    return signing.dumps({"export": export.pk, "user": export.user_id}, salt=TOKEN_SALT)


def download_url(export: DataExport, site_url: str = "") -> str:
    base = (site_url or settings.SITE_URL).rstrip("/")
    return base + reverse("privacy:download", args=[download_token(export)])


def build_export(export_id: int, *, site_url: str = "") -> DataExport | None:
    """Worker: queued → building → ready, write the zip, e-mail the link. Idempotent: an
    export that is no longer queued is left alone."""
    from .export import write_export_zip

    with transaction.atomic():
        export = (
            DataExport.objects.select_for_update()
            .filter(pk=export_id, status=ExportStatus.QUEUED)
            .first()
        )
        if export is None:
            return None
        export.status = ExportStatus.BUILDING
        export.save(update_fields=["status"])
    user = export.user
    name = f"{secrets.token_hex(16)}.zip"
    path = export_dir() / name
    try:
        write_export_zip(user, path)
    except Exception:
        logger.exception("data export failed", extra={"export": export.pk})
        path.unlink(missing_ok=True)
        DataExport.objects.filter(pk=export.pk).update(status=ExportStatus.FAILED)
        raise
    now = timezone.now()
    with transaction.atomic():
        export.status = ExportStatus.READY
        export.file_name = name
        export.size = path.stat().st_size
        export.finished_at = now
        export.expires_at = now + timedelta(days=settings.MENTORLOOM_EXPORT_TTL_DAYS)
        export.save(update_fields=["status", "file_name", "size", "finished_at", "expires_at"])
        record_event("data.exported", actor=user, target=user, data={"export": export.pk})
        queue_email(
            user.email,
            "privacy/emails/export_ready",
            {"url": download_url(export, site_url), "expires_at": export.expires_at},
        )
    return export


def export_for_download(user, token: str, now: datetime | None = None) -> tuple[DataExport, Path]:  # type: ignore[no-untyped-def]
    """The export a download link points at, for its owner only. A bad token or someone
    else's export raises Http404; an expired one ExportExpired (410)."""
    from django.http import Http404

    now = now or timezone.now()
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature as exc:
        raise Http404 from exc
    export = DataExport.objects.filter(pk=data.get("export"), user=user).first()
    if export is None or data.get("user") != user.pk:
        raise Http404
    if export.status != ExportStatus.READY or (export.expires_at and export.expires_at <= now):
        raise ExportExpired()
    path = export_dir() / export.file_name
    if not export.file_name or not path.is_file():
        raise ExportExpired()
    return export, path


def purge_expired_exports(now: datetime | None = None) -> int:
    """Periodic: delete the files of exports past their expiry and mark them expired."""
    now = now or timezone.now()
    count = 0
    for export in DataExport.objects.filter(status=ExportStatus.READY, expires_at__lte=now):
        if export.file_name:
            (export_dir() / export.file_name).unlink(missing_ok=True)
        export.status = ExportStatus.EXPIRED
        export.file_name = ""
        export.save(update_fields=["status", "file_name"])
        count += 1
    # A crashed build must not block the next one forever.
    stale = now - timedelta(hours=6)
    DataExport.objects.filter(
        status__in=[ExportStatus.QUEUED, ExportStatus.BUILDING], created_at__lt=stale
    ).update(status=ExportStatus.FAILED)
    return count


# --- Deletion ---------------------------------------------------------------------------------


def pending_deletion(user) -> AccountDeletion | None:  # type: ignore[no-untyped-def]
    deletion = AccountDeletion.objects.filter(user_id=user.pk).first()
    return deletion if deletion and deletion.is_pending else None


def request_deletion(user, *, password: str) -> AccountDeletion:  # type: ignore[no-untyped-def]
    """Start the grace period: the account is deactivated at once (hidden from the directory
    and recommendations; open requests withdrawn), erased by the periodic job after
    settings.MENTORLOOM_DELETION_GRACE_DAYS. Raises WrongPassword, ReauthThrottled or
    DeletionAlreadyRequested. Call outside a transaction (the password check is throttled).
    """
    from mentorloom.mentorships.models import (
        OPEN_REQUEST_STATUSES,
        MentorshipRequest,
        RequestStatus,
        WaitlistEntry,
    )

    # Throttled per account (raises ReauthThrottled): a stolen session cannot guess it.
    if not check_current_password(user, password):
        raise WrongPassword()
    now = timezone.now()
    with transaction.atomic():
        user = get_user_model().objects.select_for_update().get(pk=user.pk)
        deletion = AccountDeletion.objects.filter(user=user).first()
        if deletion and deletion.is_pending:
            raise DeletionAlreadyRequested()
        if deletion is None:
            deletion = AccountDeletion(user=user)
        deletion.requested_at = now
        deletion.erase_after = now + timedelta(days=settings.MENTORLOOM_DELETION_GRACE_DAYS)
        deletion.cancelled_at = None
        deletion.erased_at = None
        deletion.save()
        # Inactive hides the account from every directory, recommendation and request check;
        # its open chat/live/call sockets close once this commits.
        user.is_active = False
        user.save(update_fields=["is_active"])  # the save also refreshes the search index
        close_sockets_for(user.pk, "deletion_requested")
        MentorshipRequest.objects.filter(
            Q(mentor=user) | Q(mentee=user), status__in=OPEN_REQUEST_STATUSES
        ).update(status=RequestStatus.WITHDRAWN, closed_at=now, updated_at=now)
        WaitlistEntry.objects.filter(mentee=user).delete()
        record_event("account.deletion_requested", actor=user, target=user)
        queue_email(
            user.email,
            "privacy/emails/deletion_requested",
            {"erase_after": deletion.erase_after},
        )
    return deletion


GRACE_BACKEND = "mentorloom.privacy.backends.PendingDeletionBackend"


def keep_signed_in(request, user) -> None:  # type: ignore[no-untyped-def]
    """After request_deletion: the browser session was made by ModelBackend, which drops
    inactive accounts; re-attach it to the grace backend so the person stays on the
    "cancel deletion" page instead of being thrown out mid-flow."""
    from django.contrib.auth import login

    if "_auth_user_id" in request.session:
        login(request, user, backend=GRACE_BACKEND)


def cancel_deletion(user) -> AccountDeletion:  # type: ignore[no-untyped-def]
    """End the grace period early: the account is active again. Raises NoDeletionPending.
    Withdrawn requests stay withdrawn (the other side was told nothing and moved on)."""
    with transaction.atomic():
        deletion = AccountDeletion.objects.select_for_update().filter(user_id=user.pk).first()
        if deletion is None or not deletion.is_pending:
            raise NoDeletionPending()
        if is_banned(user.pk):  # a ban made while the deletion was pending is not undone
            raise AccountBanned()
        deletion.cancelled_at = timezone.now()
        deletion.save(update_fields=["cancelled_at"])
        get_user_model().objects.filter(pk=user.pk).update(is_active=True)
        user.is_active = True
        record_event("account.deletion_cancelled", actor=user, target=user)
    return deletion


def erase_due_accounts(now: datetime | None = None) -> int:
    """Periodic: erase every account whose grace period has passed."""
    from .erasure import erase_account

    now = now or timezone.now()
    due = AccountDeletion.objects.filter(
        erase_after__lte=now, cancelled_at__isnull=True, erased_at__isnull=True
    ).values_list("user_id", flat=True)
    count = 0
    for user_id in list(due):
        try:
            if erase_account(user_id, now=now):
                count += 1
        except Exception:  # one broken account must not keep the others from being erased
            logger.exception("erasure failed", extra={"user_id": user_id})
    return count


def erase_now(user) -> None:  # type: ignore[no-untyped-def]
    """Staff: erase an account at once, without the grace period (used by the admin's delete,
    so that an admin never leaves the other side's records pointing at nobody)."""
    from .erasure import erase_account

    now = timezone.now()
    with transaction.atomic():
        AccountDeletion.objects.update_or_create(
            user_id=user.pk,
            defaults={"requested_at": now, "erase_after": now, "cancelled_at": None},
        )
        deactivate_account(user.pk, reason="erased")
        erase_account(user.pk, now=now)
