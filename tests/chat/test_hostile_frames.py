"""The chat socket survives any frame the browser (or anyone with a session) sends: garbage, JSON that is not
an object, fields of the wrong type and binary frames each get an error notice, and the socket still works."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)

HOSTILE_TEXT = [
    "{not json",
    "[1, 2]",
    "42",
    "null",
    '{"action": ["send"]}',
    '{"action": {"a": 1}}',
    '{"action": "send", "content": "hi", "model": ["gpt-4o"]}',
    '{"action": "send", "content": "hi", "images": "nope"}',
    '{"action": "send", "content": "hi", "images": [42]}',
    '{"action": "send", "content": "hi", "temperature": "hot"}',
    '{"action": "send", "content": "hi", "max_tokens": {"n": 1}}',
    '{"action": "edit", "message_id": [1], "content": "x"}',
    '{"action": "version", "message_id": {"id": 1}}',
    '{"action": "regenerate", "model": 7}',
]


async def _frames_then_a_real_question(socket: Any, frames: list[Any]) -> None:
    for frame in frames:
        if isinstance(frame, bytes):
            await socket.send_to(bytes_data=frame)
        else:
            await socket.send_to(text_data=frame)


@pytest.mark.parametrize("frame", [*HOSTILE_TEXT, b"\x00\xffbinary"])
async def test_hostile_frame_gets_a_notice_and_the_socket_keeps_working(chat_ready, alice, frame):
    chat_ready.script("gpt-4o", Reply(chunks=["still ", "here"]))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    connected, _ = await socket.connect()
    assert connected
    await socket.receive_json_from()  # the state on joining
    await _frames_then_a_real_question(socket, [frame])
    while True:  # a frame may start a turn (a wrong-typed setting ignored) or get a notice: never a crash
        event = await socket.receive_json_from(timeout=10)
        if event["kind"] == "notice":
            break
        if event["kind"] == "done":
            break
    await socket.send_json_to({"action": "send", "content": "are you there?", "model": "gpt-4o"})
    events = await events_until(socket, "done")
    assert events[-1]["kind"] == "done"
    await socket.disconnect()
