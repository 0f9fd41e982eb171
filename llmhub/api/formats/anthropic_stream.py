"""The client half of Anthropic's format: gateway stream events written as Anthropic's message stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.anthropic_response import STOP_REASONS, error_to_anthropic, usage_to_anthropic
from llmhub.errors import HubError
from llmhub.gateway import Stream


def _event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + jsonio.dumps_bytes(data) + b"\n\n"


class AnthropicStreamWriter:
    """Opens, fills and closes Anthropic content blocks as canonical chunks arrive."""

    def __init__(self, message_id: str, model: str, prompt_estimate: int) -> None:
        self.message_id, self.model, self.prompt_estimate = message_id, model, prompt_estimate
        self._open: tuple[str, int] | None = None  # ("text", -1) or ("tool", OpenAI tool index)
        self._blocks = 0
        self._stop_reason = "end_turn"

    def start(self) -> bytes:
        message: dict[str, Any] = {
            "id": self.message_id,
            "type": "message",
            "role": "assistant",
            "model": self.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            # The true input count is known only at the end; message_delta carries it.
            "usage": {"input_tokens": self.prompt_estimate, "output_tokens": 0},
        }
        return _event("message_start", {"type": "message_start", "message": message}) + _event("ping", {"type": "ping"})

    def _close(self) -> bytes:
        if self._open is None:
            return b""
        self._open = None
        self._blocks += 1
        return _event("content_block_stop", {"type": "content_block_stop", "index": self._blocks - 1})

    def _begin(self, key: tuple[str, int], block: dict[str, Any]) -> bytes:
        out = self._close()
        self._open = key
        start = {"type": "content_block_start", "index": self._blocks, "content_block": block}
        return out + _event("content_block_start", start)

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return _event("content_block_delta", {"type": "content_block_delta", "index": self._blocks, "delta": delta})

    def chunk(self, data: dict[str, Any]) -> bytes:
        out = b""
        for choice in data.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self._open != ("text", -1):
                    out += self._begin(("text", -1), {"type": "text", "text": ""})
                out += self._delta({"type": "text_delta", "text": delta["content"]})
            for call in delta.get("tool_calls") or []:
                key = ("tool", int(call.get("index") or 0))
                function = call.get("function") or {}
                if self._open != key:
                    block = {"type": "tool_use", "id": call.get("id"), "name": function.get("name"), "input": {}}
                    out += self._begin(key, block)
                if function.get("arguments"):
                    out += self._delta({"type": "input_json_delta", "partial_json": function["arguments"]})
            if choice.get("finish_reason"):
                self._stop_reason = STOP_REASONS.get(choice["finish_reason"], "end_turn")
        return out

    def finish(self, usage: dict[str, Any]) -> bytes:
        delta = {"type": "message_delta", "delta": {"stop_reason": self._stop_reason, "stop_sequence": None}}
        delta["usage"] = usage_to_anthropic(usage)
        return self._close() + _event("message_delta", delta) + _event("message_stop", {"type": "message_stop"})

    def error(self, exc: HubError) -> bytes:
        return self._close() + _event("error", error_to_anthropic(exc))


async def anthropic_sse(session: Stream) -> AsyncIterator[bytes]:
    """Relay gateway events as Anthropic's message stream."""
    message_id = "msg_" + session.call.request_id.removeprefix("req_")
    model = session.call.served.name if session.call.served else session.call.request.model
    writer = AnthropicStreamWriter(message_id, model, session.call.prompt_estimate)
    yield writer.start()
    async for event in session.events():
        if event.kind == "chunk":
            out = writer.chunk(event.data)
            if out:
                yield out
        elif event.kind == "usage":
            yield writer.finish(event.data)
        elif event.error is not None:
            yield writer.error(event.error)
