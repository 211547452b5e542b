"""/api/v1/me/export (POST to start, GET status) and /api/v1/me/deletion (POST, DELETE)."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from mentorloom.core.errors import NotFound
from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS

from . import services
from .models import DataExport, ExportStatus
from .selectors import deletion_for, latest_export_for

router = Router(tags=["privacy"])


class ExportOut(Schema):
    id: int
    status: str
    created_at: datetime
    expires_at: datetime | None
    download_url: str | None


class DeletionIn(Schema):
    password: str


class DeletionOut(Schema):
    status: str  # "pending" / "cancelled"
    requested_at: datetime
    erase_after: datetime


def _export_out(request: HttpRequest, export: DataExport) -> dict:
    ready = export.status == ExportStatus.READY
    return {
        "id": export.pk,
        "status": export.status,
        "created_at": export.created_at,
        "expires_at": export.expires_at,
        "download_url": services.download_url(export, request.build_absolute_uri("/"))
        if ready
        else None,
    }


@router.post(
    "/me/export", response={202: ExportOut, **WRITE_ERRORS}, summary="Ask for a copy of my data"
)
def start_export(request: HttpRequest) -> Status:
    export = services.request_export(request.user, site_url=request.build_absolute_uri("/"))
    export.refresh_from_db()
    return Status(202, _export_out(request, export))


@router.get("/me/export", response={200: ExportOut, **READ_ERRORS}, summary="My latest data export")
def export_status(request: HttpRequest) -> dict:
    export = latest_export_for(request.user)
    if export is None:
        raise NotFound("You have not asked for a copy of your data yet.")
    return _export_out(request, export)


def _deletion_out(deletion) -> dict:  # type: ignore[no-untyped-def]
    return {
        "status": "pending" if deletion.is_pending else "cancelled",
        "requested_at": deletion.requested_at,
        "erase_after": deletion.erase_after,
    }


@router.post(
    "/me/deletion", response={202: DeletionOut, **WRITE_ERRORS}, summary="Delete my account"
)
def request_deletion(request: HttpRequest, payload: DeletionIn) -> Status:
    deletion = services.request_deletion(request.user, password=payload.password)
    services.keep_signed_in(request, request.user)
    return Status(202, _deletion_out(deletion))


@router.get(
    "/me/deletion",
    response={200: DeletionOut, **READ_ERRORS},
    summary="My account deletion, if any",
)
def deletion_status(request: HttpRequest) -> dict:
    deletion = deletion_for(request.user)
    if deletion is None:
        raise NotFound("Your account is not scheduled for deletion.")
    return _deletion_out(deletion)


@router.delete(
    "/me/deletion",
    response={200: DeletionOut, **WRITE_ERRORS},
    summary="Cancel my account deletion",
)
def cancel_deletion(request: HttpRequest) -> dict:
    return _deletion_out(services.cancel_deletion(request.user))
