"""Enqueue a background task once the current transaction commits, named by its import path.

Services schedule work this way instead of importing their app's `tasks` module: tasks import
services (they are thin entry points around them), so the dependency runs one way and neither
module needs the other at import time. The path is resolved when the callback runs, the same
way `core.periodic` resolves `settings.MENTORLOOM_PERIODIC_TASKS`.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.module_loading import import_string


def enqueue_on_commit(task_path: str, /, *args: Any, **kwargs: Any) -> None:
    """After commit, `<task>.enqueue(*args, **kwargs)`; nothing if the transaction rolls back.

    `task_path` is a dotted path such as "mentorloom.scheduling.tasks.deliver_invitation".
    """

    def enqueue() -> None:
        import_string(task_path).enqueue(*args, **kwargs)

    transaction.on_commit(enqueue)
