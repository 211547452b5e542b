from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "mentorloom.accounts"
    label = "accounts"
