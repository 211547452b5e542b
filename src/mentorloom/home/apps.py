from django.apps import AppConfig


class HomeConfig(AppConfig):
    """The top layer: composite pages that read across domains (the dashboard)."""

    name = "mentorloom.home"
    label = "home"
