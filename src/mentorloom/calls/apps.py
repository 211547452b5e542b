from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "mentorloom.calls"
    label = "calls"
