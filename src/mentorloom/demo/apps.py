from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "mentorloom.demo"
    label = "demo"
