"""The client half of Gemini's format: completions, stream events, usage and errors rendered as Gemini's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.block_stream import served_model
from llmhub.errors import HubError
from llmhub.gateway import Stream
from llmhub.providers.content_parts import lenient_arguments

# OpenAI finish_reason → Gemini finishReason.
GEMINI_REASONS = {"stop": "STOP", "tool_calls": "STOP", "length": "MAX_TOKENS", "content_filter": "SAFETY"}
# HTTP status → google.rpc status name.
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    402: "FAILED_PRECONDITION",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    405: "UNIMPLEMENTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}


def usage_to_gemini(usage: dict[str, Any]) -> dict[str, Any]:
    """usageMetadata from the gateway's usage JSON, plus the hub's `cost` and `creditsRemaining`."""
    reasoning = int((usage.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    prompt, completion = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    body: dict[str, Any] = {
        "promptTokenCount": prompt,
        "candidatesTokenCount": completion - reasoning,
        "totalTokenCount": prompt + completion,
    }
    cached = int((usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    if cached:
        body["cachedContentTokenCount"] = cached
    if reasoning:
        body["thoughtsTokenCount"] = reasoning
    if "cost" in usage:
        body["cost"] = usage["cost"]
    if "credits_remaining" in usage:
        body["creditsRemaining"] = usage["credits_remaining"]
    return body


def native_usage(upstream: Any, usage: dict[str, Any]) -> dict[str, Any]:
    """An upstream's own usageMetadata (passthrough) with the counts the hub billed, its cost and credits:
    fields the hub does not read (promptTokensDetails, trafficType, ...) stay as the upstream sent them."""
    upstream = upstream if isinstance(upstream, dict) else {}
    body = {**upstream, **usage_to_gemini(usage)}
    tool_use = upstream.get("toolUsePromptTokenCount")
    if isinstance(tool_use, int) and not isinstance(tool_use, bool):
        body["promptTokenCount"] -= tool_use  # the hub bills them as prompt; Gemini counts them apart
    return body


def _parts_to_gemini(content: Any, tool_calls: list[dict[str, Any]]) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": content}] if content else []
    for call in tool_calls:
        function = call.get("function") or {}
        args = lenient_arguments(function.get("arguments"))
        parts.append({"functionCall": {"id": call.get("id"), "name": function.get("name"), "args": args}})
    return parts or [{"text": ""}]


def response_to_gemini(body: dict[str, Any], request_id: str) -> dict[str, Any]:
    candidates = []
    for choice in body.get("choices") or []:
        message = choice.get("message") or {}
        candidates.append(
            {
                "content": {
                    "role": "model",
                    "parts": _parts_to_gemini(message.get("content"), message.get("tool_calls") or []),
                },
                "finishReason": GEMINI_REASONS.get(choice.get("finish_reason"), "STOP"),
                "index": choice.get("index", 0),
            }
        )
    return {
        "candidates": candidates,
        "usageMetadata": usage_to_gemini(body.get("usage") or {}),
        "modelVersion": body.get("model"),
        "responseId": request_id,
    }


def error_to_gemini(exc: HubError) -> dict[str, Any]:
    status = STATUS_NAMES.get(exc.status, "INTERNAL" if exc.status >= 500 else "FAILED_PRECONDITION")
    return {"error": {"code": exc.status, "message": exc.message, "status": status}}


async def _chunks(session: Stream) -> AsyncIterator[dict[str, Any]]:
    """Gateway events as streamGenerateContent chunks. Tool calls go out whole, in the last chunk."""
    model = served_model(session)
    request_id = session.call.request_id
    calls: dict[int, dict[int, dict[str, Any]]] = {}  # candidate → tool index → assembled OpenAI call
    reasons: dict[int, str] = {}
    async for event in session.events():
        if event.kind == "chunk":
            candidates = []
            for choice in event.data.get("choices") or []:
                index, delta = choice.get("index", 0), choice.get("delta") or {}
                for fragment in delta.get("tool_calls") or []:
                    slot = calls.setdefault(index, {})
                    call = slot.setdefault(int(fragment.get("index") or 0), {"function": {"arguments": ""}})
                    call["id"] = fragment.get("id") or call.get("id")
                    function = fragment.get("function") or {}
                    call["function"]["name"] = function.get("name") or call["function"].get("name")
                    call["function"]["arguments"] += function.get("arguments") or ""
                if choice.get("finish_reason"):
                    reasons[index] = choice["finish_reason"]
                if delta.get("content"):
                    content = {"role": "model", "parts": [{"text": delta["content"]}]}
                    candidates.append({"content": content, "index": index})
            if candidates:
                yield {"candidates": candidates, "modelVersion": model, "responseId": request_id}
        elif event.kind == "usage":
            final = [
                {
                    "content": {"role": "model", "parts": _parts_to_gemini(None, list(calls.get(i, {}).values()))},
                    "finishReason": GEMINI_REASONS.get(reasons.get(i, "stop"), "STOP"),
                    "index": i,
                }
                for i in sorted(set(reasons) | set(calls) or {0})
            ]
            usage = usage_to_gemini(event.data)
            yield {"candidates": final, "usageMetadata": usage, "modelVersion": model, "responseId": request_id}
        elif event.error is not None:
            yield error_to_gemini(event.error)


async def framed(chunks: AsyncIterator[bytes], *, sse: bool) -> AsyncIterator[bytes]:
    """Chunks (JSON texts) as SSE with ?alt=sse (what Google's SDKs ask for), otherwise Google's streamed
    JSON array."""
    first = True
    async for chunk in chunks:
        if sse:
            yield b"data: " + chunk + b"\r\n\r\n"
        else:
            yield (b"[" if first else b",\r\n") + chunk
        first = False
    if not sse:
        yield b"[]" if first else b"]"


def gemini_stream(session: Stream, *, sse: bool) -> AsyncIterator[bytes]:
    return framed((jsonio.dumps_bytes(chunk) async for chunk in _chunks(session)), sse=sse)


async def _native_chunks(session: Stream) -> AsyncIterator[bytes]:
    """A passthrough stream's chunks: the upstream's as it sent them (SSE data lines), its final chunk with
    the hub's usage, cost and credits, or the hub's error chunk after the first byte."""
    async for event in session.events():
        if event.raw is not None:
            yield event.raw.removeprefix(b"data: ").rstrip(b"\r\n")
        elif event.kind == "usage":
            for held in event.held or []:
                yield jsonio.dumps_bytes({**held, "usageMetadata": native_usage(held.get("usageMetadata"), event.data)})
        elif event.error is not None:
            yield jsonio.dumps_bytes(error_to_gemini(event.error))


def relay_native(session: Stream, *, sse: bool) -> AsyncIterator[bytes]:
    """A passthrough stream in the client's framing (an upstream is always asked for SSE)."""
    return framed(_native_chunks(session), sse=sse)
