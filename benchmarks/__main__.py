"""`make bench`: runs every benchmarks/bench_*.py and prints one table per benchmark.

Each benchmark module exposes `run() -> list[dict]`; every row reports our figure next to a
bare baseline measured in the same process, so numbers compare across machines as ratios.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path

import django


def _table(rows: list[dict]) -> str:
    if not rows:
        return "  (no rows)"
    headers = list(rows[0])
    cells = [[str(row.get(h, "")) for h in headers] for row in rows]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True))
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(out)


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentorloom.settings")
    django.setup()
    here = Path(__file__).resolve().parent
    names = sorted(
        m.name
        for m in pkgutil.iter_modules([str(here)])
        if m.name.startswith("bench_") or m.name == "matching_quality"
    )
    if not names:
        print("No benchmarks yet.")
        print(_table([{"benchmark": "(none)", "ours": "-", "baseline": "-", "ratio": "-"}]))
        return 0
    for name in names:
        module = importlib.import_module(f"benchmarks.{name}")
        started = time.perf_counter()
        rows = module.run()
        print(f"\n== {name} ({time.perf_counter() - started:.1f} s)")
        print(_table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
