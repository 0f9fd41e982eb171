"""Websocket consumers of the chat and compare pages: check the owner, join the group, relay events."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from chat import chat_turns, compare_runs, conversations
from llmhub.infra.db_executor import run_db

log = logging.getLogger("llmhub.chat")
REFUSED = 4403  # not signed in, or not the owner


class _JsonConsumer(AsyncJsonWebsocketConsumer):
    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return None  # garbage from the browser is an unknown action, not a crash

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any) -> None:
        """Any frame gets an answer and the socket lives on: a binary frame or one whose handling failed gets
        an error notice (the failure is logged), never a closed socket."""
        if text_data is None:
            await self.send_json({"kind": "notice", "error": _("Unknown action.")})
            return
        try:
            await super().receive(text_data=text_data, **kwargs)
        except Exception:
            log.exception("a websocket frame could not be handled")
            await self.send_json({"kind": "notice", "error": _("That request could not be handled.")})

    async def disconnect(self, code: int) -> None:
        if hasattr(self, "watching"):
            self.watching.cancel()
        if hasattr(self, "group"):
            await self.channel_layer.group_discard(self.group, self.channel_name)


class ChatConsumer(_JsonConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.conversation_id = int(self.scope["url_route"]["kwargs"]["conversation_id"])
        if not await run_db(conversations.may_open, self.user, self.conversation_id):
            await self.close(code=REFUSED)
            return
        self.group = chat_turns.group_name(self.conversation_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._catch_up()
        self.watching = asyncio.ensure_future(chat_turns.watch_for_interrupted(self.conversation_id))

    async def _catch_up(self) -> None:
        """The answer being written, so far (by this process or, through the channel layer, another)."""
        await self.send_json(chat_turns.live_state(self.conversation_id))
        await chat_turns.catch_up_from_elsewhere(self.conversation_id, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "catch_up":
            await self._catch_up()  # the page missed deltas (a slow socket's channel overflowed): ask again
            return
        reply = await chat_turns.handle_action(self.user, self.conversation_id, content)
        if reply is not None:
            await self.send_json(reply)

    async def chat_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])

    async def chat_stop(self, message: dict[str, Any]) -> None:
        chat_turns.stop_local(self.conversation_id)


class CompareConsumer(_JsonConsumer):
    async def connect(self) -> None:
        self.user = self.scope.get("user")
        self.run_id = int(self.scope["url_route"]["kwargs"]["run_id"])
        if not await run_db(compare_runs.may_open, self.user, self.run_id):
            await self.close(code=REFUSED)
            return
        self.group = compare_runs.group_name(self.run_id)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        for event in await compare_runs.join(self.run_id, self.channel_name):
            await self.send_json(event)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("action") == "stop":
            compare_runs.stop(self.run_id)

    async def compare_event(self, message: dict[str, Any]) -> None:
        await self.send_json(message["event"])
