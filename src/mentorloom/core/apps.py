from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "mentorloom.core"
    label = "core"

    def ready(self) -> None:
        from django.urls import register_converter

        from . import images
        from .converters import IdConverter

        images.configure_pillow()
        # Before any urls module builds its patterns (they are imported after every ready()).
        register_converter(IdConverter, "id")
