import pytest
import time_machine
from django.core.management import call_command

from mentorloom.core.models import PeriodicJob
from mentorloom.core.periodic import enqueue_due_tasks
from tests.core import periodic_tasks

PATH = "tests.core.periodic_tasks.record_run"


@pytest.fixture(autouse=True)
def one_job(settings):
    settings.MENTORLOOM_PERIODIC_TASKS = [(PATH, 300)]
    periodic_tasks.RUNS.clear()


@pytest.mark.django_db
def test_a_job_runs_once_per_period(django_capture_on_commit_callbacks):
    with time_machine.travel("2026-06-01 08:00Z", tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            assert enqueue_due_tasks() == [PATH]
            assert enqueue_due_tasks() == []  # a second scheduler in the same period
        clock.shift(299)
        with django_capture_on_commit_callbacks(execute=True):
            assert enqueue_due_tasks() == []
        clock.shift(2)
        with django_capture_on_commit_callbacks(execute=True):
            assert enqueue_due_tasks() == [PATH]
    assert periodic_tasks.RUNS == ["ran", "ran"]
    assert PeriodicJob.objects.get(name=PATH).last_enqueued_at is not None


@pytest.mark.django_db
def test_run_scheduler_once_enqueues_due_tasks(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        call_command("run_scheduler", "--once")
    assert periodic_tasks.RUNS == ["ran"]


def test_every_configured_task_exists():
    from django.utils.module_loading import import_string

    import mentorloom.settings as configured

    for path, seconds in configured.MENTORLOOM_PERIODIC_TASKS:
        assert hasattr(import_string(path), "enqueue"), path
        # The scheduler passes every 5 s (run_scheduler --tick): nothing can run more often,
        # and the quickest jobs (breakout countdowns, abandoned calls) need about that.
        assert seconds >= 5, path
