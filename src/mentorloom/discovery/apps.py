from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "mentorloom.discovery"
    label = "discovery"

    def ready(self) -> None:
        from mentorloom.profiles.services import profile_changed

        from . import services, signals

        signals.connect()
        profile_changed.connect(services.profile_changed)
