"""WebSocket routes. Every consumer authenticates and authorises through access helpers."""

from django.urls import path

from mentorloom.calls.consumers import CallConsumer
from mentorloom.communities.consumers import CommunityConsumer
from mentorloom.core.consumers import LiveConsumer, PingConsumer
from mentorloom.messaging.consumers import ChatConsumer
from mentorloom.workshops.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/ping/", PingConsumer.as_asgi()),
    path("ws/live/", LiveConsumer.as_asgi()),
    path("ws/calls/<id:call_id>/", CallConsumer.as_asgi()),
    path("ws/chat/", ChatConsumer.as_asgi()),
    path("ws/communities/<id:community_id>/", CommunityConsumer.as_asgi()),
    path("ws/workshops/rooms/<id:room_id>/", RoomConsumer.as_asgi()),
]
