"""Gives each pytest-xdist worker what it must not share with the others (loaded with `-p
tests.parallel`, before pytest-django reads the settings).

pytest-django already gives each worker a test database of its own (`test_x_gw0`,
`test_x_gw1`). What is left to separate is read from the environment when the settings load:
- the data directory (the SQLite test database file, the generated secret key, exports, the
  embedded Janus config), one sub-directory per worker;
- the Redis database and the channel layer's prefix: each test empties the cache
  (`cache.clear()` is FLUSHDB), and the channel layer's groups are named after row ids that both
  workers' databases hand out, so one worker's test would wipe or hear the other's. The layer
  uses pub/sub, whose channels Redis shares between all its databases: hence the prefix too.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default `databases`
GIVEN_REDIS_URL = os.environ.get("REDIS_URL", "")  # as the run was started, before any change


def worker_redis_url(url: str, worker: int) -> str:
    """`url` moved `worker` databases on (redis://host:6379/5, worker 1 -> /6)."""
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    database = base + worker
    if database >= REDIS_DATABASES:
        raise RuntimeError(f"REDIS_URL {url}: worker {worker} would need Redis database {database}")
    return urlunsplit(parts._replace(path=f"/{database}"))


def _separate_this_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER")  # "gw0", "gw1", … set before plugins load
    if not worker:
        return
    number = int(worker.removeprefix("gw"))
    data_dir = Path(os.environ.get("MENTORLOOM_DATA_DIR", Path.cwd() / "var"))
    os.environ["MENTORLOOM_DATA_DIR"] = str(data_dir / worker)
    if GIVEN_REDIS_URL:
        os.environ["REDIS_URL"] = worker_redis_url(GIVEN_REDIS_URL, number)
        # Pub/sub channels are one namespace for the whole server, whatever the database.
        prefix = os.environ.get("MENTORLOOM_CHANNEL_PREFIX", "mentorloom")
        os.environ["MENTORLOOM_CHANNEL_PREFIX"] = f"{prefix}-{worker}"


_separate_this_worker()
