"""Embeddings from one deployment, through the adapter of the wire format its provider speaks
(`openai/embeddings.py`, `gemini/embeddings.py`). The canonical types live in `base.py`."""

from __future__ import annotations

from llmhub.providers.base import EmbeddingInput, EmbeddingRequest, Embeddings, Target
from llmhub.providers.registry import adapter_for

__all__ = ["EmbeddingInput", "EmbeddingRequest", "Embeddings", "embed_at"]


async def embed_at(target: Target, request: EmbeddingRequest) -> Embeddings:
    """The embeddings of `request` from one deployment, or an UpstreamError (retryable where it should be)."""
    return await adapter_for(target.provider.wire_format).embed(target, request)
