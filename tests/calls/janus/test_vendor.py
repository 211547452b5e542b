"""The vendored browser side of Janus is exactly the pinned release named in VERSIONS."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

VENDOR = Path(__file__).resolve().parents[3] / "src/mentorloom/static/mentorloom/vendor"


def _pins() -> dict[str, str]:
    text = (VENDOR / "VERSIONS").read_text()
    return dict(re.findall(r"^(\S+\.js)\s.*?\n(?:.*\n)*?\s+([0-9a-f]{64})$", text, re.M))


@pytest.mark.parametrize("name", ["janus-1.1.4.js", "janus-1.1.4.es.js", "webrtc-adapter-8.2.4.js"])
def test_vendored_file_matches_its_pinned_checksum(name):
    digest = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
    assert _pins()[name] == digest
