"""Images that are small files but huge canvases, and a probe of how much decoding happened."""

from __future__ import annotations

import functools
import io
import threading
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from PIL import Image, ImageFile


@functools.cache
def bomb_png() -> bytes:
    """The issue's file: a ~5 KB 1-bit PNG of 6300x6300 (40 megapixels, ~160 MB as RGBA)."""
    out = io.BytesIO()
    Image.new("1", (6300, 6300)).save(out, format="PNG")
    return out.getvalue()


@functools.cache
def animated_png(frames: int = 50, size: tuple[int, int] = (1000, 1000)) -> bytes:
    """An APNG whose frames are each small enough but together 50 megapixels."""
    a, b = Image.new("L", size, 0), Image.new("L", size, 255)
    out = io.BytesIO()
    a.save(out, format="PNG", save_all=True, append_images=[b, a] * ((frames - 1) // 2) + [b])
    return out.getvalue()


@dataclass
class Decoding:
    """What happened to pixels inside `probe()`: decodes (ImageFile.load), images Pillow's core
    allocated, the Python heap's peak, and the most decodes in flight at once."""

    loads: int = 0
    core_images: int = 0
    peak_bytes: int = 0
    most_at_once: int = 0
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def probe(monkeypatch, *, hold_seconds: float = 0.0) -> Iterator[Decoding]:  # type: ignore[no-untyped-def]
    """Count decodes (holding each for `hold_seconds`, so parallel ones overlap) and measure.

    tracemalloc sees Python's heap, not Pillow's pixel buffers, so Pillow's own count of core
    images is what shows that nothing was decoded.
    """
    seen = Decoding()
    original = ImageFile.ImageFile.load

    def load(self):  # type: ignore[no-untyped-def]
        with seen._lock:
            seen.loads += 1
            seen._in_flight += 1
            seen.most_at_once = max(seen.most_at_once, seen._in_flight)
        try:
            if hold_seconds:
                threading.Event().wait(hold_seconds)
            return original(self)
        finally:
            with seen._lock:
                seen._in_flight -= 1

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    before = Image.core.get_stats()["new_count"]
    tracemalloc.start()
    try:
        yield seen
    finally:
        seen.peak_bytes = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        seen.core_images = Image.core.get_stats()["new_count"] - before
