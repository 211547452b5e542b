from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "mentorloom.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from mentorloom.accounts.services import account_reclaimed
        from mentorloom.core.realtime.lifetime import access_ended
        from mentorloom.discovery import freeslots as directory
        from mentorloom.mentorships.services.lifecycle import mentorship_ended
        from mentorloom.safety.services import block_created

        from . import freeslots
        from .services import (
            cancel_upcoming_on_block,
            cancel_upcoming_on_end,
            forget_links_of,
            revoke_feed_on_access_ended,
        )

        # The directory's free-slot filter (discovery sits below scheduling).
        freeslots.connect()
        directory.provide(freeslots)
        # A block cancels the pair's upcoming sessions (silently); ending a mentorship cancels
        # its upcoming sessions with the usual notices.
        block_created.connect(cancel_upcoming_on_block)
        mentorship_ended.connect(cancel_upcoming_on_end)
        # An account taken back at verification loses the feed link and calendars made before.
        account_reclaimed.connect(forget_links_of)
        # A password change or reset, deactivation, ban or deletion ends the calendar feed link.
        access_ended.connect(revoke_feed_on_access_ended)
