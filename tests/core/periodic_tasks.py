"""A real task for the scheduler tests (tasks must live at module level)."""

from django_tasks import task

RUNS: list[str] = []


@task()
def record_run() -> None:
    RUNS.append("ran")
