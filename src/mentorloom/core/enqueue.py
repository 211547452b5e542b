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

from django.db import connections, router, transaction
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


def enqueue_many_on_commit(task_path: str, calls: Sequence[Mapping[str, Any]], /) -> None:
    """After commit, `<task>.enqueue(**kwargs)` once per entry of `calls`, all in ONE
    transaction; nothing if the transaction rolls back.

    Each call is still its own task (its own row, run and outcome: a failure marks that row
    FAILED and no other), exactly as if enqueued alone; only the writing is shared. On the
    database backend the rows go in with one prepared INSERT run for every row
    (`executemany`) instead of one autocommit INSERT each: for 10,000 e-mails one statement
    and one commit instead of 10,000. Other backends enqueue one by one.
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
    written = _insert_task_rows(task, backend, calls)
    # django-tasks' `task_enqueued` signal (its only receiver is a debug log line) is not sent
    # per row; one line says what was queued.
    logger.info("tasks enqueued", extra={"task": task.module_path, "count": written})
    return written


def _insert_task_rows(task: Task, backend: DatabaseBackend, calls: list[dict[str, Any]]) -> int:
    """Write the rows `DatabaseBackend.enqueue` would write, one per call, with ONE prepared
    INSERT run for all of them (`executemany`) in one transaction.

    Only the id and the arguments differ from row to row, so every other column is prepared
    once by its own field (as the ORM's INSERT does), not 10,000 times: `bulk_create` spent
    more on preparing those constant values than the database spent writing.
    tests/core/test_enqueue_many.py compares a row with one `DatabaseBackend.enqueue` wrote,
    so an upgrade of django-tasks-db that changes the row fails there.
    """
    from django_tasks_db.models import DBTaskResult, get_date_max

    using = router.db_for_write(DBTaskResult)
    connection = connections[using]
    meta = DBTaskResult._meta
    sample = DBTaskResult(
        id=backend._get_id(),
        args_kwargs={"args": [], "kwargs": {}},
        priority=task.priority,
        task_path=task.module_path,
        queue_name=task.queue_name,
        # What the model's pre_save handler fills in for a task without run_after.
        run_after=task.run_after or get_date_max(),
        backend_name=backend.alias,
    )
    fields = list(meta.concrete_fields)
    # pre_save: auto_now_add stamps enqueued_at (one instant for the whole batch).
    values = [f.get_db_prep_save(f.pre_save(sample, add=True), connection) for f in fields]
    id_at, args_at = fields.index(meta.pk), fields.index(meta.get_field("args_kwargs"))
    rows = []
    for kwargs in calls:
        values[id_at] = meta.pk.get_db_prep_save(backend._get_id(), connection)
        values[args_at] = fields[args_at].get_db_prep_save(
            {"args": [], "kwargs": kwargs}, connection
        )
        rows.append(tuple(values))
    # Table and column names come from the model, quoted; every value is a parameter.
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608  # nosec B608
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.executemany(sql, rows)
    return len(rows)
