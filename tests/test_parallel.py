"""tests/parallel.py and tests/conftest.py: what each pytest-xdist worker gets of its own, and
how transactional tests empty the tables."""

from __future__ import annotations

import os

import pytest
from django.conf import settings

from tests.parallel import GIVEN_REDIS_URL, worker_redis_url


def test_each_worker_moves_on_from_the_given_redis_database():
    assert worker_redis_url("redis://127.0.0.1:6379/5", 0) == "redis://127.0.0.1:6379/5"
    assert worker_redis_url("redis://127.0.0.1:6379/5", 1) == "redis://127.0.0.1:6379/6"
    assert worker_redis_url("redis://127.0.0.1:6379", 1) == "redis://127.0.0.1:6379/1"
    assert worker_redis_url("redis://:pw@redis.local:6380/0", 3) == "redis://:pw@redis.local:6380/3"
    with pytest.raises(RuntimeError, match="database 16"):
        worker_redis_url("redis://127.0.0.1:6379/15", 1)


def test_this_worker_has_its_own_data_directory_and_redis_database():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        pytest.skip("not running under pytest-xdist")
    assert settings.DATA_DIR.name == worker
    if GIVEN_REDIS_URL:
        own = worker_redis_url(GIVEN_REDIS_URL, int(worker.removeprefix("gw")))
        assert settings.CACHES["default"]["LOCATION"] == own
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["hosts"] == [own]
        assert settings.CHANNEL_LAYERS["default"]["CONFIG"]["prefix"].endswith(f"-{worker}")


def test_transactional_tests_empty_postgresql_tables_with_delete_not_truncate():
    from django.core.management.color import no_style
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("SQLite's flush deletes already")
    statements = connection.ops.sql_flush(no_style(), ["a_table", "b_table"])
    assert statements == ['DELETE FROM "a_table";', 'DELETE FROM "b_table";']
    # Asked to reset sequences or to cascade, Django's TRUNCATE stays.
    assert "TRUNCATE" in connection.ops.sql_flush(no_style(), ["a_table"], reset_sequences=True)[0]
