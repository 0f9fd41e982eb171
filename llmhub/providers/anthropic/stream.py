"""The upstream half of Anthropic's format: its streaming events read as canonical chunks."""

from __future__ import annotations

import time
from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.anthropic.response import FINISH_REASONS, stream_error, usage_from_anthropic
from llmhub.providers.anthropic.schema import check_event
from llmhub.providers.base import StreamChunk, Usage, one_choice_chunk


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
        # Every block started, by index: input for a hosted tool's block (server_tool_use, mcp_tool_use) is
        # the upstream's own business, skipped; input for a block never started is a broken stream.
        self._started: set[int] = set()

    def _chunk(self, delta: dict[str, Any], finish: str | None = None, usage: Usage | None = None) -> StreamChunk:
        return one_choice_chunk(self._id, self._created, self._model, delta, finish, usage)

    def feed(self, event: dict[str, Any]) -> StreamChunk | None:
        check_event(self.provider, event)
        kind = event["type"]
        if kind == "message_start":
            message = event.get("message") or {}
            self._id, self._model = str(message.get("id") or ""), str(message.get("model") or "")
            self._raw_usage = dict(message.get("usage") or {})
            return self._chunk({"role": "assistant", "content": ""})
        if kind == "content_block_start":
            block = event.get("content_block") or {}
            self._started.add(event["index"])
            if block.get("type") == "tool_use":
                index = self._tool_index.setdefault(event["index"], len(self._tool_index))
                call = {"index": index, "id": block.get("id"), "type": "function"}
                call["function"] = {"name": block.get("name"), "arguments": ""}
                return self._chunk({"tool_calls": [call]})
            if block.get("type") == "text" and block.get("text"):
                return self._chunk({"content": block["text"]})
            return None
        if kind == "content_block_delta":
            return self._delta(event["index"], event.get("delta") or {})
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
            if block_index not in self._started:
                raise UpstreamError(f"Upstream {self.provider} sent tool input for a block it never started.")
            if block_index not in self._tool_index:
                return None  # a hosted tool's input: run by the upstream, not a call for the client
            call = {"index": self._tool_index[block_index], "function": {"arguments": delta.get("partial_json", "")}}
            return self._chunk({"tool_calls": [call]})
        return None
