from django.apps import AppConfig


class SessionsConfig(AppConfig):
    # "sessions" is django.contrib.sessions' label, so this app gets its own.
    name = "mentorloom.sessions"
    label = "mentoring_sessions"
    verbose_name = "Mentoring sessions"
