from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "mentorloom.discovery"
    label = "discovery"

    def ready(self) -> None:
        from . import signals

        signals.connect()
