from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "mentorloom.programs"
    label = "programs"
