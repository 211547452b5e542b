"""`manage.py seed_demo`: demo mentors, mentees and an admin. Safe to run repeatedly."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from mentorloom.demo.seed import seed_demo


class Command(BaseCommand):
    help = "Create or update the demo people (idempotent). Logins: see mentorloom.demo.people."

    def handle(self, *args: object, **options: object) -> None:
        result = seed_demo()
        self.stdout.write(self.style.SUCCESS(result.summary()))
