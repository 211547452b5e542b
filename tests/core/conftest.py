"""Fixtures of the core tests."""

from __future__ import annotations

import pytest
import redis
from django.conf import settings


@pytest.fixture
def redis_url() -> str:
    """A real Redis: the configured one, else the local one when it answers (tests give their
    keys and channels names of their own, so they share nothing with anyone)."""
    url = settings.REDIS_URL or "redis://127.0.0.1:6379/13"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis answers")
    return url
