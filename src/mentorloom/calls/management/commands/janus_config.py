"""Write a Janus config directory for an external media host (docs/deployment.md)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from mentorloom.calls.janus.config import config_from_settings, write_config


class Command(BaseCommand):
    help = (
        "Write a Janus config (VideoRoom only, token auth, this instance's Janus secrets) into "
        "DIR; start it with `janus -C DIR/janus.jcfg -F DIR`."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("directory")
        parser.add_argument(
            "--bind", default="127.0.0.1", help="address the HTTP/WS and admin APIs listen on"
        )
        parser.add_argument(
            "--admin-acl",
            default="127.",
            help="comma-separated address prefixes allowed on the admin API (the web servers)",
        )

    def handle(self, *args: Any, directory: str, bind: str, admin_acl: str, **opts: Any) -> None:
        config = dataclasses.replace(config_from_settings(), bind=bind, admin_acl=admin_acl)
        path = write_config(config, Path(directory).resolve())
        self.stdout.write(f"Wrote {path}; start with: janus -C {path} -F {path.parent}")
