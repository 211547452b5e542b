"""Time-driven work for requests: expire overdue requests, remind mentors after 48 hours.

    manage.py run_periodic              # one pass (e.g. from cron every 5 minutes)
    manage.py run_periodic --loop 300   # run forever, one pass every 300 seconds

Every pass is idempotent (state re-checked under row locks), so overlapping runs, a cron job
next to a loop, or a crash mid-pass never expire or remind twice.
"""

from __future__ import annotations

import json
import time

from django.core.management.base import BaseCommand

from mentorloom.mentorships.services import run_periodic_jobs


class Command(BaseCommand):
    help = "Expire overdue connection requests and send 48-hour reminders."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--loop", type=int, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, loop: int = 0, **options: object) -> None:
        while True:
            result = run_periodic_jobs()
            self.stdout.write(json.dumps(result))
            if not loop:
                return
            time.sleep(loop)
