from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "mentorloom.communities"
    label = "communities"

    def ready(self) -> None:
        from mentorloom.messaging.events import group_message_created
        from mentorloom.messaging.send_sql import channel_post_check
        from mentorloom.profiles.views import public_profile_panels

        from . import panels
        from .events import announce_post
        from .services import check_channel_post

        channel_post_check.connect(check_channel_post)
        # One "channel activity" event per post for the live unread badges.
        group_message_created.connect(announce_post)
        public_profile_panels.connect(panels.public_profile_panels)
