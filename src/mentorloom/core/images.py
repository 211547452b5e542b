"""The one guard in front of Pillow for images users upload (profile photos, chat attachments).

A few kilobytes can declare a huge canvas: a 4.9 KB 1-bit PNG of 6300x6300 decoded to ~40 MB and
~120 MB more once converted to RGB, per upload (issue #22). So the size is read from the header
(`Image.open` decodes no pixels) and refused above MAX_PIXELS before anything is decoded, JPEGs
are decoded at a reduced scale when only a small picture is wanted, and each process decodes at
most MENTORLOOM_IMAGE_WORKERS images at a time. Callers count their rate limit before calling in.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from collections.abc import Collection, Iterator
from contextlib import contextmanager

from django.conf import settings
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import DomainError, InvalidInput

# ~12 megapixels: a 4000x3000 phone photo fits; decoded as RGBA it is ~48 MB.
MAX_PIXELS = 12_000_000
# Animated PNG/WebP: every frame counts (frames x width x height), even though we keep only the
# first, so a file cannot declare thousands of full-size frames.
MAX_ANIMATION_PIXELS = 4 * MAX_PIXELS
# How long an upload waits for a free decoding slot before it is turned away with a 503.
WAIT_SECONDS = 20.0


class ImageTooLarge(InvalidInput):
    code = "image_too_large"
    default_message = "The image has too many pixels (at most 12 megapixels)."


class ImagesBusy(DomainError):
    code = "images_busy"
    status = 503
    default_message = "The server is busy with other images. Please try again in a minute."


class UnreadableImage(Exception):
    """Not an image in one of the accepted formats, or a broken one; callers say which formats."""


def configure_pillow() -> None:
    """Make Pillow itself refuse bigger canvases everywhere (it warns above MAX_IMAGE_PIXELS and
    raises above twice that); called once at start-up (core.apps)."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS


_slots_lock = threading.Lock()
_slots: threading.BoundedSemaphore | None = None


def _decoding_slots() -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(settings.MENTORLOOM_IMAGE_WORKERS)
        return _slots


@contextmanager
def decoding_slot() -> Iterator[None]:
    """Hold one of the process's decoding slots. A thread semaphore, because decoding is sync
    work: under ASGI every sync view (and database_sync_to_async code) runs in a worker thread,
    so this bounds them all. Raises ImagesBusy after WAIT_SECONDS."""
    slots = _decoding_slots()
    if not slots.acquire(timeout=WAIT_SECONDS):
        raise ImagesBusy()
    try:
        yield
    finally:
        slots.release()


def check_size(image: Image.Image, *, field: str) -> None:
    """Raises ImageTooLarge when the header's canvas (all frames together) is too big."""
    width, height = image.size
    frames = max(1, int(getattr(image, "n_frames", 1)))
    if width * height > MAX_PIXELS or width * height * frames > MAX_ANIMATION_PIXELS:
        raise ImageTooLarge(fields={field: [ImageTooLarge.default_message]})


def _draft_size(size: tuple[int, int], min_side: int) -> tuple[int, int]:
    """The smallest size whose shorter side is still at least `min_side` (same aspect)."""
    scale = min_side / min(size)
    if scale >= 1:
        return size
    return (math.ceil(size[0] * scale), math.ceil(size[1] * scale))


@contextmanager
def decoded(
    data: bytes,
    *,
    formats: Collection[str],
    accept: Collection[str],
    field: str,
    min_side: int | None = None,
) -> Iterator[Image.Image]:
    """The first frame of `data`, decoded and upright (EXIF orientation applied), for the
    duration of the block, which runs holding a decoding slot (converting and re-encoding
    allocate as much again as decoding).

    `formats` are the Pillow decoders tried, `accept` the formats they may report. The size is
    checked from the header first; with `min_side`, a JPEG is decoded at the smallest DCT scale
    that keeps its shorter side at least that long (a 512 px avatar needs no 12 MP decode).
    Raises ImageTooLarge, ImagesBusy, UnreadableImage (also for Pillow errors in the block).
    """
    try:
        with warnings.catch_warnings():
            # Pillow only warns between MAX_IMAGE_PIXELS and twice that; treat it as an error.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(formats)) as image:
                if image.format not in accept:
                    raise UnreadableImage(image.format)
                check_size(image, field=field)
                with decoding_slot():
                    if min_side is not None:
                        image.draft(None, _draft_size(image.size, min_side))
                    image.load()
                    ImageOps.exif_transpose(image, in_place=True)  # keeps image.format
                    yield image
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageTooLarge(fields={field: [ImageTooLarge.default_message]}) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
        raise UnreadableImage(str(exc)) from exc
