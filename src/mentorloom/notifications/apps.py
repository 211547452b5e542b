from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "mentorloom.notifications"
    label = "notifications"
