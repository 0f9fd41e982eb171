"""Embeddings through the gateway: planned like chat (the key's allowlist, rate limits, budgets, the credit hold),
the model's deployments with retries and fallback, the usage bounded, one settlement."""

from __future__ import annotations

from dataclasses import dataclass

from billing.ledger import Settlement
from llmhub.catalog import ModelSpec, asnapshot, find_model
from llmhub.errors import InvalidRequest
from llmhub.gateway import charging
from llmhub.gateway.call import Call, Caller
from llmhub.gateway.fallback import with_fallback
from llmhub.gateway.metering import embedding_usage
from llmhub.gateway.planning import plan_for_chain
from llmhub.providers.base import ChatRequest
from llmhub.providers.embeddings import EmbeddingRequest, Embeddings, embed_at


@dataclass
class EmbeddingResult:
    embeddings: Embeddings
    settlement: Settlement
    call: Call


def serves_embeddings(spec: ModelSpec) -> bool:
    """Embedding models are the catalog rows that can produce no output tokens (max_output_tokens 0)."""
    return spec.max_output_tokens == 0


def _ceiling(request: EmbeddingRequest) -> int:
    """An upper estimate of the input tokens (2 bytes a token, as chat holds are sized)."""
    return sum(len(i) if isinstance(i, list) else len(i.encode()) // 2 + 1 for i in request.inputs)


async def embed(caller: Caller, request: EmbeddingRequest) -> EmbeddingResult:
    """Embed `request.inputs`, held and charged like a chat call (input tokens at the model's input price)."""
    spec = find_model((await asnapshot()).models, request.model)
    if not serves_embeddings(spec):
        raise InvalidRequest(
            f"Model '{spec.name}' is not an embedding model; try text-embedding-3-small.",
            code="model_not_embedding",
            param="model",
        )
    call = await plan_for_chain(
        caller, ChatRequest(model=request.model, messages=[]), [spec], prompt_ceiling=_ceiling(request)
    )
    async with charging.settled_on_failure(call, cancelled_code="cancelled"):
        embeddings = await with_fallback(call, lambda spec, target: embed_at(target, request))
    embeddings.usage = embedding_usage(call, embeddings.usage)
    settlement = await charging.settle(call, charging.usage_draft(call, embeddings.usage, "ok"))
    return EmbeddingResult(embeddings=embeddings, settlement=settlement, call=call)
