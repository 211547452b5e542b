from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mentorloom.core"
    label = "core"
