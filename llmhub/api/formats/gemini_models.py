"""The model list and model detail in Gemini's shape (`models/{name}`, token limits, generation methods)."""

from __future__ import annotations

from typing import Any

from llmhub.catalog import ModelSpec, Snapshot
from llmhub.gateway import serves_embeddings

CHAT_METHODS = ["generateContent", "streamGenerateContent", "countTokens"]
EMBEDDING_METHODS = ["embedContent", "batchEmbedContents"]


def gemini_model(spec: ModelSpec) -> dict[str, Any]:
    return {
        "name": "models/" + spec.name,
        "baseModelId": spec.name,
        "version": "hub",
        "displayName": spec.name,
        "description": spec.description or f"{spec.family} model served by the hub",
        "inputTokenLimit": spec.context_window,
        "outputTokenLimit": spec.max_output_tokens,
        "supportedGenerationMethods": EMBEDDING_METHODS if serves_embeddings(spec) else CHAT_METHODS,
    }


def gemini_model_list(snap: Snapshot) -> dict[str, Any]:
    return {"models": [gemini_model(spec) for spec in snap.models.values()]}
