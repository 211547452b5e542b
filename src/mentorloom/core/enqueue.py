"""Enqueue a background task once the current transaction commits, named by its import path.

Services schedule work this way instead of importing their app's `tasks` module: tasks import
services (they are thin entry points around them), so the dependency runs one way and neither
module needs the other at import time. The path is resolved at run time (when the callback
runs, or when the helper is called), the same way `core.periodic` resolves
`settings.MENTORLOOM_PERIODIC_TASKS`.

Tasks (one, `enqueue_on_commit`, or many at once, `enqueue_many_on_commit`: an import's
invitations, a workshop's reminders) are written inside the caller's transaction when the
database backend stores them in the same database, so they cannot be lost between the write's
commit and a failed enqueue.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from functools import partial
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import DEFAULT_DB_ALIAS, router, transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


def enqueue_on_commit(task_path: str, /, *args: Any, **kwargs: Any) -> None:
    """`<task>.enqueue(*args, **kwargs)` so that the task exists exactly when the current
    transaction commits; nothing if it rolls back.

    As `enqueue_many_on_commit`: with the database backend storing its rows in the default
    database the row is written now, inside the caller's transaction (a failed enqueue fails
    the write instead of losing the task after the write committed); with any other backend
    it is enqueued after commit. `task_path` is a dotted path such as
    "mentorloom.scheduling.tasks.deliver_invitation".
    """
    task = import_string(task_path)
    if stored_with(task):
        task.enqueue(*args, **kwargs)
    else:
        transaction.on_commit(partial(task.enqueue, *args, **kwargs))


def enqueue_many_on_commit(
    task_path: str, calls: Sequence[Mapping[str, Any]], /, *, using: str = DEFAULT_DB_ALIAS
) -> None:
    """`<task>.enqueue(**kwargs)` once per entry of `calls`, all in ONE transaction, so that
    the tasks exist exactly when the current transaction (on database `using`) commits.

    With the database backend storing its rows in that same database, they are written now,
    inside the caller's transaction (a transactional outbox): they commit with its write or
    roll back with it, so a failed enqueue (a lock timeout, the database going away) fails
    the write rather than leaving it committed with its e-mails lost and nothing saying so.
    With any other backend (the immediate one runs the task as it is enqueued) they are
    enqueued after commit, as `enqueue_on_commit` does; nothing if the transaction rolls back.

    Each call is its own task (its own row, run and outcome: a failure marks that row FAILED
    and no other), enqueued through the backend's public `enqueue` exactly as if alone; only
    the transaction is shared: for 10,000 e-mails one commit instead of 10,000 autocommits.
    (Writing the backend's rows ourselves in one statement was faster still, but depended on
    django-tasks-db's table and private id helper; not worth it, docs/programs.md.)
    """
    checked = [_storable(kwargs) for kwargs in calls]
    if not checked:
        return
    task = import_string(task_path)
    if stored_with(task, using):
        enqueue_many(task, checked)
    else:
        transaction.on_commit(partial(enqueue_many, task, checked), using=using)


def stored_with(task: Task, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether enqueuing `task` writes its row through the connection of database `using`
    (django-tasks-db's DatabaseBackend routed there), i.e. inside that connection's current
    transaction, committing or rolling back with it."""
    return (
        isinstance(task.get_backend(), DatabaseBackend)
        and router.db_for_write(DBTaskResult) == using
    )


def enqueue_many(task: Task, calls: Sequence[Mapping[str, Any]]) -> int:
    """Enqueue `task(**kwargs)` for each of `calls` now, all or none, in one transaction (a
    savepoint inside the caller's); returns how many. Callers that write first want
    `enqueue_many_on_commit`."""
    with transaction.atomic(using=router.db_for_write(DBTaskResult)):
        for kwargs in calls:
            task.enqueue(**kwargs)
    if calls:
        logger.info("tasks enqueued", extra={"task": task.module_path, "count": len(calls)})
    return len(calls)


def _storable(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """The arguments, checked now (JSON like the backend stores them), so that one which
    cannot be stored fails the caller's write rather than the enqueue after its commit."""
    try:
        json.dumps(kwargs, cls=DjangoJSONEncoder)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"Task arguments must be JSON: {exc}") from exc
    return dict(kwargs)
