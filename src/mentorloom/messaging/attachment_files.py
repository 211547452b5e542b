"""Checking chat attachments by their bytes and deriving what we store (no database here).

The type comes from the content, never the file name or the browser's Content-Type: a PDF must
start with the PDF header, an image must decode with Pillow as JPEG, PNG or WebP. Images are
re-encoded without metadata (EXIF can carry a phone's location) and get a small thumbnail.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass

from PIL import Image

from mentorloom.core import images

from .errors import AttachmentTooLarge, UnsupportedAttachment

MAX_BYTES = 10 * 1024 * 1024
THUMB_BOX = (320, 320)
IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSIONS = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
PDF_MAGIC = b"%PDF-"


@dataclass(frozen=True)
class PreparedFile:
    kind: str  # "image" or "pdf"
    content_type: str
    name: str  # a display name derived from the upload's name, safe for headers
    data: bytes
    thumbnail: bytes | None = None  # WebP, images only
    width: int | None = None  # of the thumbnail, so pages reserve its space
    height: int | None = None

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]


def _unsupported(message: str) -> UnsupportedAttachment:
    return UnsupportedAttachment(message, fields={"file": [message]})


def safe_name(raw: str, extension: str) -> str:
    """A short ASCII file name for display and Content-Disposition, ending in `extension`."""
    stem = re.sub(r"\.[A-Za-z0-9]{1,5}$", "", raw.rsplit("/", 1)[-1].rsplit("\\", 1)[-1])
    stem = unicodedata.normalize("NFKD", stem).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9 ._-]+", "", stem).strip(" .")[:80] or "attachment"
    return f"{stem}.{extension}"


def prepare(data: bytes, original_name: str) -> PreparedFile:
    """Check `data` and return what to store. Raises AttachmentTooLarge, UnsupportedAttachment,
    core.images.ImageTooLarge (code image_too_large, on `file`) and ImagesBusy."""
    if len(data) > MAX_BYTES:
        raise AttachmentTooLarge(fields={"file": [AttachmentTooLarge.default_message]})
    if not data:
        raise _unsupported("The file is empty.")
    if data.startswith(PDF_MAGIC):
        return PreparedFile("pdf", "application/pdf", safe_name(original_name, "pdf"), data)
    return _prepare_image(data, original_name)


def _prepare_image(data: bytes, original_name: str) -> PreparedFile:
    try:
        with images.decoded(
            data, formats=IMAGE_FORMATS, accept=IMAGE_FORMATS, field="file"
        ) as image:
            fmt = image.format or ""
            has_alpha = image.mode in {"RGBA", "LA", "PA"} or "transparency" in image.info
            image = image.convert("RGBA" if has_alpha and fmt != "JPEG" else "RGB")
            image.info = {}  # drop EXIF, ICC, XMP and comments
            out = io.BytesIO()
            if fmt == "JPEG":
                image.save(out, format="JPEG", quality=90, optimize=True)
            elif fmt == "PNG":
                image.save(out, format="PNG", optimize=True)
            else:
                image.save(out, format="WEBP", quality=90, method=4)
            # In place (the full size is saved already), shrinking by whole factors first.
            thumb = image
            thumb.thumbnail(THUMB_BOX, Image.Resampling.LANCZOS, reducing_gap=2.0)
            thumb_out = io.BytesIO()
            thumb.save(thumb_out, format="WEBP", quality=80, method=4)
    except images.UnreadableImage as exc:
        raise _unsupported(UnsupportedAttachment.default_message) from exc
    content_type = IMAGE_FORMATS[fmt]
    return PreparedFile(
        "image",
        content_type,
        safe_name(original_name, EXTENSIONS[content_type]),
        out.getvalue(),
        thumb_out.getvalue(),
        thumb.width,
        thumb.height,
    )
