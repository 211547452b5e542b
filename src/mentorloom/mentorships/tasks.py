"""Background tasks: thin wrappers around services. Each is safe to run twice (the service
re-checks state under a row lock), which is what makes "exactly once" hold with retries."""

from __future__ import annotations

from django_tasks import task

from . import services


@task()
def expire_request_task(request_id: int) -> bool:
    return services.expire_request(request_id)


@task()
def remind_request_task(request_id: int) -> bool:
    return services.remind_request(request_id)


@task()
def offer_freed_place_task(mentor_id: int) -> None:
    services.offer_freed_place(mentor_id)


@task()
def run_periodic_task() -> dict[str, int]:
    return services.run_periodic_jobs()
