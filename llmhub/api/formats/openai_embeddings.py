"""OpenAI's embeddings format at the edge: parse a /v1/embeddings body, render vectors as float or base64."""

from __future__ import annotations

import base64
import struct
from typing import Any

from llmhub.errors import InvalidRequest
from llmhub.gateway import EmbeddingResult
from llmhub.providers.embeddings import EmbeddingInput, EmbeddingRequest

MAX_INPUTS = 2048
KNOWN_FIELDS = {"model", "input", "dimensions", "encoding_format", "user"}


def _is_token_array(value: Any) -> bool:
    return (
        isinstance(value, list) and bool(value) and all(isinstance(t, int) and not isinstance(t, bool) for t in value)
    )


def _inputs(raw: Any) -> list[EmbeddingInput]:
    if isinstance(raw, str) and raw:
        return [raw]
    if _is_token_array(raw):
        return [list(raw)]
    if isinstance(raw, list) and raw and len(raw) <= MAX_INPUTS:
        if all(isinstance(i, str) and i for i in raw):
            return list(raw)
        if all(_is_token_array(i) for i in raw):
            return [list(i) for i in raw]
    raise InvalidRequest(
        f"'input' must be a non-empty string, or an array of 1 to {MAX_INPUTS} non-empty strings (or token arrays).",
        param="input",
    )


def parse_embedding_request(body: Any) -> tuple[EmbeddingRequest, str]:
    """The canonical request and the encoding the client asked for ("float" or "base64")."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    unknown = sorted(set(body) - KNOWN_FIELDS)
    if unknown:
        raise InvalidRequest(f"Unknown field '{unknown[0]}' in an embeddings request.", param=unknown[0])
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required, e.g. \"text-embedding-3-small\".", param="model")
    dimensions = body.get("dimensions")
    if dimensions is not None and (not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1):
        raise InvalidRequest("'dimensions' must be a positive integer.", param="dimensions")
    encoding = body.get("encoding_format") or "float"
    if encoding not in ("float", "base64"):
        raise InvalidRequest("'encoding_format' must be float or base64.", param="encoding_format")
    user = body.get("user")
    request = EmbeddingRequest(
        model=model,
        inputs=_inputs(body.get("input")),
        dimensions=dimensions,
        user=user if isinstance(user, str) else None,
    )
    return request, encoding


def _encoded(vector: list[float], encoding: str) -> list[float] | str:
    if encoding == "base64":
        return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode("ascii")
    return vector


def render_embeddings(result: EmbeddingResult, encoding: str) -> dict[str, Any]:
    usage = result.embeddings.usage
    assert result.call.served is not None
    return {
        "object": "list",
        "data": [
            {"object": "embedding", "index": n, "embedding": _encoded(vector, encoding)}
            for n, vector in enumerate(result.embeddings.vectors)
        ],
        "model": result.call.served.name,
        "usage": {
            "prompt_tokens": usage.prompt_tokens,
            "total_tokens": usage.prompt_tokens,
            "cost": result.settlement.charged,
            "credits_remaining": result.settlement.balance_after,
        },
    }
