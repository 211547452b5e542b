from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mentorloom.messaging"
    label = "messaging"

    def ready(self) -> None:
        from . import checks  # noqa: F401 - registers the system checks
