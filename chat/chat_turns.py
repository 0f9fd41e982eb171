"""Running chat answers: one task per conversation, not tied to a socket, broadcast to the conversation's group.

Every open tab of a conversation joins its group, so a second tab or a reconnected socket keeps
receiving the stream. The answer is saved when it ends (done, stopped, failed) and every few seconds
while it streams, never on every token.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from channels.layers import get_channel_layer

from chat import conversations
from chat.generation import Outcome, stream_answer
from chat.markdown_render import render_markdown
from chat.message_view import message_json
from llmhub.db_executor import run_db
from llmhub.errors import HubError

SAVE_EVERY_SECONDS = 3.0


@dataclass
class Running:
    task: asyncio.Task[None]
    message_id: int
    model: str
    stopping: bool = False
    outcome: Outcome = field(default_factory=Outcome)


# Answers being written in this process, by conversation id.
_running: dict[int, Running] = {}


def group_name(conversation_id: int) -> str:
    return f"chat-{conversation_id}"


async def broadcast(conversation_id: int, event: dict[str, Any]) -> None:
    await get_channel_layer().group_send(group_name(conversation_id), {"type": "chat.event", "event": event})


def live_state(conversation_id: int) -> dict[str, Any]:
    """What a (re)connecting socket needs to catch up with an answer still being written here."""
    running = _running.get(conversation_id)
    if running is None:
        return {"kind": "state", "streaming": None}
    text = "".join(running.outcome.parts)
    return {"kind": "state", "streaming": {"id": running.message_id, "model": running.model, "text": text}}


def stop_local(conversation_id: int) -> bool:
    """Cancel the answer running in this process, if any: the upstream request is cancelled at once."""
    running = _running.get(conversation_id)
    if running is None or running.task.done() or running.stopping:
        return False
    running.stopping = True  # one cancel only: a second one would interrupt saving the partial answer
    running.task.cancel()
    return True


async def stop(conversation_id: int) -> None:
    stop_local(conversation_id)
    # Another process may be running it (channels_redis): every socket in the group hears this.
    await get_channel_layer().group_send(group_name(conversation_id), {"type": "chat.stop"})


PREPARE = {
    "send": conversations.prepare_send,
    "regenerate": conversations.prepare_regenerate,
    "edit": conversations.prepare_edit,
}


async def handle_action(user: Any, conversation_id: int, action: dict[str, Any]) -> dict[str, Any] | None:
    """Do what the browser asked; return an event for that socket only (an error), or None."""
    kind = action.get("action") if isinstance(action, dict) else None
    if kind == "stop":
        await stop(conversation_id)
        return None
    if kind not in PREPARE:
        return {"kind": "notice", "error": "Unknown action."}
    if conversation_id in _running:
        return {"kind": "notice", "error": "An answer is still being written. Stop it first (Esc)."}
    try:
        turn = await run_db(PREPARE[kind], user, conversation_id, action)
    except HubError as exc:
        return {"kind": "notice", "error": exc.message}
    start_turn(turn)
    event: dict[str, Any] = {
        "kind": "turn",
        "title": turn.title,
        "answer": {"id": turn.answer.id, "model": turn.answer.model},
    }
    if turn.dropped_after is not None:
        event["dropped_after"] = turn.dropped_after
    if turn.user_message is not None:
        event["user"] = message_json(turn.user_message)
    await broadcast(conversation_id, event)
    return None


def start_turn(turn: conversations.Turn) -> None:
    task = asyncio.ensure_future(_run(turn))
    _running[turn.conversation_id] = Running(task, turn.answer.id, turn.answer.model)
    task.add_done_callback(lambda _t: _running.pop(turn.conversation_id, None))


async def _run(turn: conversations.Turn) -> None:
    conversation_id, message_id = turn.conversation_id, turn.answer.id
    running = _running[conversation_id]
    outcome = running.outcome
    last_save = time.monotonic()

    async def on_delta(text: str) -> None:
        nonlocal last_save
        await broadcast(conversation_id, {"kind": "delta", "id": message_id, "text": text})
        if time.monotonic() - last_save > SAVE_EVERY_SECONDS:
            last_save = time.monotonic()
            await run_db(conversations.save_partial, message_id, "".join(outcome.parts))

    try:
        await stream_answer(turn.caller, turn.request, outcome, on_delta)
    except asyncio.CancelledError:
        pass  # stopped: the gateway settled what was generated; keep the partial answer
    finally:
        outcome.model = outcome.model or running.model
        await asyncio.shield(_finish(conversation_id, message_id, outcome))


async def _finish(conversation_id: int, message_id: int, outcome: Outcome) -> None:
    await run_db(conversations.finish_message, message_id, outcome)
    html = render_markdown(outcome.text)
    await broadcast(conversation_id, {"kind": "done", "id": message_id, "html": html, **outcome.as_json()})
