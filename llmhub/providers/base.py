"""The one provider interface and the canonical types every adapter speaks.

The canonical request and chunk shapes are OpenAI's chat-completions JSON: adapters for other wire
formats translate to and from it, so the gateway, billing and chat never see a provider's own format.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from llmhub.errors import HubError


@dataclass
class Usage:
    """Token counts as the upstream reported them (prompt_tokens includes cache reads and writes)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    images: int = 0
    # Tokens among the counts above that a model may price at their own rate (catalog.pricing.DETAIL_OF):
    # {"input_audio": n} of the uncached prompt, {"cache_write_1h": n} of the cache writes, ...
    token_details: dict[str, int] = field(default_factory=dict)
    # Hosted (server-side) tool calls the upstream ran and bills per call: {"web_search": 2, "web_fetch": 1}.
    server_tool_requests: dict[str, int] = field(default_factory=dict)
    upstream_cost: Decimal | None = None
    estimated: bool = False
    clamped: bool = False  # the upstream reported more than the request could use; cut to the bound

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class NativeRequest:
    """The client's own body, in its wire format, kept beside the canonical form: an upstream that speaks
    that format natively gets it unchanged (but for what the hub owns: model id, auth, stream-usage opt-in,
    the output cap it held for), unknown fields included, and its answer is relayed as it came."""

    wire_format: str  # "openai" (chat completions), "responses", "anthropic", "gemini"
    body: dict[str, Any]
    # The provider's own request headers the client sent (anthropic-beta, anthropic-version, openai-beta, ...).
    headers: dict[str, str] = field(default_factory=dict)
    # An endpoint beside the format's main one, under its path ("compact": POST /responses/compact). Only an
    # upstream that speaks the format natively can serve it: nothing translates it.
    endpoint: str = ""


@dataclass
class ChatRequest:
    """A chat request in canonical (OpenAI) form. `params` holds every other OpenAI field, forwarded as is.

    `native` is the client's own body when it came in another format (or the same): used instead of the
    canonical form by an upstream that speaks that format natively. `untranslatable` is the 400 for what the
    canonical form cannot carry (a part or tool only the client's format has): raised when the chosen
    upstream needs a translation, moot when the body passes through."""

    model: str
    messages: list[dict[str, Any]]
    params: dict[str, Any] = field(default_factory=dict)
    stream: bool = False
    include_usage: bool = False
    fallbacks: list[str] = field(default_factory=list)
    native: NativeRequest | None = None
    # Fields of the client's request the canonical form could not carry (named in `x-llmhub-dropped` when
    # the request is translated; a passthrough carries them all).
    dropped: list[str] = field(default_factory=list)
    untranslatable: HubError | None = None


@dataclass(frozen=True)
class ProviderConfig:
    """One configured upstream: its name, kind, the wire format requests are translated to, and every
    format it speaks natively (a request already in one of those passes through)."""

    name: str
    wire_format: str
    base_url: str
    api_key: str = field(default="", repr=False)
    kind: str = ""
    speaks: tuple[str, ...] = ()

    def speaks_natively(self, wire_format: str) -> bool:
        return wire_format in (self.speaks or (self.wire_format,))


@dataclass(frozen=True)
class Target:
    """One place a model can be called: a provider and that provider's id for the model."""

    provider: ProviderConfig
    upstream_model: str
    priority: int = 100  # lower is tried first
    weight: int = 100  # share of traffic among deployments of the same priority


@dataclass
class Completion:
    body: dict[str, Any]  # an OpenAI chat.completion object (as far as it translates)
    usage: Usage
    # Passthrough: the upstream's own body in the client's wire format, relayed with the hub's usage fields.
    native: dict[str, Any] | None = None


@dataclass
class StreamChunk:
    """An OpenAI chat.completion.chunk (data), and the usage when the upstream reported it in this chunk.

    Passthrough: `raw` is the upstream's event in the client's format, framed as received, relayed as is;
    `final` events (the ones that carry the usage, and the stream's end) are held back and written by the
    client's format once the request is settled, with the hub's cost added (`native_event` is the parsed
    event for that). `data`, when set, is the same event as a canonical chunk (metering, the chat)."""

    data: dict[str, Any] | None
    usage: Usage | None = None
    raw: bytes | None = None
    final: bool = False
    native_event: dict[str, Any] | None = None


def chunk_body(chunk_id: str, created: int, model: str, choices: list[dict[str, Any]]) -> dict[str, Any]:
    """A canonical (OpenAI) stream chunk's body, as every stream reader builds it."""
    return {"id": chunk_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": choices}


def one_choice_chunk(
    chunk_id: str, created: int, model: str, delta: dict[str, Any], finish: str | None, usage: Usage | None
) -> StreamChunk:
    """A canonical stream chunk with one choice (what the Anthropic and Responses readers emit)."""
    choice = {"index": 0, "delta": delta, "finish_reason": finish}
    return StreamChunk(data=chunk_body(chunk_id, created, model, [choice]), usage=usage)


EmbeddingInput = str | list[int]


@dataclass
class EmbeddingRequest:
    """Texts (or token-id arrays) to embed, in order; `dimensions` shortens the vectors where supported.
    `task` and `title` (Gemini's taskType, e.g. RETRIEVAL_QUERY, and a document's title) tune the vectors on
    upstreams that take them; others have no such setting and ignore them."""

    model: str
    inputs: list[EmbeddingInput]
    dimensions: int | None = None
    user: str | None = None
    task: str | None = None
    title: str | None = None


@dataclass
class Embeddings:
    vectors: list[list[float]]
    usage: Usage


def estimated_embedding_usage(request: EmbeddingRequest) -> Usage:
    """The hub's own count of an embedding request's tokens, for upstreams that report none."""
    tokens = sum(len(i) if isinstance(i, list) else max(1, len(i.encode()) // 4) for i in request.inputs)
    return Usage(prompt_tokens=tokens, estimated=True)


class ProviderAdapter(abc.ABC):
    """Speaks one wire format. Raises llmhub.errors.UpstreamError (and subclasses) on failure."""

    wire_format: str

    async def embed(self, target: Target, request: EmbeddingRequest) -> Embeddings:
        """The embeddings of `request` from one deployment; formats without embeddings refuse."""
        from llmhub.errors import InvalidRequest

        raise InvalidRequest(
            f"Provider {target.provider.name} ({self.wire_format}) does not serve embeddings.", param="model"
        )

    @abc.abstractmethod
    async def complete(self, target: Target, request: ChatRequest) -> Completion: ...

    @abc.abstractmethod
    def stream(self, target: Target, request: ChatRequest) -> AsyncIterator[StreamChunk]:
        """Yield canonical chunks as they arrive; the last carries usage when the upstream gives it."""
