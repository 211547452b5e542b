from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "mentorloom.messaging"
    label = "messaging"
