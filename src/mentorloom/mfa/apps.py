from django.apps import AppConfig


class MfaConfig(AppConfig):
    name = "mentorloom.mfa"
    label = "mfa"
    verbose_name = "Multi-factor authentication"
