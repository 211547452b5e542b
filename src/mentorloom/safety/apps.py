from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "mentorloom.safety"
    label = "safety"
