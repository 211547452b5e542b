from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mentorloom.core"
    label = "core"

    def ready(self) -> None:
        from . import images

        images.configure_pillow()
