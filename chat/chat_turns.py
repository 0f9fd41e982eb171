"""Running chat answers: one task per conversation, not tied to a socket, broadcast to the conversation's group.

Every open tab of a conversation joins its group, so a second tab or a reconnected socket keeps
receiving the stream; a late one is caught up by the writer (chat/catch_up.py). The answer is saved when
it ends (done, stopped, failed) and every few seconds while it streams (its heartbeat, never on every
token); one whose writer died is finalised as interrupted (chat/interrupted.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from channels.layers import get_channel_layer
from django.db import DataError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat import catch_up, conversations, document_search, interrupted, versions
from chat.generation import Outcome, stream_answer
from chat.live_render import live_deltas
from chat.markdown_render import render_markdown
from chat.message_view import format_cost, message_json
from chat.models import Message
from llmhub.errors import HubError, InvalidRequest
from llmhub.infra.db_executor import run_db
from llmhub.scope_language import in_current_language

log = logging.getLogger("llmhub.chat")


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


def _snapshot(running: Running) -> dict[str, Any]:
    parts = list(running.outcome.parts)
    text = "".join(parts)
    streaming = {
        "id": running.message_id,
        "model": running.model,
        "text": text,
        "html": render_markdown(text),
        "n": len(parts),
    }
    return {"kind": "state", "streaming": streaming}


def live_state(conversation_id: int) -> dict[str, Any]:
    """What a (re)connecting socket needs to catch up with an answer still being written here."""
    running = _running.get(conversation_id)
    return _snapshot(running) if running is not None else {"kind": "state", "streaming": None}


async def catch_up_from_elsewhere(conversation_id: int, channel_name: str) -> None:
    """An answer written by another process (channels_redis): its writer sends this socket the text so far."""
    if conversation_id not in _running:
        await catch_up.ask(group_name(conversation_id), channel_name)


def answers_written_here() -> set[int]:
    return {running.message_id for running in _running.values()}


async def watch_for_interrupted(conversation_id: int) -> None:
    """While a socket is open: finalise answers whose writer died, as soon as their heartbeat is stale."""
    while True:
        written_here = answers_written_here()
        for message in await run_db(interrupted.finalise_interrupted, conversation_id, written_here=written_here):
            await broadcast(conversation_id, _done_event(message))
        wait = await run_db(interrupted.seconds_until_stale, conversation_id, written_here=answers_written_here())
        if wait is None:
            return
        await asyncio.sleep(wait + 0.1)


def _done_event(message: Message) -> dict[str, Any]:
    # An interrupted answer has just been finalised (and is not rateable): no vote to read, none read here (async).
    return {"kind": "done", **message_json(message, feedback={}), "credits_remaining": None}


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


UNSTORABLE = gettext_lazy(
    "This message could not be saved: it contains a character that cannot be stored (such as NUL). "
    "Remove it and send again."
)


def _holds_nul(value: Any) -> bool:
    """Whether any string in the browser's action holds a NUL byte (PostgreSQL cannot store one)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_nul(v) for v in value)
    return False


async def handle_action(user: Any, conversation_id: int, action: dict[str, Any]) -> dict[str, Any] | None:
    """Do what the browser asked; return an event for that socket only (an error), or None."""
    kind = action.get("action") if isinstance(action, dict) else None
    if not isinstance(kind, str):
        kind = None  # a list or an object would not even be looked up
    if kind == "stop":
        await stop(conversation_id)
        return None
    if kind == "version":
        return await show_version(user, conversation_id, action)
    if kind not in PREPARE:
        return {"kind": "notice", "error": _("Unknown action.")}
    if conversation_id in _running:
        return {"kind": "notice", "error": _("An answer is still being written. Stop it first (Esc).")}
    if _holds_nul(action):
        return {"kind": "notice", "error": str(UNSTORABLE)}
    try:
        turn = await run_db(in_current_language(PREPARE[kind]), user, conversation_id, action)
    except HubError as exc:
        return {"kind": "notice", "error": exc.message}
    except (DataError, ValueError, TypeError):  # text the database refuses to store, or fields of the wrong type
        log.warning("chat message in conversation %s could not be stored", conversation_id, exc_info=True)
        return {"kind": "notice", "error": str(UNSTORABLE)}
    start_turn(turn)
    event: dict[str, Any] = {
        "kind": "turn",
        "title": turn.title,
        "answer": {"id": turn.answer.id, "model": turn.answer.model},
    }
    if turn.dropped_after is not None:
        event["dropped_after"] = turn.dropped_after
    client_id = action.get("client_id")
    if isinstance(client_id, str) and len(client_id) <= 64:
        event["client_id"] = client_id  # the page empties its composer only on this acknowledgement
    if turn.user_message is not None:
        event["user"] = message_json(turn.user_message, feedback={})  # a question: never rated
    await broadcast(conversation_id, event)
    return None


def _show_version(user: Any, conversation_id: int, answer_id: Any) -> dict[str, Any]:
    conversation = conversations.owned(user, conversation_id)
    try:
        hidden, shown = versions.show_version(conversation, int(answer_id))
    except (TypeError, ValueError) as exc:
        raise InvalidRequest("That version does not exist.") from exc
    return {"kind": "version", "hidden": hidden, "message": message_json(shown)}


async def show_version(user: Any, conversation_id: int, action: dict[str, Any]) -> dict[str, Any] | None:
    """Show another version of an answer, in every tab of the conversation."""
    if conversation_id in _running:
        return {"kind": "notice", "error": "An answer is still being written. Stop it first (Esc)."}
    try:
        event = await run_db(_show_version, user, conversation_id, action.get("message_id"))
    except HubError as exc:
        return {"kind": "notice", "error": exc.message}
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

    live, on_delta = live_deltas(outcome.parts, partial(broadcast, conversation_id), {"id": message_id})

    saving = asyncio.ensure_future(_keep_saving(message_id, outcome))
    serving: asyncio.Task[None] | None = None
    try:
        serving = await catch_up.serve(group_name(conversation_id), "chat.event", lambda: [_snapshot(running)])
        await stream_answer(turn.caller, turn.request, outcome, on_delta, before=_searching(turn, outcome))
    except asyncio.CancelledError:
        outcome.status = "cancelled"  # stopped: the gateway settled what was generated; keep the partial answer
    finally:
        saving.cancel()
        live.close()
        if serving is not None:
            serving.cancel()
        outcome.model = outcome.model or running.model
        await asyncio.shield(_finish(conversation_id, message_id, outcome))


def _searching(turn: conversations.Turn, outcome: Outcome) -> Callable[[], Awaitable[None]] | None:
    """The document search a turn needs before it is sent (its passages become the answer's sources)."""
    search = turn.search
    if search is None:
        return None

    async def run() -> None:
        outcome.sources = await document_search.search_into(turn.caller, turn.request, search)

    return run


async def _keep_saving(message_id: int, outcome: Outcome) -> None:
    """The answer's heartbeat: the text so far every few seconds, also while the model is still thinking."""
    while True:
        await asyncio.sleep(interrupted.SAVE_EVERY_SECONDS)
        await run_db(conversations.save_progress, message_id, "".join(outcome.parts), outcome.request_id)


def _finished(message_id: int, outcome: Outcome) -> dict[str, Any]:
    message = conversations.finish_message(message_id, outcome)
    total = format_cost(versions.billed_total(message.conversation))
    return {"kind": "done", **message_json(message), **outcome.as_json(), "total": total}


async def _finish(conversation_id: int, message_id: int, outcome: Outcome) -> None:
    await broadcast(conversation_id, await run_db(in_current_language(_finished), message_id, outcome))
