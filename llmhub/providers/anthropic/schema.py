"""Anthropic's Messages wire format as a schema: the response body and every stream event the hub reads are
checked against it before they are read, so a malformed one is that upstream's failure, never a crash."""

from __future__ import annotations

from typing import Annotated, Any, Required

from pydantic import Tag, TypeAdapter
from typing_extensions import TypedDict

from llmhub.providers.wire_schema import OTHER, Count, by_type, conform

# Checked strictly (a count is a JSON number, a flag a JSON boolean): Anthropic sends exactly these types.
# TypedDicts: pydantic checks the shape without building objects, and keys the hub does not read pass through.
# Block, delta and event types the hub does not read (redacted_thinking, signature_delta, ones added later)
# are only checked for having a type: Anthropic adds types, and the readers skip the ones they do not know.


class _Typed(TypedDict):
    type: str


class _TextBlock(TypedDict):
    type: str
    text: str


class _ThinkingBlock(TypedDict, total=False):
    type: Required[str]
    thinking: Required[str]
    signature: str


class _ToolUseBlock(TypedDict):
    type: str
    id: str
    name: str
    input: dict[str, Any]


_Block = Annotated[
    Annotated[_TextBlock, Tag("text")]
    | Annotated[_ThinkingBlock, Tag("thinking")]
    | Annotated[_ToolUseBlock, Tag("tool_use")]
    | Annotated[_Typed, Tag(OTHER)],
    by_type("text", "thinking", "tool_use"),
]


class _ServerToolUse(TypedDict, total=False):
    """Hosted tool calls the upstream ran (billed per call); tools added later pass, unread unless whole counts."""

    web_search_requests: Count
    web_fetch_requests: Count


class _CacheCreation(TypedDict, total=False):
    """The cache writes by lifetime (their sum is cache_creation_input_tokens)."""

    ephemeral_5m_input_tokens: Count
    ephemeral_1h_input_tokens: Count


class _Usage(TypedDict, total=False):
    input_tokens: Required[Count]
    output_tokens: Required[Count]
    cache_creation_input_tokens: Count | None
    cache_read_input_tokens: Count | None
    cache_creation: _CacheCreation | None
    server_tool_use: _ServerToolUse | None


class _Message(TypedDict, total=False):
    type: str
    id: str
    model: str
    content: Required[list[_Block]]
    stop_reason: str | None
    usage: _Usage


# --- stream events --------------------------------------------------------------------------------------


class _TextDelta(TypedDict):
    type: str
    text: str


class _ThinkingDelta(TypedDict):
    type: str
    thinking: str


class _InputJsonDelta(TypedDict):
    type: str
    partial_json: str


_Delta = Annotated[
    Annotated[_TextDelta, Tag("text_delta")]
    | Annotated[_ThinkingDelta, Tag("thinking_delta")]
    | Annotated[_InputJsonDelta, Tag("input_json_delta")]
    | Annotated[_Typed, Tag(OTHER)],
    by_type("text_delta", "thinking_delta", "input_json_delta"),
]


class _MessageStart(TypedDict):
    type: str
    message: _Message


class _BlockStart(TypedDict):
    type: str
    index: Count
    content_block: _Block


class _BlockDelta(TypedDict):
    type: str
    index: Count
    delta: _Delta


class _BlockStop(TypedDict):
    type: str
    index: Count


class _StopDelta(TypedDict, total=False):
    stop_reason: str | None
    stop_sequence: str | None


class _DeltaUsage(TypedDict, total=False):
    """Cumulative: output_tokens always; the input and cache counts on newer API versions, or null."""

    output_tokens: Required[Count]
    input_tokens: Count | None
    cache_creation_input_tokens: Count | None
    cache_read_input_tokens: Count | None
    cache_creation: _CacheCreation | None
    server_tool_use: _ServerToolUse | None


class _MessageDelta(TypedDict):
    type: str
    delta: _StopDelta
    usage: _DeltaUsage


class _Error(TypedDict, total=False):
    type: str
    message: str


class _ErrorEvent(TypedDict):
    type: str
    error: _Error


# message_stop and ping carry nothing the hub reads: like unknown event types they need only a type.
_Event = Annotated[
    Annotated[_MessageStart, Tag("message_start")]
    | Annotated[_BlockStart, Tag("content_block_start")]
    | Annotated[_BlockDelta, Tag("content_block_delta")]
    | Annotated[_BlockStop, Tag("content_block_stop")]
    | Annotated[_MessageDelta, Tag("message_delta")]
    | Annotated[_ErrorEvent, Tag("error")]
    | Annotated[_Typed, Tag(OTHER)],
    by_type(
        "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "error"
    ),
]

_MESSAGE = TypeAdapter(_Message)
_EVENT: TypeAdapter[Any] = TypeAdapter(_Event)


def check_message(provider: str, body: dict[str, Any]) -> None:
    """Raise UpstreamError unless `body` is a Messages API response (an `error` body is read before this)."""
    conform(_MESSAGE, body, provider, "returned a malformed message", strict=True)


def check_event(provider: str, event: dict[str, Any]) -> None:
    """Raise UpstreamError unless `event` is one of the Messages stream's events."""
    conform(_EVENT, event, provider, "sent a malformed stream event", strict=True)
