from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "mentorloom.privacy"
    verbose_name = "Data rights (export and erasure)"
