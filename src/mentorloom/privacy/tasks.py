"""Background tasks for data rights: thin wrappers around services."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def build_export_task(export_id: int, site_url: str = "") -> None:
    from .services import build_export

    build_export(export_id, site_url=site_url)


@task()
def purge_expired_exports() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): delete exports past their link's expiry."""
    from .services import purge_expired_exports as run

    return run(now=timezone.now())


@task()
def erase_due_accounts() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): erase accounts past the grace period."""
    from .services import erase_due_accounts as run

    return run(now=timezone.now())
