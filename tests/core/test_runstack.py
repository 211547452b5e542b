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


CHILDREN = 4  # the web server, a worker per task queue (2), the scheduler


def _capture_children(monkeypatch, argvs: list | None = None) -> list[dict]:
    """Record each child's environment (and argv into `argvs`) instead of starting it (the
    processes are the outside world here), and stop the command after the last child."""
    seen: list[dict] = []

    def fake_popen(argv, env=None, **kwargs):
        seen.append(dict(env if env is not None else os.environ))
        if argvs is not None:
            argvs.append(argv)
        if len(seen) == CHILDREN:
            raise _Stopped
        return _real_popen(["true"])  # subprocess.Popen is this fake while it is patched

    monkeypatch.setattr(runstack.subprocess, "Popen", fake_popen)
    return seen


def test_children_get_the_served_port_as_site_url_when_unset(monkeypatch):
    monkeypatch.setenv("SITE_URL", "placeholder")  # so teardown removes what runstack sets
    monkeypatch.delenv("SITE_URL")
    seen = _capture_children(monkeypatch)
    with pytest.raises(_Stopped):
        call_command("runstack", host="127.0.0.1", port=8765)
    assert [env["SITE_URL"] for env in seen] == ["http://127.0.0.1:8765"] * CHILDREN


def test_each_task_queue_gets_a_worker_of_its_own(monkeypatch, settings):
    argvs: list = []
    _capture_children(monkeypatch, argvs)
    with pytest.raises(_Stopped):
        call_command("runstack", host="127.0.0.1", port=8765)
    workers = [argv for argv in argvs if "db_worker" in argv]
    queues = [argv[argv.index("--queue-name") + 1] for argv in workers]
    assert queues == settings.MENTORLOOM_TASK_QUEUES == ["default", "calendars"]


def test_an_explicit_site_url_is_kept(monkeypatch):
    monkeypatch.setenv("SITE_URL", "https://mentors.example.org")
    seen = _capture_children(monkeypatch)
    with pytest.raises(_Stopped):
        call_command("runstack", host="127.0.0.1", port=8765)
    assert {env["SITE_URL"] for env in seen} == {"https://mentors.example.org"}


def _run_with_instant_children(monkeypatch) -> None:
    """Web, worker and scheduler are `true` (they exit at once, which ends the command)."""
    monkeypatch.setattr(runstack.subprocess, "Popen", lambda argv, **kw: _real_popen(["true"]))


_real_popen = subprocess.Popen


def test_janus_starts_beside_the_others_with_a_config_in_the_data_dir(
    monkeypatch, settings, tmp_path, capsys
):
    settings.DATA_DIR = tmp_path
    settings.MENTORLOOM_JANUS_EMBEDDED = True
    started: list = []

    def fake_start(config, config_dir, *, binary):
        started.append((config, config_dir, binary))
        return _real_popen(["sleep", "30"])

    monkeypatch.setattr(runstack.janus_process, "janus_binary", lambda: "/usr/bin/janus")
    monkeypatch.setattr(runstack.janus_process, "start_janus", fake_start)
    _run_with_instant_children(monkeypatch)
    call_command("runstack", host="127.0.0.1", port=8765)

    ((config, config_dir, _binary),) = started
    assert config_dir == tmp_path / "janus"
    assert config.admin_secret == settings.MENTORLOOM_JANUS_ADMIN_SECRET
    assert "Media: workshops run on Janus" in capsys.readouterr().out


def test_janus_is_stopped_with_the_others(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    settings.MENTORLOOM_JANUS_EMBEDDED = True
    media: list[subprocess.Popen] = []

    def fake_start(config, config_dir, *, binary):
        media.append(_real_popen(["sleep", "30"]))
        return media[0]

    monkeypatch.setattr(runstack.janus_process, "janus_binary", lambda: "/usr/bin/janus")
    monkeypatch.setattr(runstack.janus_process, "start_janus", fake_start)
    _run_with_instant_children(monkeypatch)
    call_command("runstack", host="127.0.0.1", port=8765)
    assert media[0].poll() is not None


def test_without_janus_the_banner_says_workshops_fall_back_to_mesh(monkeypatch, settings, capsys):
    settings.MENTORLOOM_JANUS_EMBEDDED = True
    monkeypatch.setattr(runstack.janus_process, "janus_binary", lambda: None)
    _run_with_instant_children(monkeypatch)
    call_command("runstack", host="127.0.0.1", port=8765)
    out = capsys.readouterr().out
    assert "janus is not installed" in out
    assert "fall back to mesh" in out


def test_an_external_janus_is_named_and_not_started(monkeypatch, settings, capsys):
    settings.MENTORLOOM_JANUS_EMBEDDED = False
    settings.MENTORLOOM_JANUS_URL = ["http://media-1.internal:8088/janus"]
    monkeypatch.setattr(runstack.janus_process, "start_janus", pytest.fail)
    _run_with_instant_children(monkeypatch)
    call_command("runstack", host="127.0.0.1", port=8765)
    assert "external Janus at http://media-1.internal:8088/janus" in capsys.readouterr().out
