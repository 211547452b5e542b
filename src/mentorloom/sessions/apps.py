from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label, so this app gets its own.
    name = "mentorloom.sessions"
    label = "mentoring_sessions"
    verbose_name = "Mentoring sessions"

    def ready(self) -> None:
        from mentorloom.scheduling.services.booking import session_booked

        from .services import seed_agenda_from_booking

        # The agenda typed while booking becomes the structured agenda (one source of truth).
        session_booked.connect(seed_agenda_from_booking)
