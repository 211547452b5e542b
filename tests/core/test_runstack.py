"""runstack hands its children a SITE_URL matching the address it serves."""

from __future__ import annotations

import os
import subprocess

import pytest
from django.core.management import call_command

from mentorloom.core.management.commands import runstack


@pytest.mark.parametrize(
    ("host", "port", "expected"),
    [
        ("127.0.0.1", 8765, "http://127.0.0.1:8765"),
        ("0.0.0.0", 9000, "http://127.0.0.1:9000"),
        ("localhost", 8000, "http://localhost:8000"),
        ("::1", 8001, "http://[::1]:8001"),
    ],
)
def test_served_site_url_uses_the_served_host_and_port(host, port, expected):
    assert runstack.served_site_url(host, port) == expected


class _Stopped(Exception):
    pass


def _capture_children(monkeypatch) -> list[dict]:
    """Record each child's environment instead of starting it (the processes are the outside
    world here), and stop the command after the third child."""
    seen: list[dict] = []

    def fake_popen(argv, env=None, **kwargs):
        seen.append(dict(env if env is not None else os.environ))
        if len(seen) == 3:
            raise _Stopped
        return subprocess.Popen(["true"])

    monkeypatch.setattr(runstack.subprocess, "Popen", fake_popen)
    return seen


def test_children_get_the_served_port_as_site_url_when_unset(monkeypatch):
    monkeypatch.setenv("SITE_URL", "placeholder")  # so teardown removes what runstack sets
    monkeypatch.delenv("SITE_URL")
    seen = _capture_children(monkeypatch)
    with pytest.raises(_Stopped):
        call_command("runstack", host="127.0.0.1", port=8765)
    assert [env["SITE_URL"] for env in seen] == ["http://127.0.0.1:8765"] * 3


def test_an_explicit_site_url_is_kept(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://mentors.example.org")
    seen = _capture_children(monkeypatch)
    with pytest.raises(_Stopped):
        call_command("runstack", host="127.0.0.1", port=8765)
    assert {env["SITE_URL"] for env in seen} == {"https://mentors.example.org"}
