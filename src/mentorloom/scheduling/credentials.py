"""Encrypt calendar app passwords at rest with a key derived from SECRET_KEY (Fernet).

A database dump alone does not reveal the passwords. Rotating SECRET_KEY makes the stored
ones unreadable; the fetch then reports "enter the password again" instead of failing hard.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

_CONTEXT = b"mentorloom.scheduling.external-calendar-password.v1"


def _fernet() -> Fernet:
    digest = hashlib.sha256(_CONTEXT + settings.SECRET_KEY.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(digest))


def encrypt(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode() if secret else ""


def decrypt(token: str) -> str | None:
    """The password, "" if none was stored, or None if it cannot be decrypted any more."""
    if not token:
        return ""
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        return None
