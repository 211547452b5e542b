"""`manage.py tidy_workshop_registrations [--dry-run]`: cancel the places and waitlist spots that
people who left a community, or were banned from it, kept in its upcoming workshops from before
leaving and a ban cancelled them, and take them out of its workshops' room chats, which leaving
and a ban did not do before either (docs/workshops.md). `make run` runs it after `migrate`;
safe to run again (a second run finds nothing)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mentorloom.workshops import selectors, services


class Command(BaseCommand):
    help = (
        "Cancel places and waitlist spots in community workshops that are not over, held by "
        "people who are no longer members of the community in good standing (as leaving or a "
        "ban would have: calendar cancellation, waitlist promoted), and take such people out of "
        "the community's workshop room chats. Idempotent."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="List what would be cancelled and change nothing.",
        )

    def handle(self, *args: Any, dry_run: bool, **options: Any) -> None:
        if not dry_run:
            cancelled = services.cancel_orphaned_registrations()
            self.stdout.write(f"{cancelled} orphaned workshop registration(s) cancelled")
            closed = services.close_orphaned_room_chats()
            self.stdout.write(f"{closed} person(s) taken out of a community's room chats")
            return
        orphans = selectors.orphaned_registrations()
        for orphan in orphans:
            standing = (
                "not a member"
                if orphan.banned_until is None
                else f"banned until {orphan.banned_until:%Y-%m-%d %H:%M} UTC"
            )
            self.stdout.write(
                f"community {orphan.community_id}, user {orphan.user.pk} "
                f"<{orphan.user.email}> ({standing}):"
            )
            for registration in orphan.registrations:
                workshop = registration.workshop
                self.stdout.write(
                    f"  would cancel {registration.status} in workshop {workshop.pk} "
                    f'"{workshop.title}" starting {workshop.starts_at:%Y-%m-%d %H:%M} UTC'
                )
        total = sum(len(orphan.registrations) for orphan in orphans)
        self.stdout.write(f"{total} orphaned workshop registration(s) would be cancelled (dry run)")
        outsiders = selectors.room_chat_outsiders()
        for community_id, user_id, banned in outsiders:
            standing = "banned" if banned else "not a member"
            self.stdout.write(
                f"community {community_id}, user {user_id} ({standing}): would leave its "
                "workshops' room chats"
            )
        self.stdout.write(
            f"{len(outsiders)} person(s) would be taken out of a community's room chats (dry run)"
        )
