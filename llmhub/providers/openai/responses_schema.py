"""OpenAI's Responses wire format as a schema: the response body and every stream event the hub reads are
checked against it before they are read, so a malformed one is that upstream's failure, never a crash.

Strict on what money depends on (the usage counts, the output list); item and event types the hub does not
read (reasoning, hosted tool calls, ones added later) are only checked for having a type: they pass through.
"""

from __future__ import annotations

from typing import Annotated, Any, Required

from pydantic import Tag, TypeAdapter
from typing_extensions import TypedDict

from llmhub.providers.wire_schema import OTHER, Count, by_type, conform


class _Typed(TypedDict):
    type: str


class _InputDetails(TypedDict, total=False):
    cached_tokens: Count | None


class _OutputDetails(TypedDict, total=False):
    reasoning_tokens: Count | None


class _Usage(TypedDict, total=False):
    input_tokens: Required[Count]
    output_tokens: Required[Count]
    total_tokens: Count | None
    input_tokens_details: _InputDetails | None
    output_tokens_details: _OutputDetails | None


class _Text(TypedDict, total=False):
    type: Required[str]
    text: str
    refusal: str


class _MessageItem(TypedDict, total=False):
    type: Required[str]
    content: Required[list[_Text]]


class _FunctionCallItem(TypedDict, total=False):
    type: Required[str]
    call_id: Required[str]
    name: Required[str]
    arguments: Required[str]
    namespace: str | None


class _ReasoningPart(TypedDict, total=False):
    type: Required[str]
    text: str


class _ReasoningItem(TypedDict, total=False):
    type: Required[str]
    summary: list[_ReasoningPart] | None
    content: list[_ReasoningPart] | None


_Item = Annotated[
    Annotated[_MessageItem, Tag("message")]
    | Annotated[_FunctionCallItem, Tag("function_call")]
    | Annotated[_ReasoningItem, Tag("reasoning")]
    | Annotated[_Typed, Tag(OTHER)],
    by_type("message", "function_call", "reasoning"),
]


class _IncompleteDetails(TypedDict, total=False):
    reason: str | None


class _Response(TypedDict, total=False):
    id: str
    object: str
    model: str
    status: str | None
    output: Required[list[_Item]]
    usage: _Usage | None
    incomplete_details: _IncompleteDetails | None
    error: dict[str, Any] | None


class _Delta(TypedDict, total=False):
    type: Required[str]
    output_index: Count
    delta: Required[str]


class _ItemEvent(TypedDict, total=False):
    type: Required[str]
    output_index: Count
    item: Required[_Item]


class _ResponseEvent(TypedDict, total=False):
    type: Required[str]
    response: Required[_Response]


_Event = Annotated[
    Annotated[_Delta, Tag("response.output_text.delta")]
    | Annotated[_Delta, Tag("response.function_call_arguments.delta")]
    | Annotated[_Delta, Tag("response.reasoning_summary_text.delta")]
    | Annotated[_Delta, Tag("response.reasoning_text.delta")]
    | Annotated[_ItemEvent, Tag("response.output_item.added")]
    | Annotated[_ItemEvent, Tag("response.output_item.done")]
    | Annotated[_ResponseEvent, Tag("response.created")]
    | Annotated[_ResponseEvent, Tag("response.completed")]
    | Annotated[_ResponseEvent, Tag("response.incomplete")]
    | Annotated[_ResponseEvent, Tag("response.failed")]
    | Annotated[_Typed, Tag(OTHER)],
    by_type(
        "response.output_text.delta",
        "response.function_call_arguments.delta",
        "response.reasoning_summary_text.delta",
        "response.reasoning_text.delta",
        "response.output_item.added",
        "response.output_item.done",
        "response.created",
        "response.completed",
        "response.incomplete",
        "response.failed",
    ),
]


class _InputTokens(TypedDict, total=False):
    object: str
    input_tokens: Required[Count]


_RESPONSE = TypeAdapter(_Response)
_INPUT_TOKENS = TypeAdapter(_InputTokens)
_EVENT = TypeAdapter(_Event)


def check_response(provider: str, body: dict[str, Any]) -> None:
    """Raise UpstreamError unless `body` is a Response object."""
    conform(_RESPONSE, body, provider, "returned a malformed response", strict=True)


def check_event(provider: str, event: dict[str, Any]) -> None:
    """Raise UpstreamError unless `event` is a Responses stream event of the shape its type says."""
    conform(_EVENT, event, provider, "sent a malformed stream event", strict=True)


def check_input_tokens(provider: str, body: dict[str, Any]) -> None:
    """Raise UpstreamError unless `body` is an input-token count."""
    conform(_INPUT_TOKENS, body, provider, "returned a malformed input-token count", strict=True)
