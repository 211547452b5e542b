"""Markdown rendering + nh3 sanitising against bare markdown-it rendering of the same text."""

from __future__ import annotations

import statistics
import time

from markdown_it import MarkdownIt

from mentorloom.core.markdown import render_markdown

SAMPLE = (
    "## About me\n\nI help **career switchers** move into *product* roles. "
    "Ask me about [roadmaps](https://example.org) and `SQL`.\n\n- Interviews\n- Portfolios\n"
) * 5


def _time(fn, repeat: int = 300) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def run() -> list[dict]:
    bare = MarkdownIt("commonmark")
    ours = _time(lambda: render_markdown(SAMPLE))
    base = _time(lambda: bare.render(SAMPLE))
    p50, b50 = statistics.median(ours), statistics.median(base)
    return [
        {
            "case": "bio render (1.1 kB)",
            "ours p50 ms": f"{p50:.3f}",
            "baseline p50 ms": f"{b50:.3f}",
            "ratio": f"{p50 / b50:.2f}x",
        }
    ]
