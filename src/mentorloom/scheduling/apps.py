from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "mentorloom.scheduling"
    label = "scheduling"
