from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "mentorloom.scheduling"
    label = "scheduling"

    def ready(self) -> None:
        from mentorloom.discovery import freeslots as directory

        from . import freeslots

        # The directory's free-slot filter (discovery sits below scheduling).
        freeslots.connect()
        directory.provide(freeslots)
