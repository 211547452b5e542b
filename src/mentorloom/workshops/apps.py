from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "mentorloom.workshops"
    label = "workshops"

    def ready(self) -> None:
        from mentorloom.communities.services import member_banned, member_left
        from mentorloom.communities.views import community_page_panels
        from mentorloom.core.realtime.lifetime import access_ended

        from . import panels, services

        # "Upcoming events" on a community's page (communities never imports workshops).
        community_page_panels.connect(panels.community_page_panels)
        # A ban, or leaving, frees the member's places in the community's workshops, takes them
        # out of any of its rooms that are live and out of every one of its room chats (past
        # workshops' included).
        member_banned.connect(services.cancel_for_community_ban)
        # A banned facilitator no longer hosts the community's members: their workshops in it
        # during the ban are called off.
        member_banned.connect(services.cancel_facilitated_for_community_ban)
        member_banned.connect(services.take_out_for_community_ban)
        member_banned.connect(services.close_room_chats_for_community_ban)
        member_left.connect(services.cancel_for_community_leave)
        member_left.connect(services.take_out_for_community_leave)
        member_left.connect(services.close_room_chats_for_community_leave)
        # A sign-out, password change, deactivation, site ban or deletion request ends the
        # person's Janus access too (their grants evicted, tokens forgotten).
        access_ended.connect(services.end_media_access)
