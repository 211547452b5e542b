from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "mentorloom.workshops"
    label = "workshops"
