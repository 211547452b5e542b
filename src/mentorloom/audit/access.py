from __future__ import annotations

from typing import Any

from django.http import Http404


def require_staff(user: Any) -> None:
    """The audit log is for staff; to anyone else it does not exist (404, not 403)."""
    if not (user and user.is_authenticated and user.is_active and user.is_staff):
        raise Http404
