"""E-mail digests of chat messages left unread for 15 minutes (quiet hours respected).

    manage.py send_message_digests              # one pass (e.g. from cron every minute)
    manage.py send_message_digests --loop 60    # run forever, one pass every 60 seconds

Every pass is idempotent (each membership re-checked under its row lock), so overlapping runs
never e-mail a message twice.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand

from mentorloom.messaging.services import send_message_digests


class Command(BaseCommand):
    help = "E-mail one digest per conversation of messages left unread for 15 minutes."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--loop", type=int, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, loop: int = 0, **options: object) -> None:
        while True:
            self.stdout.write(json.dumps(send_message_digests()))
            if not loop:
                return
            time.sleep(loop)
