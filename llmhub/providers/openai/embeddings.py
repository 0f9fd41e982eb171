"""OpenAI-compatible `/embeddings`: the request written and the answer read (vectors in order, usage)."""

from __future__ import annotations

from typing import Any

from llmhub.errors import UpstreamError
from llmhub.providers.base import EmbeddingRequest, Embeddings, Target, estimated_embedding_usage
from llmhub.providers.http_base import post_json, reading
from llmhub.providers.openai.usage import usage_from_openai


async def openai_embeddings(target: Target, request: EmbeddingRequest) -> Embeddings:
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
    usage = usage_from_openai(body.get("usage")) or estimated_embedding_usage(request)
    return Embeddings(vectors=vectors, usage=usage)
