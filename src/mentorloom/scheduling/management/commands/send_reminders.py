"""`manage.py send_reminders`: send due 24 h / 1 h session reminders (safe to run often)."""

from __future__ import annotations

from django.core.management.base import BaseCommand
from django.utils import timezone

from mentorloom.scheduling.services import send_due_reminders


class Command(BaseCommand):
    help = "Send every due session reminder exactly once. Run it every few minutes (cron)."

    def handle(self, *args: object, **options: object) -> None:
        sent = send_due_reminders(now=timezone.now())
        self.stdout.write(f"{sent} reminder(s) sent")
