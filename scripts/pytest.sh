#!/usr/bin/env bash
# Runs the suite in two passes: every test but the browser tests on one pytest-xdist worker per
# core (at most 4), then the browser tests in one process, one after another, as they have
# always run: beside other tests, a page with four Chromium tabs on 2 cores misses its timeouts.
# tests/parallel.py gives each worker its own data directory and Redis database, pytest-django
# its own test database. PYTEST_WORKERS=1 runs everything in one process, in one pass.
#
# pytest's exit code 5 ("no tests collected") is a failure only when neither pass collected
# anything: the suite has tests, so that means a broken selection or import, not success.
set -uo pipefail
cd "$(dirname "$0")/.."
# The slowest tests of each pass are listed at its end, to see where CI's time goes.
durations=(--durations=12 --durations-min=2)
workers="${PYTEST_WORKERS:-$(nproc 2>/dev/null || echo 1)}"
(( workers > 4 )) && workers=4
echo "== pytest on $([[ -n "${DATABASE_URL:-}" ]] && echo "${DATABASE_URL%%:*}" || echo sqlite)" \
     "with $([[ -n "${REDIS_URL:-}" ]] && echo redis || echo in-memory) channel layer"

if (( workers <= 1 )); then
  .venv/bin/python -m pytest "${durations[@]}" "$@"
  codes=($?)
else
  echo "== everything but the browser tests, $workers workers"
  .venv/bin/python -m pytest -n "$workers" -m "not browser" "${durations[@]}" "$@"
  codes=($?)
  echo "== the browser tests"
  .venv/bin/python -m pytest -m browser "${durations[@]}" "$@"
  codes+=($?)
fi

collected=0
for code in "${codes[@]}"; do
  [[ $code == 5 ]] && continue
  collected=1
  [[ $code != 0 ]] && exit "$code"
done
if (( collected == 0 )); then
  echo "pytest collected no tests: failing (check PYTEST_ARGS and imports)" >&2
  exit 1
fi
exit 0
