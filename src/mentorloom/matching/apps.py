from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "mentorloom.matching"
    label = "matching"
