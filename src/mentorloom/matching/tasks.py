"""Background tasks: embeddings are computed here, never in a request."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def compute_profile_embeddings(profile_id: int) -> int:
    return services.refresh_embeddings(profile_id)
