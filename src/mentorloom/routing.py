"""WebSocket routes. Every consumer authenticates and authorises through access helpers."""

from django.urls import path

from mentorloom.core.consumers import PingConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
]
