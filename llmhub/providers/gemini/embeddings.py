"""Gemini's `batchEmbedContents`: the request written and the vectors read (Gemini reports no token counts)."""

from __future__ import annotations

from typing import Any

from llmhub.errors import InvalidRequest, UpstreamError
from llmhub.providers.base import EmbeddingRequest, Embeddings, Target, estimated_embedding_usage
from llmhub.providers.http_base import post_json, reading


async def gemini_embeddings(target: Target, request: EmbeddingRequest) -> Embeddings:
    model = "models/" + target.upstream_model.removeprefix("models/")
    requests = []
    for item in request.inputs:
        if not isinstance(item, str):
            raise InvalidRequest("Gemini embedding models take text inputs, not token arrays.", param="input")
        one: dict[str, Any] = {"model": model, "content": {"parts": [{"text": item}]}}
        if request.dimensions is not None:
            one["outputDimensionality"] = request.dimensions
        if request.task is not None:
            one["taskType"] = request.task
        if request.title is not None:
            one["title"] = request.title
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
    return Embeddings(vectors=vectors, usage=estimated_embedding_usage(request))
