from django.apps import AppConfig


class ProgramsConfig(AppConfig):
    name = "mentorloom.programs"
    label = "programs"

    def ready(self) -> None:
        from mentorloom.discovery.scope import directory_scope

        from . import selectors

        directory_scope.connect(selectors.directory_scope)
