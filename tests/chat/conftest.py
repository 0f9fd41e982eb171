"""Chat fixtures: a signed-in socket to a conversation through the real ASGI stack."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.testing import WebsocketCommunicator
from django.test import Client

ORIGIN = b"http://127.0.0.1"


def client_for(person: Any = None, **options: Any) -> Client:
    """A test client signed in as `person` (anonymous without one)."""
    client = Client(**options)
    if person is not None:
        client.force_login(person.user)
    return client


def get(client: Client, url: str) -> Any:
    return client.get(url, secure=True)


def post(client: Client, url: str, data: Any = None, **extra: Any) -> Any:
    return client.post(url, data or {}, secure=True, **extra)


def session_cookie(person: Any) -> bytes:
    client = Client()
    client.force_login(person.user)
    return f"sessionid={client.cookies['sessionid'].value}".encode()


def new_conversation(person: Any, **fields: Any) -> Any:
    from chat.conversations import create_conversation

    conversation = create_conversation(person.user, fields.pop("model", "gpt-4o"))
    for name, value in fields.items():
        setattr(conversation, name, value)
    conversation.save()
    return conversation


async def open_socket(path: str, cookie: bytes | None, origin: bytes = ORIGIN) -> WebsocketCommunicator:
    from llmhub.asgi import application

    headers = [(b"origin", origin), (b"host", b"127.0.0.1")]
    if cookie:
        headers.append((b"cookie", cookie))
    return WebsocketCommunicator(application, path, headers=headers)


async def events_until(socket: WebsocketCommunicator, kind: str, timeout: float = 10) -> list[dict[str, Any]]:
    """Every event up to and including the first of `kind`."""
    seen = []
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        event = await socket.receive_json_from(timeout=max(0.1, deadline - loop.time()))
        seen.append(event)
        if event.get("kind") == kind:
            return seen


@pytest.fixture
async def chat_ready(upstream: Any) -> Any:
    """The fake upstream behind every model, and a fresh channel layer (in memory, or Redis with REDIS_URL)."""
    from channels.layers import channel_layers

    from llmhub.infra import channel_layer, http_client

    channel_layers.backends.clear()
    yield upstream
    # Each test has its own loop, hence its own upstream connection pool: close it with the loop.
    await http_client.close_client()
    await channel_layer.close_connections()  # and its Redis connections, before the loop's teardown
