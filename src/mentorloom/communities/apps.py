from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "mentorloom.communities"
    label = "communities"

    def ready(self) -> None:
        from mentorloom.messaging.send_sql import channel_post_check
        from mentorloom.profiles.views import public_profile_panels

        from . import panels
        from .services import check_channel_post

        channel_post_check.connect(check_channel_post)
        public_profile_panels.connect(panels.public_profile_panels)
