"""Embeddings upstream: the canonical request and result, and the call in each wire format that has them
(OpenAI-compatible `/embeddings`, Gemini `batchEmbedContents`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from llmhub.errors import InvalidRequest, UpstreamError
from llmhub.providers.base import Target, Usage
from llmhub.providers.http_base import post_json, reading
from llmhub.providers.openai_compat import usage_from_openai

EmbeddingInput = str | list[int]


@dataclass
class EmbeddingRequest:
    """Texts (or token-id arrays) to embed, in order; `dimensions` shortens the vectors where supported."""

    model: str
    inputs: list[EmbeddingInput]
    dimensions: int | None = None
    user: str | None = None


@dataclass
class Embeddings:
    vectors: list[list[float]]
    usage: Usage


def _estimated(request: EmbeddingRequest) -> Usage:
    tokens = sum(len(i) if isinstance(i, list) else max(1, len(i.encode()) // 4) for i in request.inputs)
    return Usage(prompt_tokens=tokens, estimated=True)


async def _openai(target: Target, request: EmbeddingRequest) -> Embeddings:
    headers = {"Content-Type": "application/json"}
    if target.provider.api_key:
        headers["Authorization"] = f"Bearer {target.provider.api_key}"
    payload: dict[str, Any] = {"model": target.upstream_model, "input": request.inputs, "encoding_format": "float"}
    if request.dimensions is not None:
        payload["dimensions"] = request.dimensions
    if request.user is not None:
        payload["user"] = request.user
    body = await post_json(target.provider, f"{target.provider.base_url}/embeddings", headers, payload)
    with reading(target.provider):
        rows = sorted(body["data"], key=lambda row: int(row.get("index", 0)))
        vectors = [[float(x) for x in row["embedding"]] for row in rows]
    if len(vectors) != len(request.inputs):
        raise UpstreamError(
            f"Upstream {target.provider.name} returned {len(vectors)} embeddings for {len(request.inputs)} inputs."
        )
    usage = usage_from_openai(body.get("usage")) or _estimated(request)
    return Embeddings(vectors=vectors, usage=usage)


async def _gemini(target: Target, request: EmbeddingRequest) -> Embeddings:
    model = "models/" + target.upstream_model.removeprefix("models/")
    requests = []
    for item in request.inputs:
        if not isinstance(item, str):
            raise InvalidRequest("Gemini embedding models take text inputs, not token arrays.", param="input")
        one: dict[str, Any] = {"model": model, "content": {"parts": [{"text": item}]}}
        if request.dimensions is not None:
            one["outputDimensionality"] = request.dimensions
        requests.append(one)
    url = f"{target.provider.base_url}/{model}:batchEmbedContents"
    headers = {"Content-Type": "application/json", "x-goog-api-key": target.provider.api_key}
    body = await post_json(target.provider, url, headers, {"requests": requests})
    with reading(target.provider):
        vectors = [[float(x) for x in row["values"]] for row in body["embeddings"]]
    if len(vectors) != len(request.inputs):
        raise UpstreamError(
            f"Upstream {target.provider.name} returned {len(vectors)} embeddings for {len(request.inputs)} inputs."
        )
    return Embeddings(vectors=vectors, usage=_estimated(request))  # Gemini reports no token counts here


async def embed_at(target: Target, request: EmbeddingRequest) -> Embeddings:
    """The embeddings of `request` from one deployment, or an UpstreamError (retryable where it should be)."""
    wire = target.provider.wire_format
    if wire == "openai":
        return await _openai(target, request)
    if wire == "gemini":
        return await _gemini(target, request)
    raise InvalidRequest(f"Provider {target.provider.name} ({wire}) does not serve embeddings.", param="model")
