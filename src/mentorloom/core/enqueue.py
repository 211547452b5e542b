"""Enqueue a background task once the current transaction commits, named by its import path.

Services schedule work this way instead of importing their app's `tasks` module: tasks import
services (they are thin entry points around them), so the dependency runs one way and neither
module needs the other at import time. The path is resolved when the callback runs, the same
way `core.periodic` resolves `settings.MENTORLOOM_PERIODIC_TASKS`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import router, transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.compat import normalize_json

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_path: str, /, *args: Any, **kwargs: Any) -> None:
    """After commit, `<task>.enqueue(*args, **kwargs)`; nothing if the transaction rolls back.

    `task_path` is a dotted path such as "mentorloom.scheduling.tasks.deliver_invitation".
    """

    def enqueue() -> None:
        import_string(task_path).enqueue(*args, **kwargs)

    transaction.on_commit(enqueue)


# Rows per INSERT when many tasks go to the database backend at once (SQLite caps the
# parameters of one statement lower; Django cuts its batches smaller there by itself).
BULK_ENQUEUE_BATCH = 500


def enqueue_many_on_commit(task_path: str, calls: Sequence[Mapping[str, Any]], /) -> None:
    """After commit, `<task>.enqueue(**kwargs)` once per entry of `calls`, all in ONE
    transaction; nothing if the transaction rolls back.

    Each call is still its own task (its own row, run and outcome: a failure marks that row
    FAILED and no other), exactly as if enqueued alone; only the writing is shared. On the
    database backend the rows go in with a bulk INSERT (`BULK_ENQUEUE_BATCH` rows a
    statement) instead of one autocommit INSERT each: for 10,000 e-mails one commit instead
    of 10,000. Other backends enqueue one by one.
    """
    # Normalised now, so an argument that cannot be stored fails the write, not the commit.
    normalized = [normalize_json(kwargs) for kwargs in calls]
    if not normalized:
        return

    def enqueue() -> None:
        _enqueue_normalized(import_string(task_path), normalized)

    transaction.on_commit(enqueue)


def enqueue_many(task: Task, calls: Sequence[Mapping[str, Any]]) -> int:
    """Enqueue `task(**kwargs)` for each of `calls` now, all or none; returns how many.
    Callers that write first want `enqueue_many_on_commit`."""
    return _enqueue_normalized(task, [normalize_json(kwargs) for kwargs in calls])


def _enqueue_normalized(task: Task, calls: list[dict[str, Any]]) -> int:
    backend = task.get_backend()
    backend.validate_task(task)
    if not isinstance(backend, DatabaseBackend):
        with transaction.atomic():
            for kwargs in calls:
                task.enqueue(**kwargs)
        return len(calls)
    from django_tasks_db.models import DBTaskResult, get_date_max

    # What DatabaseBackend.enqueue writes for one task (and its pre_save handler fills in:
    # run_after), row for row; tests/core/test_enqueue_many.py compares the two, so an
    # upgrade that changes the row fails there.
    rows = [
        DBTaskResult(
            id=backend._get_id(),
            args_kwargs={"args": [], "kwargs": kwargs},
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after or get_date_max(),
            backend_name=backend.alias,
        )
        for kwargs in calls
    ]
    using = router.db_for_write(DBTaskResult)
    with transaction.atomic(using=using):
        DBTaskResult.objects.using(using).bulk_create(rows, batch_size=BULK_ENQUEUE_BATCH)
    # django-tasks' `task_enqueued` signal (its only receiver is a debug log line) is not sent
    # per row; one line says what was queued.
    logger.info("tasks enqueued", extra={"task": task.module_path, "count": len(rows)})
    return len(rows)
