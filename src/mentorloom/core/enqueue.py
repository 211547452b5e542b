"""Enqueue a background task once the current transaction commits, named by its import path.

Services schedule work this way instead of importing their app's `tasks` module: tasks import
services (they are thin entry points around them), so the dependency runs one way and neither
module needs the other at import time. The path is resolved when the callback runs, the same
way `core.periodic` resolves `settings.MENTORLOOM_PERIODIC_TASKS`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import router, transaction
from django.utils.module_loading import import_string
from django_tasks.base import Task
from django_tasks_db.models import DBTaskResult

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

    Each call is its own task (its own row, run and outcome: a failure marks that row FAILED
    and no other), enqueued through the backend's public `enqueue` exactly as if alone; only
    the transaction is shared: for 10,000 e-mails one commit instead of 10,000 autocommits.
    (Writing the backend's rows ourselves in one statement was faster still, but depended on
    django-tasks-db's table and private id helper; not worth it, docs/programs.md.)
    """
    checked = [_storable(kwargs) for kwargs in calls]
    if not checked:
        return

    def enqueue() -> None:
        enqueue_many(import_string(task_path), checked)

    transaction.on_commit(enqueue)


def enqueue_many(task: Task, calls: Sequence[Mapping[str, Any]]) -> int:
    """Enqueue `task(**kwargs)` for each of `calls` now, all or none, in one transaction;
    returns how many. Callers that write first want `enqueue_many_on_commit`."""
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
