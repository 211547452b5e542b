from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "mentorloom.programs"
    label = "programs"

    def ready(self) -> None:
        from mentorloom.accounts.services import email_verified
        from mentorloom.discovery.scope import directory_scope

        from . import selectors, services

        directory_scope.connect(selectors.directory_scope)
        email_verified.connect(services.link_verified_address)
