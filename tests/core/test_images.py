"""The image guard: canvases refused from the header, JPEGs decoded small, decodes bounded."""

from __future__ import annotations

import io
import threading

import pytest
from PIL import Image

from mentorloom.core import images
from mentorloom.core.images import ImagesBusy, ImageTooLarge, UnreadableImage

from .image_bombs import animated_png, bomb_png, probe

PNG_ONLY = {"PNG"}


def png(size: tuple[int, int], mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, format="PNG")
    return out.getvalue()


def decode_png(data: bytes) -> None:
    with images.decoded(data, formats=PNG_ONLY, accept=PNG_ONLY, field="file"):
        pass


@pytest.fixture
def two_slots(settings, monkeypatch):
    settings.MENTORLOOM_IMAGE_WORKERS = 2
    monkeypatch.setattr(images, "_slots", None)  # made again from the setting


def test_pillow_itself_refuses_canvases_above_the_limit():
    assert Image.MAX_IMAGE_PIXELS == images.MAX_PIXELS


def test_a_tiny_file_with_a_huge_canvas_is_refused_without_decoding(monkeypatch):
    data = bomb_png()
    assert len(data) < 10_000
    with probe(monkeypatch) as seen, pytest.raises(ImageTooLarge) as excinfo:
        decode_png(data)
    assert excinfo.value.code == "image_too_large" and excinfo.value.status == 422
    assert excinfo.value.fields == {"file": [images.ImageTooLarge.default_message]}
    assert seen.loads == 0 and seen.core_images == 0
    assert seen.peak_bytes < 20 * 1024 * 1024


def test_the_pixel_count_is_checked_even_when_pillow_would_let_it_through(monkeypatch):
    # 4000x3500 = 14 MP: a 1-bit file of a few KB; our own check, not only Pillow's.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with probe(monkeypatch) as seen, pytest.raises(ImageTooLarge):
        decode_png(png((4000, 3500), "1"))
    assert seen.loads == 0


def test_an_image_at_the_limit_is_decoded(monkeypatch):
    data = png((4000, 3000), "1")
    with probe(monkeypatch) as seen:
        decode_png(data)
    assert seen.loads >= 1 and seen.core_images >= 1


def test_animated_images_count_every_frame(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with probe(monkeypatch) as seen, pytest.raises(ImageTooLarge):
        decode_png(animated_png())
    assert seen.loads == 0
    decode_png(animated_png(frames=5))


def test_jpeg_is_decoded_at_a_reduced_scale_when_a_small_picture_is_wanted():
    out = io.BytesIO()
    Image.new("RGB", (4000, 3000), "teal").save(out, format="JPEG")
    jpeg = {"JPEG"}
    with images.decoded(out.getvalue(), formats=jpeg, accept=jpeg, field="f", min_side=512) as im:
        assert im.size == (1000, 750)  # 1/4 scale: the shorter side stays >= 512
    with images.decoded(out.getvalue(), formats=jpeg, accept=jpeg, field="f") as im:
        assert im.size == (4000, 3000)


@pytest.mark.parametrize("data", [b"not an image", png((10, 10))[:40]])
def test_broken_or_other_data_is_unreadable(data):
    with pytest.raises(UnreadableImage):
        decode_png(data)


def test_at_most_the_configured_number_of_images_decode_at_once(monkeypatch, two_slots):
    data = png((600, 400))
    errors: list[BaseException] = []

    def work() -> None:
        try:
            decode_png(data)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    with probe(monkeypatch, hold_seconds=0.1) as seen:
        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert seen.loads >= 6
    assert seen.most_at_once == 2


def test_a_full_house_turns_the_upload_away_as_busy(monkeypatch, two_slots):
    monkeypatch.setattr(images, "WAIT_SECONDS", 0.05)
    slots = images._decoding_slots()
    assert slots.acquire() and slots.acquire()
    try:
        with pytest.raises(ImagesBusy) as excinfo:
            decode_png(png((10, 10)))
    finally:
        slots.release()
        slots.release()
    assert excinfo.value.code == "images_busy" and excinfo.value.status == 503
