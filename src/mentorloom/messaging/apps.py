from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mentorloom.messaging"
    label = "messaging"

    def ready(self) -> None:
        from mentorloom.core.realtime.live import register_refresher
        from mentorloom.mentorships.services.requests import mentorship_started

        from . import checks  # noqa: F401 - registers the system checks
        from .events import UNREAD_REFRESH, unread_events
        from .services import get_or_create_conversation_for_mentorship

        register_refresher(UNREAD_REFRESH, unread_events)
        # An accepted request opens the pair's conversation at once, so the inbox lists it.
        mentorship_started.connect(get_or_create_conversation_for_mentorship)
