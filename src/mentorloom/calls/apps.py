from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "mentorloom.calls"
    label = "calls"

    def ready(self) -> None:
        from mentorloom.mentorships.services.lifecycle import mentorship_ended
        from mentorloom.safety.services import block_created

        from .services import end_calls_between, end_calls_of_ended_mentorship

        # A block or the end of the mentorship ends the pair's live call at once.
        block_created.connect(end_calls_between)
        mentorship_ended.connect(end_calls_of_ended_mentorship)
