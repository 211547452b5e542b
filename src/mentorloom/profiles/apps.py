from django.apps import AppConfig


class ProfilesConfig(AppConfig):
    name = "mentorloom.profiles"
    label = "profiles"
