from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top layer: composite pages that read across domains (the dashboard)."""

    name = "mentorloom.home"
    label = "home"

    def ready(self) -> None:
        from mentorloom.mentorships.views import space_panels

        from . import panels

        space_panels.connect(panels.mentorship_space_panels)
