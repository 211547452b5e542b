from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import ProfileFactory, UserFactory


def image_bytes(fmt: str, size: tuple[int, int] = (800, 600), color: str = "teal", **save) -> bytes:
    buffer = io.BytesIO()
    mode = "RGBA" if fmt == "PNG" else "RGB"
    Image.new(mode, size, color).save(buffer, format=fmt, **save)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def user(db):
    # A fresh sign-up: the dashboard banner and /me report the unverified address.
    return UserFactory(email_verified_at=None)


@pytest.fixture
def profile(user):
    return ProfileFactory(user=user, display_name="Aiko Tanaka", time_zone="Asia/Tokyo")


@pytest.fixture
def member_client(client, profile):
    client.force_login(profile.user)
    return client
