from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top layer: composite pages that read across domains (the dashboard)."""

    name = "mentorloom.home"
    label = "home"

    def ready(self) -> None:
        from mentorloom.mentorships.views import space_panels
        from mentorloom.profiles.views import public_profile_panels

        from . import panels

        space_panels.connect(panels.mentorship_space_panels)
        public_profile_panels.connect(panels.public_profile_panels)
