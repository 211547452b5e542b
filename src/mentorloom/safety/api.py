"""/api/v1/blocks and /api/v1/reports."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from mentorloom.core.schemas import READ_ERRORS, WRITE_ERRORS, Id

from . import services
from .models import Block

router = Router(tags=["safety"])


class BlockIn(Schema):
    user_id: Id


class BlockOut(Schema):
    user_id: int
    created_at: datetime


class ReportIn(Schema):
    user_id: Id
    reason: str
    details: str = ""
    context_url: str = ""


class ReportOut(Schema):
    id: int
    user_id: int
    reason: str
    status: str
    created_at: datetime


@router.get("/blocks", response={200: list[BlockOut], **READ_ERRORS}, summary="People you blocked")
def list_blocks(request: HttpRequest) -> list[dict]:
    return [
        {"user_id": b.blocked_id, "created_at": b.created_at}
        for b in Block.objects.filter(blocker=request.user).order_by("-created_at")
    ]


@router.post("/blocks", response={**WRITE_ERRORS, 201: BlockOut})
def create_block(request: HttpRequest, payload: BlockIn) -> Status:
    block = services.block_user(request.user, payload.user_id)
    return Status(201, {"user_id": block.blocked_id, "created_at": block.created_at})


@router.delete("/blocks/{user_id}", response={**WRITE_ERRORS, 204: None})
def delete_block(request: HttpRequest, user_id: Id) -> Status:
    services.unblock_user(request.user, user_id)
    return Status(204, None)


@router.post("/reports", response={**WRITE_ERRORS, 201: ReportOut})
def create_report(request: HttpRequest, payload: ReportIn) -> Status:
    report = services.report_user(
        request.user,
        payload.user_id,
        reason=payload.reason,
        details=payload.details,
        context_url=payload.context_url,
    )
    return Status(
        201,
        {
            "id": report.pk,
            "user_id": report.reported_id,
            "reason": report.reason,
            "status": report.status,
            "created_at": report.created_at,
        },
    )
