"""Anthropic's streaming events ⇄ canonical chunks: reading an upstream stream, writing an inbound one."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.errors import HubError, UpstreamError
from llmhub.providers.base import StreamChunk, Usage
from llmhub.streaming import StreamSession
from llmhub.translate.anthropic_messages import (
    FINISH_REASONS,
    STOP_REASONS,
    error_to_anthropic,
    stream_error,
    usage_from_anthropic,
    usage_to_anthropic,
)

# --- Anthropic events → canonical chunks (the upstream adapter) -----------------------------------------


class AnthropicStreamReader:
    """Turns Anthropic SSE events into OpenAI chunks; `finished` once message_stop has arrived."""

    def __init__(self, provider: str) -> None:
        self.provider = provider
        self.finished = False
        self._id = ""
        self._model = ""
        self._created = int(time.time())
        self._raw_usage: dict[str, Any] = {}
        self._tool_index: dict[int, int] = {}  # content block index → OpenAI tool_calls index

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, usage: Usage | None = None) -> StreamChunk:
        data = {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return StreamChunk(data=data, usage=usage)

    def feed(self, event: dict[str, Any]) -> StreamChunk | None:
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self._id, self._model = str(message.get("id") or ""), str(message.get("model") or "")
            self._raw_usage = dict(message.get("usage") or {})
            return self._chunk({"role": "assistant", "content": ""})
        if kind == "content_block_start":
            block = event.get("content_block") or {}
            if block.get("type") == "tool_use":
                index = self._tool_index.setdefault(int(event.get("index") or 0), len(self._tool_index))
                call = {"index": index, "id": block.get("id"), "type": "function"}
                call["function"] = {"name": block.get("name"), "arguments": ""}
                return self._chunk({"tool_calls": [call]})
            if block.get("type") == "text" and block.get("text"):
                return self._chunk({"content": block["text"]})
            return None
        if kind == "content_block_delta":
            return self._delta(int(event.get("index") or 0), event.get("delta") or {})
        if kind == "message_delta":
            self._raw_usage.update({k: v for k, v in (event.get("usage") or {}).items() if v is not None})
            reason = (event.get("delta") or {}).get("stop_reason")
            return self._chunk({}, FINISH_REASONS.get(reason or "", "stop"), usage_from_anthropic(self._raw_usage))
        if kind == "message_stop":
            self.finished = True
        elif kind == "error":
            raise stream_error(event, self.provider)
        return None  # ping, content_block_stop and event types added later

    def _delta(self, block_index: int, delta: dict[str, Any]) -> StreamChunk | None:
        kind = delta.get("type")
        if kind == "text_delta":
            return self._chunk({"content": str(delta.get("text") or "")})
        if kind == "thinking_delta":
            return self._chunk({"reasoning_content": str(delta.get("thinking") or "")})
        if kind == "input_json_delta":
            if block_index not in self._tool_index:
                raise UpstreamError(f"Upstream {self.provider} sent tool input for a block it never started.")
            call = {"index": self._tool_index[block_index], "function": {"arguments": delta.get("partial_json", "")}}
            return self._chunk({"tool_calls": [call]})
        return None


# --- canonical chunks → Anthropic events (the inbound /v1/messages endpoint) ----------------------------


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


async def anthropic_sse(session: StreamSession) -> AsyncIterator[bytes]:
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
