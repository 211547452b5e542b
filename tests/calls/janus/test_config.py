"""The Janus config directory and the generated Janus secrets (no Janus process needed)."""

from __future__ import annotations

from pathlib import Path

from mentorloom import settings as mentorloom_settings
from mentorloom.calls.janus.config import JanusConfig, files_for, write_config


def _fake_lib(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    for folder, names in {
        "plugins": ["libjanus_videoroom.so", "libjanus_echotest.so", "libjanus_sip.so"],
        "transports": ["libjanus_http.so", "libjanus_websockets.so", "libjanus_mqtt.so"],
        "loggers": ["libjanus_jsonlog.so"],
    }.items():
        (lib / folder).mkdir(parents=True)
        for name in names:
            (lib / folder / name).touch()
        (lib / folder / "libjanus_x.so.1").touch()  # versioned links are never loaded
    return lib


def _config(tmp_path: Path, **overrides) -> JanusConfig:
    return JanusConfig(
        api_secret="api-s", admin_secret="admin-s", lib_dir=_fake_lib(tmp_path), **overrides
    )


def test_only_the_videoroom_and_the_http_and_websocket_transports_stay_enabled(tmp_path):
    main = files_for(_config(tmp_path), tmp_path / "conf")["janus.jcfg"]
    assert 'disable = "libjanus_echotest.so,libjanus_sip.so"' in main
    assert 'disable = "libjanus_mqtt.so"' in main
    assert 'disable = "libjanus_jsonlog.so"' in main
    assert "broadcast = false" in main


def test_secrets_token_auth_folders_and_rtp_range_are_set(tmp_path):
    config = _config(tmp_path, rtp_ports="30000-30099")
    main = files_for(config, tmp_path / "conf")["janus.jcfg"]
    assert f'configs_folder = "{tmp_path / "conf"}"' in main
    assert f'plugins_folder = "{config.lib_dir / "plugins"}"' in main
    assert 'api_secret = "api-s"' in main
    assert 'admin_secret = "admin-s"' in main
    assert "token_auth = true" in main
    assert 'rtp_port_range = "30000-30099"' in main
    assert "ice_enforce_list" not in main
    with_list = files_for(_config(tmp_path / "b", ice_enforce_list="ml0"), tmp_path)["janus.jcfg"]
    assert 'ice_enforce_list = "ml0"' in with_list
    natted = files_for(_config(tmp_path / "c", nat_1_1_mapping="203.0.113.5"), tmp_path)
    assert 'nat_1_1_mapping = "203.0.113.5"' in natted["janus.jcfg"]


def test_every_api_binds_loopback_and_the_admin_api_only_over_http(tmp_path):
    files = files_for(_config(tmp_path, http_port=1, admin_port=2, ws_port=3), tmp_path)
    http, ws = files["janus.transport.http.jcfg"], files["janus.transport.websockets.jcfg"]
    assert 'ip = "127.0.0.1"' in http
    assert 'admin_ip = "127.0.0.1"' in http
    assert "admin_port = 2" in http
    assert 'ws_ip = "127.0.0.1"' in ws
    assert "admin_ws = false" in ws
    assert "https = false" in http


def test_room_creation_needs_the_admin_key(tmp_path):
    videoroom = files_for(_config(tmp_path), tmp_path)["janus.plugin.videoroom.jcfg"]
    assert 'admin_key = "admin-s"' in videoroom


def test_quotes_in_values_cannot_break_out_of_the_string(tmp_path):
    main = files_for(_config(tmp_path), tmp_path / 'we"ird')["janus.jcfg"]
    assert 'we\\"ird' in main


def test_written_files_are_readable_by_the_owner_only(tmp_path):
    conf = tmp_path / "conf"
    write_config(_config(tmp_path), conf)
    assert conf.stat().st_mode & 0o777 == 0o700
    for path in conf.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600, path


def test_janus_secrets_are_generated_once_and_env_wins(tmp_path, monkeypatch):
    monkeypatch.delenv("MENTORLOOM_JANUS_ADMIN_SECRET", raising=False)
    monkeypatch.setattr(mentorloom_settings, "DATA_DIR", tmp_path)
    first = mentorloom_settings._generated_secret("MENTORLOOM_JANUS_ADMIN_SECRET", "janus_admin")
    assert len(first) >= 40
    assert (tmp_path / "janus_admin").stat().st_mode & 0o777 == 0o600
    assert mentorloom_settings._generated_secret(
        "MENTORLOOM_JANUS_ADMIN_SECRET", "janus_admin"
    ) == (first)
    monkeypatch.setenv("MENTORLOOM_JANUS_ADMIN_SECRET", "from-env")
    assert mentorloom_settings._generated_secret("MENTORLOOM_JANUS_ADMIN_SECRET", "x") == "from-env"
    assert not (tmp_path / "x").exists()


def test_janus_config_command_writes_a_host_config_with_this_instances_secrets(tmp_path, settings):
    from django.core.management import call_command

    call_command("janus_config", str(tmp_path / "media"), bind="10.0.0.5", admin_acl="10.0.0.")
    http = (tmp_path / "media" / "janus.transport.http.jcfg").read_text()
    main = (tmp_path / "media" / "janus.jcfg").read_text()
    assert 'admin_ip = "10.0.0.5"' in http
    assert 'admin_acl = "10.0.0."' in http
    assert f'admin_secret = "{settings.MENTORLOOM_JANUS_ADMIN_SECRET}"' in main
