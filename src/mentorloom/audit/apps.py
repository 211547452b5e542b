from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "mentorloom.audit"
    label = "audit"
