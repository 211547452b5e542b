#!/usr/bin/env bash
# Runs the suite. pytest's exit code 5 ("no tests collected") is a failure: the suite has tests,
# so collecting none means a broken selection or import, not success.
set -uo pipefail
cd "$(dirname "$0")/.."
echo "== pytest on $([[ -n "${DATABASE_URL:-}" ]] && echo "${DATABASE_URL%%:*}" || echo sqlite)" \
     "with $([[ -n "${REDIS_URL:-}" ]] && echo redis || echo in-memory) channel layer"
.venv/bin/python -m pytest "$@"
code=$?
if [[ $code == 5 ]]; then
  echo "pytest collected no tests: failing (check PYTEST_ARGS and imports)" >&2
  exit 1
fi
exit $code
