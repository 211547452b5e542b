"""Reads for the data-rights pages."""

from __future__ import annotations

from .models import AccountDeletion, DataExport


def latest_export_for(user) -> DataExport | None:  # type: ignore[no-untyped-def]
    return DataExport.objects.filter(user=user).order_by("-created_at", "-id").first()


def deletion_for(user) -> AccountDeletion | None:  # type: ignore[no-untyped-def]
    return AccountDeletion.objects.filter(user_id=user.pk).first()
