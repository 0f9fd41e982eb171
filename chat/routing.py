"""Websocket routes of the browser chat."""

from django.urls import URLPattern, path

from chat.consumers import ChatConsumer, CompareConsumer

websocket_urlpatterns: list[URLPattern] = [
    path("ws/chat/<int:conversation_id>/", ChatConsumer.as_asgi()),
    path("ws/compare/<int:run_id>/", CompareConsumer.as_asgi()),
]
