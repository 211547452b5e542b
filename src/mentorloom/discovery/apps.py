from django.apps import AppConfig


class DiscoveryConfig(AppConfig):
    name = "mentorloom.discovery"
    label = "discovery"
