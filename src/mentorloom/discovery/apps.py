from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "mentorloom.discovery"
    label = "discovery"

    def ready(self) -> None:
        from mentorloom.core.realtime.lifetime import access_ended
        from mentorloom.profiles.services import profile_changed

        from . import services, signals

        signals.connect()
        profile_changed.connect(services.profile_changed)
        # A ban or deactivation (a QuerySet.update, no signal) takes the mentor out at once.
        access_ended.connect(services.account_access_ended)
