"""The client half of Anthropic's format: gateway stream events written as Anthropic's message stream."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.anthropic_response import STOP_REASONS, error_to_anthropic, usage_to_anthropic
from llmhub.api.formats.block_stream import BlockStreamWriter, relay_blocks, served_model
from llmhub.errors import HubError
from llmhub.gateway import Stream


def sse_event(name: str, data: dict[str, Any]) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + jsonio.dumps_bytes(data) + b"\n\n"


class AnthropicStreamWriter(BlockStreamWriter):
    """Opens, fills and closes Anthropic content blocks as canonical chunks arrive."""

    def __init__(self, message_id: str, model: str, prompt_estimate: int) -> None:
        super().__init__()
        self.message_id, self.model, self.prompt_estimate = message_id, model, prompt_estimate
        self._blocks = 0

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
        return sse_event("message_start", {"type": "message_start", "message": message}) + sse_event(
            "ping", {"type": "ping"}
        )

    def _begin(self, block: dict[str, Any]) -> bytes:
        return sse_event(
            "content_block_start", {"type": "content_block_start", "index": self._blocks, "content_block": block}
        )

    def _delta(self, delta: dict[str, Any]) -> bytes:
        return sse_event("content_block_delta", {"type": "content_block_delta", "index": self._blocks, "delta": delta})

    def open_text(self) -> bytes:
        return self._begin({"type": "text", "text": ""})

    def text(self, piece: str) -> bytes:
        return self._delta({"type": "text_delta", "text": piece})

    def open_tool(self, call_id: str | None, name: str | None) -> bytes:
        return self._begin({"type": "tool_use", "id": call_id, "name": name, "input": {}})

    def tool_arguments(self, piece: str) -> bytes:
        return self._delta({"type": "input_json_delta", "partial_json": piece})

    def close_block(self) -> bytes:
        self._blocks += 1
        return sse_event("content_block_stop", {"type": "content_block_stop", "index": self._blocks - 1})

    async def finish(self, usage: dict[str, Any]) -> bytes:
        stop_reason = STOP_REASONS.get(self.finish_reason or "", "end_turn")
        delta = {"type": "message_delta", "delta": {"stop_reason": stop_reason, "stop_sequence": None}}
        delta["usage"] = usage_to_anthropic(usage)
        return self.close() + sse_event("message_delta", delta) + sse_event("message_stop", {"type": "message_stop"})

    def error(self, exc: HubError) -> bytes:
        return self.close() + sse_event("error", error_to_anthropic(exc))


def anthropic_sse(session: Stream) -> AsyncIterator[bytes]:
    """Relay gateway events as Anthropic's message stream."""
    message_id = "msg_" + session.call.request_id.removeprefix("req_")
    writer = AnthropicStreamWriter(message_id, served_model(session), session.call.prompt_estimate)
    return relay_blocks(session, writer)
