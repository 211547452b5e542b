from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "mentorloom.workshops"
    label = "workshops"

    def ready(self) -> None:
        from mentorloom.communities.views import community_page_panels

        from . import panels

        # "Upcoming events" on a community's page (communities never imports workshops).
        community_page_panels.connect(panels.community_page_panels)
