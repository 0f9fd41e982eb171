"""Embeddings through the gateway: the model's deployments, a credit hold, retries and fallback, one settlement."""

from __future__ import annotations

from dataclasses import dataclass

from billing.ledger import Settlement
from llmhub.catalog import ModelSpec, asnapshot, find_model, worst_case_cost
from llmhub.errors import InvalidRequest
from llmhub.gateway import charging
from llmhub.gateway.call import Call, Caller
from llmhub.gateway.fallback import with_fallback
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
    call = Call(caller=caller, request=ChatRequest(model=request.model, messages=[]), chain=[spec])
    call.prompt_estimate = _ceiling(request) // 2
    hold = worst_case_cost(prompt_tokens=_ceiling(request), max_output_tokens=0, images=0, prices=spec.prices)
    await charging.admit(
        team_id=caller.team_id,
        user_id=caller.user_id,
        key_id=caller.key_id,
        request_id=call.request_id,
        amount=hold,
        prompt_tokens=call.prompt_estimate,
    )
    async with charging.settled_on_failure(call, cancelled_code="cancelled"):
        embeddings = await with_fallback(call, lambda spec, target: embed_at(target, request))
    settlement = await charging.settle(call, charging.usage_draft(call, embeddings.usage, "ok"))
    return EmbeddingResult(embeddings=embeddings, settlement=settlement, call=call)
