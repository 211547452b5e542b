from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "mentorloom.matching"
    label = "matching"

    def ready(self) -> None:
        from mentorloom.profiles.services import profile_changed

        from . import services

        profile_changed.connect(services.profile_changed)
