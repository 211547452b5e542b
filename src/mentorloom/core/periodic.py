"""Enqueue periodic background tasks (expiry, reminders, digests) when they are due.

`manage.py run_scheduler` calls `enqueue_due_tasks()` every few seconds; the worker runs the
tasks. The list lives in settings.MENTORLOOM_PERIODIC_TASKS as (task path, every N seconds).
A row lock per job means several scheduler processes never enqueue one job twice per period;
the tasks themselves are idempotent, so an extra run would be harmless anyway.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PeriodicJob

logger = logging.getLogger(__name__)


def enqueue_due_tasks(now: datetime | None = None) -> list[str]:
    """Enqueue every configured task whose period has passed; returns their paths."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for path, every_seconds in settings.MENTORLOOM_PERIODIC_TASKS:
        with transaction.atomic():
            job, _ = PeriodicJob.objects.get_or_create(name=path)
            job = PeriodicJob.objects.select_for_update().get(pk=job.pk)
            last = job.last_enqueued_at
            if last is not None and now - last < timedelta(seconds=every_seconds):
                continue
            job.last_enqueued_at = now
            job.save(update_fields=["last_enqueued_at"])
            task = import_string(path)
            transaction.on_commit(task.enqueue)
            enqueued.append(path)
    if enqueued:
        logger.info("periodic tasks enqueued", extra={"tasks": ",".join(enqueued)})
    return enqueued
