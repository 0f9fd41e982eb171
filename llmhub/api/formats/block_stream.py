"""The streaming run shared by the block-structured client formats (Anthropic messages, OpenAI Responses):
canonical chunks of the first choice become one text block or one block per tool call, opened and closed in turn."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator
from typing import Any

from llmhub.errors import HubError
from llmhub.gateway import Stream

_TEXT = ("text", -1)


class BlockStreamWriter(ABC):
    """Walks the first choice's deltas into blocks; a format says how a block opens, grows and closes."""

    def __init__(self) -> None:
        self._open_key: tuple[str, int] | None = None  # ("text", -1) or ("tool", OpenAI tool index)
        self.finish_reason: str | None = None

    # What a format writes -------------------------------------------------------------------------------
    @abstractmethod
    def start(self) -> bytes:
        """The stream's opening events."""

    @abstractmethod
    def open_text(self) -> bytes:
        """A text block opens."""

    @abstractmethod
    def text(self, piece: str) -> bytes:
        """Text added to the open text block."""

    @abstractmethod
    def open_tool(self, call_id: str | None, name: str | None) -> bytes:
        """A tool-call block opens."""

    @abstractmethod
    def tool_arguments(self, piece: str) -> bytes:
        """Argument JSON added to the open tool-call block."""

    @abstractmethod
    def close_block(self) -> bytes:
        """The open block closes."""

    @abstractmethod
    async def finish(self, usage: dict[str, Any]) -> bytes:
        """The stream ends well, with its usage."""

    @abstractmethod
    def error(self, exc: HubError) -> bytes:
        """The stream ends on an error."""

    # The shared walk ------------------------------------------------------------------------------------
    def close(self) -> bytes:
        """Close the open block, if there is one."""
        if self._open_key is None:
            return b""
        self._open_key = None
        return self.close_block()

    def _switch(self, key: tuple[str, int]) -> bytes:
        out = self.close()
        self._open_key = key
        return out

    def chunk(self, data: dict[str, Any]) -> bytes:
        out = b""
        for choice in data.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self._open_key != _TEXT:
                    out += self._switch(_TEXT) + self.open_text()
                out += self.text(delta["content"])
            for call in delta.get("tool_calls") or []:
                key = ("tool", int(call.get("index") or 0))
                function = call.get("function") or {}
                if self._open_key != key:
                    out += self._switch(key) + self.open_tool(call.get("id"), function.get("name"))
                if function.get("arguments"):
                    out += self.tool_arguments(function["arguments"])
            if choice.get("finish_reason"):
                self.finish_reason = choice["finish_reason"]
        return out


def served_model(session: Stream) -> str:
    """The model name a stream answers as: the one that served it, else the one asked for."""
    return session.call.served.name if session.call.served else session.call.request.model


async def relay_blocks(session: Stream, writer: BlockStreamWriter) -> AsyncIterator[bytes]:
    """Relay gateway events through a block writer: its opening, the chunks, then its finish or its error."""
    yield writer.start()
    async for event in session.events():
        if event.kind == "chunk":
            out = writer.chunk(event.data)
            if out:
                yield out
        elif event.kind == "usage":
            yield await writer.finish(event.data)
        elif event.error is not None:
            yield writer.error(event.error)
