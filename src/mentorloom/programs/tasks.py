"""Background tasks for programs: thin wrappers around services."""

from __future__ import annotations

from django.utils import timezone
from django_tasks import task


@task()
def send_due_checkins() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): program check-ins every N weeks."""
    from .services import send_due_checkins as run

    return run(now=timezone.now())


@task()
def run_import_job(job_id: int) -> str:
    """A large CSV import, started by imports.start_import_job."""
    from .imports import run_import_job as run

    return run(job_id).status


@task()
def embed_members(program_id: int) -> int:
    """Vectors of the members' free-text answers, queued by an import after commit."""
    from .member_embeddings import embed_members as run

    return run(program_id)


@task()
def release_answers() -> int:
    """Periodic (settings.MENTORLOOM_PERIODIC_TASKS): outcomes and check-in scores reach the
    dashboard in batches of >= k people."""
    from .releases import release_all_answers

    return release_all_answers(now=timezone.now())
