"""The chat websocket answers in the page's language: notices and errors made on the socket, also in db threads."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from tests.chat.conftest import ORIGIN, new_conversation, session_cookie

pytestmark = pytest.mark.django_db(transaction=True)


async def _socket(path: str, cookie: bytes, accept_language: bytes) -> WebsocketCommunicator:
    from llmhub.asgi import application

    headers = [(b"origin", ORIGIN), (b"host", b"127.0.0.1"), (b"cookie", cookie)]
    headers.append((b"accept-language", accept_language))
    socket = WebsocketCommunicator(application, path, headers=headers)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["kind"] == "state"
    return socket


async def test_zh_socket_gets_chinese_notices(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    socket = await _socket(f"/ws/chat/{conversation.id}/", cookie, b"zh-CN,zh;q=0.9")
    await socket.send_json_to({"action": "dance"})
    assert (await socket.receive_json_from())["error"] == "未知操作。"
    await socket.send_json_to({"action": "send", "content": "   "})  # refused in a database thread
    assert (await socket.receive_json_from())["error"] == "请先输入消息。"
    await socket.disconnect()


async def test_language_cookie_beats_the_browser_on_the_socket(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice) + b"; django_language=zh-hans"
    socket = await _socket(f"/ws/chat/{conversation.id}/", cookie, b"en-US,en;q=0.9")
    await socket.send_json_to({"action": "send", "content": ""})
    assert (await socket.receive_json_from())["error"] == "请先输入消息。"
    await socket.disconnect()


async def test_english_socket_stays_english(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    socket = await _socket(f"/ws/chat/{conversation.id}/", cookie, b"en-US,en;q=0.9")
    await socket.send_json_to({"action": "send", "content": ""})
    assert (await socket.receive_json_from())["error"] == "Type a message first."
    await socket.disconnect()
