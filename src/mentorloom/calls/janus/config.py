"""Writes a Janus config directory: VideoRoom only, HTTP/WebSocket API and admin API on
127.0.0.1, secrets and token auth on, an RTP port range (docs/deployment.md, "Media: Janus").

Janus loads every plugin and transport it finds unless told not to, so the disable lists are
built from what the installed package ships: anything new in a later package stays off.
"""

from __future__ import annotations

import os
import sysconfig
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

KEEP_PLUGINS = frozenset({"libjanus_videoroom.so"})
KEEP_TRANSPORTS = frozenset({"libjanus_http.so", "libjanus_websockets.so"})
BIND = "127.0.0.1"


def default_lib_dir() -> Path:
    """Where Debian (multiarch) or a source build put Janus's plugins and transports."""
    multiarch = sysconfig.get_config_var("MULTIARCH") or "x86_64-linux-gnu"
    for candidate in (
        Path("/usr/lib") / multiarch / "janus",
        Path("/usr/lib/janus"),
        Path("/usr/local/lib/janus"),
        Path("/opt/janus/lib/janus"),
    ):
        if (candidate / "plugins").is_dir():
            return candidate
    return Path("/usr/lib") / multiarch / "janus"


@dataclass(frozen=True)
class JanusConfig:
    api_secret: str
    admin_secret: str
    http_port: int = 8088
    admin_port: int = 7088
    ws_port: int = 8188
    rtp_ports: str = "20000-20999"
    lib_dir: Path = field(default_factory=default_lib_dir)
    # Interfaces/addresses ICE may gather on (Janus skips `lo` whatever this says); empty = all.
    ice_enforce_list: str = ""
    # The public address to announce when Janus sits behind 1:1 NAT (a cloud VM's private IP).
    nat_1_1_mapping: str = ""
    # An external media host binds its APIs to a private address and lets only the web
    # servers' addresses reach the admin API; the embedded Janus keeps both on loopback.
    bind: str = BIND
    admin_acl: str = "127."
    debug_level: int = 4
    session_timeout: int = 60


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def render(sections: Mapping[str, Mapping[str, object]]) -> str:
    """libconfig-style text Janus reads (`section: { key = value }`)."""
    out = ["# Written by Mentorloom (mentorloom.calls.janus.config); edits are overwritten."]
    for name, items in sections.items():
        out.append(f"{name}: {{")
        out += [f"\t{key} = {_value(value)}" for key, value in items.items()]
        out.append("}")
    return "\n".join(out) + "\n"


def _others(folder: Path, keep: Iterable[str]) -> str:
    """Comma-separated .so files in `folder` other than `keep` (Janus loads only *.so)."""
    if not folder.is_dir():
        return ""
    return ",".join(sorted(p.name for p in folder.glob("*.so") if p.name not in set(keep)))


def files_for(config: JanusConfig, config_dir: Path) -> dict[str, str]:
    """File name -> text for every file of the config directory."""
    lib = config.lib_dir
    nat: dict[str, object] = {"nice_debug": False, "full_trickle": True, "ice_lite": False}
    nat["ice_ignore_list"] = "vmnet"
    if config.ice_enforce_list:
        nat["ice_enforce_list"] = config.ice_enforce_list
    if config.nat_1_1_mapping:
        nat["nat_1_1_mapping"] = config.nat_1_1_mapping
    general: dict[str, object] = {
        "configs_folder": str(config_dir),
        "plugins_folder": str(lib / "plugins"),
        "transports_folder": str(lib / "transports"),
        "events_folder": str(lib / "events"),
        "loggers_folder": str(lib / "loggers"),
        "debug_level": config.debug_level,
        "server_name": "Mentorloom media",
        "session_timeout": config.session_timeout,
        "api_secret": config.api_secret,
        "admin_secret": config.admin_secret,
        # Browsers present a token added through the admin API, limited to the VideoRoom.
        "token_auth": True,
    }
    main = {
        "general": general,
        "certificates": {},
        "media": {"rtp_port_range": config.rtp_ports},
        "nat": nat,
        "plugins": {"disable": _others(lib / "plugins", KEEP_PLUGINS)},
        "transports": {"disable": _others(lib / "transports", KEEP_TRANSPORTS)},
        "loggers": {"disable": _others(lib / "loggers", ())},
        "events": {"broadcast": False},
    }
    http = {
        "general": {
            "json": "compact",
            "base_path": "/janus",
            "http": True,
            "port": config.http_port,
            "ip": config.bind,
            "https": False,
        },
        "admin": {
            "admin_base_path": "/admin",
            "admin_http": True,
            "admin_port": config.admin_port,
            "admin_ip": config.bind,
            "admin_https": False,
            "admin_acl": config.admin_acl,
        },
        "cors": {},
    }
    websockets = {
        "general": {"json": "compact", "ws": True, "ws_port": config.ws_port, "ws_ip": config.bind},
        "admin": {"admin_ws": False, "admin_wss": False},
    }
    # admin_key: only requests carrying it (our controller) may create rooms; a participant's
    # token reaches the plugin but cannot open rooms or RTP forwards of its own.
    videoroom = {
        "general": {"admin_key": config.admin_secret, "lock_rtp_forward": True},
    }
    return {
        "janus.jcfg": render(main),
        "janus.transport.http.jcfg": render(http),
        "janus.transport.websockets.jcfg": render(websockets),
        "janus.plugin.videoroom.jcfg": render(videoroom),
    }


def write_config(config: JanusConfig, config_dir: Path) -> Path:
    """Write (or rewrite) the config directory, owner-readable only; returns janus.jcfg's path."""
    config_dir.mkdir(parents=True, exist_ok=True)
    os.chmod(config_dir, 0o700)
    for name, text in files_for(config, config_dir).items():
        path = config_dir / name
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(text)
    return config_dir / "janus.jcfg"


def config_from_settings() -> JanusConfig:
    from django.conf import settings

    return JanusConfig(
        api_secret=settings.MENTORLOOM_JANUS_API_SECRET,
        admin_secret=settings.MENTORLOOM_JANUS_ADMIN_SECRET,
        http_port=settings.MENTORLOOM_JANUS_HTTP_PORT,
        admin_port=settings.MENTORLOOM_JANUS_ADMIN_PORT,
        ws_port=settings.MENTORLOOM_JANUS_WS_PORT,
        rtp_ports=settings.MENTORLOOM_JANUS_RTP_PORTS,
        ice_enforce_list=settings.MENTORLOOM_JANUS_ICE_ENFORCE_LIST,
        nat_1_1_mapping=settings.MENTORLOOM_JANUS_PUBLIC_IP,
    )
