from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mentorloom.messaging"
    label = "messaging"

    def ready(self) -> None:
        from mentorloom.core.realtime.live import register_refresher

        from . import checks  # noqa: F401 - registers the system checks
        from .events import UNREAD_REFRESH, unread_events

        register_refresher(UNREAD_REFRESH, unread_events)
