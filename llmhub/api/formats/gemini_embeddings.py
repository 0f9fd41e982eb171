"""Gemini's embeddings format at the edge: an embedContent or batchEmbedContents body parsed into the canonical
embedding request (snake_case or lowerCamel alike), and the vectors rendered as Gemini returns them."""

from __future__ import annotations

from typing import Any

from llmhub.api.formats.gemini_fields import camel
from llmhub.api.formats.gemini_response import usage_to_gemini
from llmhub.errors import InvalidRequest
from llmhub.gateway import EmbeddingResult
from llmhub.providers.embeddings import EmbeddingRequest

MAX_REQUESTS = 2048  # what /v1/embeddings takes in one call; Google's own limit is lower (100)
# Fields of one EmbedContentRequest that a batch must share: the hub makes one call for the batch.
SHARED = ("outputDimensionality", "taskType", "title")


def _text_of(content: Any, where: str) -> str:
    if not isinstance(content, dict) or not isinstance(content.get("parts"), list) or not content["parts"]:
        raise InvalidRequest(f"'{where}' must be an object with a non-empty 'parts' array.", param=where)
    texts = []
    for n, part in enumerate(content["parts"]):
        if not isinstance(part, dict) or not isinstance(part.get("text"), str):
            at = f"{where}.parts[{n}]"
            raise InvalidRequest(f"'{at}' must be a text part: the hub embeds text only.", param=at)
        texts.append(part["text"])
    text = "\n".join(texts)
    if not text:
        raise InvalidRequest(f"'{where}' has no text to embed.", param=where)
    return text


def _one(body: Any, model: str, where: str) -> tuple[str, dict[str, Any]]:
    """The text of one EmbedContentRequest and its options, each checked."""
    if not isinstance(body, dict):
        raise InvalidRequest(f"'{where or 'the request body'}' must be a JSON object.", param=where or None)
    fields = {camel(key): value for key, value in body.items()}
    prefix = f"{where}." if where else ""
    named = fields.get("model")
    if named is not None and str(named).removeprefix("models/") != model:
        raise InvalidRequest(
            f"'{prefix}model' is {named!r}, but the URL names models/{model}; they must match.", param=f"{prefix}model"
        )
    dimensions = fields.get("outputDimensionality")
    if dimensions is not None and (not isinstance(dimensions, int) or isinstance(dimensions, bool) or dimensions < 1):
        at = f"{prefix}outputDimensionality"
        raise InvalidRequest(f"'{at}' must be a positive integer.", param=at)
    for name in ("taskType", "title"):
        if fields.get(name) is not None and not isinstance(fields[name], str):
            raise InvalidRequest(f"'{prefix}{name}' must be a string.", param=f"{prefix}{name}")
    return _text_of(fields.get("content"), f"{prefix}content"), {name: fields.get(name) for name in SHARED}


def _request(model: str, items: list[tuple[str, dict[str, Any]]]) -> EmbeddingRequest:
    options = items[0][1]
    for n, (_, other) in enumerate(items):
        for name in SHARED:
            if other[name] != options[name]:
                where = f"requests[{n}].{name}"
                raise InvalidRequest(f"'{where}' must be the same in every request of a batch.", param=where)
    return EmbeddingRequest(
        model=model,
        inputs=[text for text, _ in items],
        dimensions=options["outputDimensionality"],
        task=options["taskType"],
        title=options["title"],
    )


def parse_embed_content(body: Any, model: str) -> EmbeddingRequest:
    """`:embedContent`: one content, one vector."""
    model = model.removeprefix("models/")
    return _request(model, [_one(body, model, "")])


def parse_batch_embed_contents(body: Any, model: str) -> EmbeddingRequest:
    """`:batchEmbedContents`: a vector for each of `requests`, in order."""
    model = model.removeprefix("models/")
    requests = body.get("requests") if isinstance(body, dict) else None
    if not isinstance(requests, list) or not 1 <= len(requests) <= MAX_REQUESTS:
        raise InvalidRequest(f"'requests' must be an array of 1 to {MAX_REQUESTS} requests.", param="requests")
    return _request(model, [_one(item, model, f"requests[{n}]") for n, item in enumerate(requests)])


def _usage(result: EmbeddingResult) -> dict[str, Any]:
    tokens = result.embeddings.usage.prompt_tokens
    settled = {"cost": result.settlement.charged, "credits_remaining": result.settlement.balance_after}
    body = usage_to_gemini({"prompt_tokens": tokens, "completion_tokens": 0, **settled})
    body.pop("candidatesTokenCount")
    return body


def render_embedding(result: EmbeddingResult) -> dict[str, Any]:
    return {"embedding": {"values": result.embeddings.vectors[0]}, "usageMetadata": _usage(result)}


def render_embeddings(result: EmbeddingResult) -> dict[str, Any]:
    return {
        "embeddings": [{"values": vector} for vector in result.embeddings.vectors],
        "usageMetadata": _usage(result),
    }
