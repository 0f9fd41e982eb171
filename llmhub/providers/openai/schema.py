"""The OpenAI chat-completions wire format as a schema: every upstream body and stream chunk is checked
against it before the hub reads it, so a malformed one is that upstream's failure, never a crash."""

from __future__ import annotations

from typing import Any, Required

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from llmhub.providers.wire_schema import conform

# TypedDicts: pydantic checks the shape without building objects, and keys the hub does not read pass through.


class _Function(TypedDict, total=False):
    name: str | None
    arguments: str | None


class _ToolCall(TypedDict, total=False):
    index: int
    id: str | None
    type: str | None
    function: _Function | None


class _Delta(TypedDict, total=False):
    role: str | None
    content: str | None
    reasoning_content: str | None
    reasoning: str | None
    refusal: str | None
    tool_calls: list[_ToolCall] | None


class _ChunkChoice(TypedDict, total=False):
    index: int
    delta: Required[_Delta]
    finish_reason: str | None


class _Chunk(TypedDict, total=False):
    choices: Required[list[_ChunkChoice]]
    usage: dict[str, Any] | None


class _Message(TypedDict, total=False):
    role: str | None
    content: str | None
    reasoning_content: str | None
    refusal: str | None
    tool_calls: list[_ToolCall] | None


class _Choice(TypedDict, total=False):
    index: int
    message: Required[_Message]
    finish_reason: str | None


class _Completion(TypedDict, total=False):
    choices: Required[list[_Choice]]
    usage: dict[str, Any] | None


_CHUNK = TypeAdapter(_Chunk)
_COMPLETION = TypeAdapter(_Completion)


def check_chunk(provider: str, chunk: dict[str, Any]) -> None:
    """Raise UpstreamError unless `chunk` is a chat.completion.chunk (a usage-only chunk has empty choices)."""
    conform(_CHUNK, chunk, provider, "sent a malformed stream chunk")


def check_completion(provider: str, body: dict[str, Any]) -> None:
    """Raise UpstreamError unless `body` is a chat.completion."""
    conform(_COMPLETION, body, provider, "returned a malformed completion")
