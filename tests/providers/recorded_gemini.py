"""Gemini generateContent answers in the shapes Google sends them: usage by modality (an audio prompt, part
of it cached), thoughts, a grounded search, streamed chunks (`data:` lines, CRLF-framed), and an error body."""

from __future__ import annotations

import json
from typing import Any

MODEL = "gemini-2.5-flash"


def sse(chunks: list[dict[str, Any]]) -> list[bytes]:
    return [b"data: " + json.dumps(c, separators=(",", ":")).encode() + b"\r\n\r\n" for c in chunks]


def usage_metadata(
    *,
    text: int,
    audio: int = 0,
    image: int = 0,
    cached_text: int = 0,
    cached_audio: int = 0,
    output: int,
    thoughts: int = 0,
) -> dict[str, Any]:
    prompt = [{"modality": "TEXT", "tokenCount": text}]
    prompt += [{"modality": m, "tokenCount": n} for m, n in (("AUDIO", audio), ("IMAGE", image)) if n]
    metadata: dict[str, Any] = {
        "promptTokenCount": text + audio + image,
        "candidatesTokenCount": output,
        "totalTokenCount": text + audio + image + output + thoughts,
        "promptTokensDetails": prompt,
        "candidatesTokensDetails": [{"modality": "TEXT", "tokenCount": output}],
    }
    if thoughts:
        metadata["thoughtsTokenCount"] = thoughts
    if cached_text or cached_audio:
        metadata["cachedContentTokenCount"] = cached_text + cached_audio
        cache = [{"modality": "TEXT", "tokenCount": cached_text}]
        metadata["cacheTokensDetails"] = cache + (
            [{"modality": "AUDIO", "tokenCount": cached_audio}] if cached_audio else []
        )
    return metadata


def answer(text: str, metadata: dict[str, Any], *, thought: str | None = None) -> dict[str, Any]:
    parts: list[dict[str, Any]] = [{"text": thought, "thought": True}] if thought else []
    parts.append({"text": text})
    return {
        "candidates": [
            {
                "content": {"parts": parts, "role": "model"},
                "finishReason": "STOP",
                "index": 0,
                "groundingMetadata": {"webSearchQueries": ["what is said in the recording"]},
            }
        ],
        "usageMetadata": metadata,
        "modelVersion": MODEL,
        "responseId": "mFQ0aYfYLZKcz7IPkf6w6A4",
    }


def stream(texts: list[str], metadata: dict[str, Any]) -> list[dict[str, Any]]:
    """Chunks as Gemini streams them: each with the usage so far, the last with the finish reason and totals."""
    chunks = []
    for n, text in enumerate(texts):
        chunk = answer(text, {**metadata, "candidatesTokenCount": n + 1})
        del chunk["candidates"][0]["finishReason"], chunk["candidates"][0]["groundingMetadata"]
        chunks.append(chunk)
    final = answer("", metadata)
    chunks.append(final)
    return chunks


def code_execution(metadata: dict[str, Any]) -> dict[str, Any]:
    """An answer that ran code on Google's side: executableCode and codeExecutionResult parts beside the text."""
    body = answer("The sum is 5050.", metadata)
    body["candidates"][0]["content"]["parts"] = [
        {"text": "Let me compute it."},
        {"executableCode": {"language": "PYTHON", "code": "print(sum(range(101)))"}},
        {"codeExecutionResult": {"outcome": "OUTCOME_OK", "output": "5050\n"}},
        {"text": " The sum is 5050."},
    ]
    return body


ERROR = {
    "error": {
        "code": 400,
        "message": "Unable to process input image.",
        "status": "INVALID_ARGUMENT",
        "details": [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": []}],
    }
}
