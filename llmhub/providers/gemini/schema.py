"""Gemini's GenerateContentResponse as a schema: every generateContent body and streamGenerateContent chunk
is checked against it before the hub reads it, so a malformed one is that upstream's failure, never a crash."""

from __future__ import annotations

from typing import Any, Required

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from llmhub.providers.wire_schema import Count, conform

# Checked strictly (a count is a JSON number, a flag a JSON boolean): Gemini sends exactly these types.
# TypedDicts: pydantic checks the shape without building objects, and keys the hub does not read pass through
# (safetyRatings, citationMetadata, groundingMetadata, a part's inlineData or executableCode, and the like).
# An `error` body or event is read before the schema applies, by check_blocked.


class _FunctionCall(TypedDict, total=False):
    id: str
    name: Required[str]
    args: dict[str, Any]


class _Part(TypedDict, total=False):
    text: str
    thought: bool
    functionCall: _FunctionCall


class _Content(TypedDict, total=False):
    role: str
    parts: list[_Part]


class _Candidate(TypedDict, total=False):
    content: _Content
    finishReason: str
    index: Count


class _PromptFeedback(TypedDict, total=False):
    blockReason: str


class _ModalityCount(TypedDict, total=False):
    """Tokens of one modality (TEXT, IMAGE, AUDIO, VIDEO, DOCUMENT); Gemini leaves out a count of zero."""

    modality: Required[str]
    tokenCount: Count


class _UsageMetadata(TypedDict, total=False):
    promptTokenCount: Count
    candidatesTokenCount: Count
    cachedContentTokenCount: Count
    toolUsePromptTokenCount: Count
    thoughtsTokenCount: Count
    totalTokenCount: Count
    promptTokensDetails: list[_ModalityCount]
    cacheTokensDetails: list[_ModalityCount]
    candidatesTokensDetails: list[_ModalityCount]


class _Response(TypedDict, total=False):
    candidates: list[_Candidate]
    promptFeedback: _PromptFeedback
    usageMetadata: _UsageMetadata
    modelVersion: str
    responseId: str


_RESPONSE = TypeAdapter(_Response)


def check_response(provider: str, body: dict[str, Any]) -> None:
    """Raise UpstreamError unless `body` is a GenerateContentResponse."""
    conform(_RESPONSE, body, provider, "returned a malformed response", strict=True)


def check_chunk(provider: str, chunk: dict[str, Any]) -> None:
    """Raise UpstreamError unless `chunk` is a streamed GenerateContentResponse."""
    conform(_RESPONSE, chunk, provider, "sent a malformed stream chunk", strict=True)
