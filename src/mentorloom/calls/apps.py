from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "mentorloom.calls"
    label = "calls"

    def ready(self) -> None:
        from mentorloom.safety.services import block_created

        from .services import end_calls_between

        block_created.connect(end_calls_between)
