"""Shared fixtures. Real database, real channel layer; only the outside world is faked."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

# Timing is for benchmarks, never for tests: on a busy 2-core CI machine one stalled draw made
# Hypothesis fail a property test as "too slow" (tests/sessions/test_merge.py, once). Properties
# are checked as before; only the load-dependent health check and deadline are off.
hypothesis_settings.register_profile(
    "mentorloom", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("mentorloom")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (tested on its own); tests hash thousands of passwords.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _staff_mfa_not_required(settings):
    # Staff must enrol in MFA in production (mfa.middleware); tests/mfa turns it back on.
    settings.MFA_REQUIRED_FOR_STAFF = False


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _tasks_run_immediately(settings):
    # The worker is tested on its own (tests/core/test_email_worker.py); elsewhere a task
    # runs when its transaction commits, so e-mails land in Django's outbox.
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
            "QUEUES": settings.MENTORLOOM_TASK_QUEUES,
        }
    }


@pytest.fixture
def no_janus(settings):
    """No media server configured: workshop rooms use mesh mode (WebRTC between the pages)."""
    settings.MENTORLOOM_JANUS_URL = []
    settings.MENTORLOOM_JANUS_ADMIN_URL = []
    settings.MENTORLOOM_JANUS_PUBLIC_URL = []


@pytest.fixture
def database_tasks(settings):
    """Tasks stored by django-tasks-db as `make run` configures (run them with its db_worker)."""
    settings.TASKS = {
        "default": {
            "BACKEND": "django_tasks_db.DatabaseBackend",
            "QUEUES": settings.MENTORLOOM_TASK_QUEUES,
        }
    }


@pytest.fixture
def enqueue_fails_once(database_tasks, monkeypatch):
    """The next enqueue raises OperationalError (a lock timeout, the database gone); later ones
    work. Returns the exception class."""
    from django.db import OperationalError
    from django_tasks_db import DatabaseBackend

    enqueue = DatabaseBackend.enqueue
    failures = [OperationalError("database is locked")]

    def enqueue_failing_once(self, task, args, kwargs):  # type: ignore[no-untyped-def]
        if failures:
            raise failures.pop()
        return enqueue(self, task, args, kwargs)

    monkeypatch.setattr(DatabaseBackend, "enqueue", enqueue_failing_once)
    return OperationalError


@pytest.fixture(scope="session", autouse=True)
def _flush_by_delete_on_postgresql():
    """Transactional tests (`transactional_db`, every `asgi_server` test) end with Django's
    `flush`, which on PostgreSQL is one TRUNCATE of all 117 tables: 0.4-0.9 s each time, since
    TRUNCATE gives every table and index a new file. Deleting the few rows a test left takes
    about 0.05 s; the PostgreSQL pass of `.ci/run` took 80 s less. Django makes its foreign
    keys DEFERRABLE INITIALLY DEFERRED and runs the flush in one transaction, so the order of
    the DELETEs does not matter. Sequences are not reset either way (no RESTART IDENTITY)."""
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):  # type: ignore[no-untyped-def]
        if reset_sequences or allow_cascade:
            return truncate(
                self, style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        delete = style.SQL_KEYWORD("DELETE FROM")
        return [f"{delete} {style.SQL_FIELD(self.quote_name(table))};" for table in tables]

    DatabaseOperations.sql_flush = sql_flush
    yield
    DatabaseOperations.sql_flush = truncate


# --- The real ASGI server (uvicorn in a thread); see tests/asgi_server.py --------------------


@pytest.fixture(scope="session", autouse=True)
def _close_consumer_connections(django_db_setup):
    """Consumers keep their connection open on asgiref's one database thread
    (core.realtime.consumer_db); it is closed before the test database is dropped."""
    yield
    from asgiref.sync import SyncToAsync
    from django.db import connections

    SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture(scope="session")
def _live_asgi_server(django_db_setup):
    from tests.asgi_server import LiveASGIServer

    server = LiveASGIServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live_asgi(_live_asgi_server, transactional_db):
    """The running LiveASGIServer (`.url`, `.ws_url`, `.port`) with the test database enabled.

    One server serves the whole session; `transactional_db` is what lets its thread read the
    rows this test commits (and empties the tables afterwards). Torn down before those tables
    are emptied: it waits for what the server is still doing for this test.
    """
    yield _live_asgi_server
    _live_asgi_server.wait_idle()


@pytest.fixture
def asgi_server(live_asgi) -> str:
    """Base URL (http://127.0.0.1:<port>, no trailing slash) of the real ASGI application."""
    return live_asgi.url


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Rate-limit counters live in the cache; each test starts with none.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def agenda_templates(db):
    """The built-in agenda templates that a data migration seeds. Transactional tests flush
    every table afterwards (data-migration rows included), so tests that need them ask."""
    import importlib

    from django.apps import apps

    seeding = importlib.import_module("mentorloom.sessions.migrations.0002_seed_agenda_templates")
    seeding.seed(apps, None)


@pytest.fixture(scope="session")
def janus_server(tmp_path_factory):
    """A real Janus on 127.0.0.1 for the whole run (tests/janus_server.py); skipped only when
    the binary is missing and MENTORLOOM_REQUIRE_BROWSER is not set."""
    from tests.janus_server import running_janus

    with running_janus(tmp_path_factory.mktemp("janus")) as server:
        yield server
