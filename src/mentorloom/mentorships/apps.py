from django.apps import AppConfig


class MentorshipsConfig(AppConfig):
    name = "mentorloom.mentorships"
    label = "mentorships"

    def ready(self) -> None:
        from mentorloom.safety.services import block_created

        from .services import withdraw_requests_between

        # Blocking someone withdraws the open requests between the two (silently).
        block_created.connect(withdraw_requests_between)
