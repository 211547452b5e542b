from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mentorloom.messaging"
    label = "messaging"

    def ready(self) -> None:
        from mentorloom.core.realtime.live import register_refresher
        from mentorloom.mentorships.services.requests import mentorship_started, request_sent

        from . import checks  # noqa: F401 - registers the system checks
        from .events import UNREAD_REFRESH, unread_events
        from .services import (
            get_or_create_conversation_for_mentorship,
            get_or_create_conversation_for_request,
        )

        register_refresher(UNREAD_REFRESH, unread_events)
        # An accepted request opens the pair's conversation at once, so the inbox lists it.
        mentorship_started.connect(get_or_create_conversation_for_mentorship)
        # A sent request opens the pair's request conversation; on acceptance the same
        # conversation becomes the mentorship's (one history).
        request_sent.connect(get_or_create_conversation_for_request)
