"""Gemini responses and stream chunks ⇄ canonical completions and chunks; usage, safety blocks, errors."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.errors import HubError, InvalidRequest, UpstreamError
from llmhub.providers.base import Usage
from llmhub.streaming import StreamSession
from llmhub.translate.content_parts import arguments_json, lenient_arguments, new_call_id

# Gemini finishReason → OpenAI finish_reason. Safety-type reasons are content filters.
FINISH_REASONS = {"STOP": "stop", "MAX_TOKENS": "length", "MALFORMED_FUNCTION_CALL": "stop"}
SAFETY_REASONS = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"}
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


class ContentBlocked(InvalidRequest):
    """Gemini refused the prompt or the whole answer on safety grounds: a client error, not retried."""

    code = "content_blocked"


# --- Gemini → OpenAI (the upstream adapter) -----------------------------------------------------------


def usage_from_gemini(raw: Any) -> Usage | None:
    """promptTokenCount includes cached tokens; thoughts are billed as output, beside candidates."""
    if not isinstance(raw, dict):
        return None
    thoughts = int(raw.get("thoughtsTokenCount") or 0)
    return Usage(
        prompt_tokens=int(raw.get("promptTokenCount") or 0) + int(raw.get("toolUsePromptTokenCount") or 0),
        completion_tokens=int(raw.get("candidatesTokenCount") or 0) + thoughts,
        cached_tokens=int(raw.get("cachedContentTokenCount") or 0),
        reasoning_tokens=thoughts,
    )


def check_blocked(body: dict[str, Any], provider: str, *, anything_sent: bool = False) -> None:
    """Raise the clear error for a blocked prompt, or for an answer withheld entirely on safety grounds."""
    if "error" in body:
        error = body["error"] if isinstance(body["error"], dict) else {"message": str(body["error"])}
        raise UpstreamError(f"Upstream {provider} failed: {error.get('status', '')} {error.get('message', '')}")
    reason = (body.get("promptFeedback") or {}).get("blockReason")
    if reason:
        raise ContentBlocked(
            f"Gemini blocked this prompt (blockReason {reason}); rephrase it. Nothing was generated.",
            param="contents",
        )
    for candidate in body.get("candidates") or []:
        has_parts = bool((candidate.get("content") or {}).get("parts"))
        if candidate.get("finishReason") in SAFETY_REASONS and not has_parts and not anything_sent:
            raise ContentBlocked(
                f"Gemini withheld the answer (finishReason {candidate['finishReason']}); rephrase the request.",
                param="contents",
            )


def _delta_of(candidate: dict[str, Any], first_call: int) -> tuple[dict[str, Any], int]:
    """The OpenAI message/delta fields of one candidate, numbering tool calls from first_call."""
    texts: list[str] = []
    reasoning: list[str] = []
    calls: list[dict[str, Any]] = []
    for part in (candidate.get("content") or {}).get("parts") or []:
        if "functionCall" in part:
            call = part["functionCall"] or {}
            function = {"name": call.get("name"), "arguments": arguments_json(call.get("args"))}
            calls.append(
                {
                    "index": first_call + len(calls),
                    "id": call.get("id") or new_call_id(),
                    "type": "function",
                    "function": function,
                }
            )
        elif part.get("thought"):
            reasoning.append(str(part.get("text") or ""))
        elif "text" in part:
            texts.append(str(part["text"] or ""))
    fields: dict[str, Any] = {}
    if texts:
        fields["content"] = "".join(texts)
    if reasoning:
        fields["reasoning_content"] = "".join(reasoning)
    if calls:
        fields["tool_calls"] = calls
    return fields, len(calls)


def finish_reason_of(candidate: dict[str, Any], had_calls: bool) -> str | None:
    reason = candidate.get("finishReason")
    if not reason or reason == "FINISH_REASON_UNSPECIFIED":
        return None
    if reason in SAFETY_REASONS:
        return "content_filter"
    return "tool_calls" if had_calls and reason == "STOP" else FINISH_REASONS.get(reason, "stop")


def completion_from_gemini(body: dict[str, Any], model: str, provider: str) -> dict[str, Any]:
    check_blocked(body, provider)
    choices = []
    for position, candidate in enumerate(body.get("candidates") or []):
        fields, calls = _delta_of(candidate, 0)
        for call in fields.get("tool_calls", []):
            call.pop("index")
        message = {"role": "assistant", "content": fields.pop("content", None), **fields}
        index = int(candidate.get("index") or position)
        choices.append(
            {"index": index, "message": message, "finish_reason": finish_reason_of(candidate, calls > 0) or "stop"}
        )
    if not choices:
        raise UpstreamError(f"Upstream {provider} returned no candidates.")
    return {
        "id": "chatcmpl-" + str(body.get("responseId") or new_call_id()),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": str(body.get("modelVersion") or model),
        "choices": choices,
    }


class GeminiStreamReader:
    """Turns streamGenerateContent chunks into OpenAI chunks; `finished` once a finishReason arrived."""

    def __init__(self, model: str, provider: str) -> None:
        self.model, self.provider = model, provider
        self.finished = False
        self.usage: Usage | None = None
        self._id = "chatcmpl-" + new_call_id()
        self._created = int(time.time())
        self._calls: dict[int, int] = {}  # candidate index → tool calls so far
        self._sent = False

    def feed(self, body: dict[str, Any]) -> dict[str, Any]:
        check_blocked(body, self.provider, anything_sent=self._sent)
        self.usage = usage_from_gemini(body.get("usageMetadata")) or self.usage
        choices = []
        for position, candidate in enumerate(body.get("candidates") or []):
            index = int(candidate.get("index") or position)
            fields, calls = _delta_of(candidate, self._calls.get(index, 0))
            self._calls[index] = self._calls.get(index, 0) + calls
            if not self._sent:
                fields = {"role": "assistant", **fields}
            reason = finish_reason_of(candidate, self._calls[index] > 0)
            self.finished = self.finished or reason is not None
            choices.append({"index": index, "delta": fields, "finish_reason": reason})
        self._sent = self._sent or bool(choices)
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": self._created,
            "model": self.model,
            "choices": choices,
        }


# --- OpenAI → Gemini (the inbound generateContent endpoints) ------------------------------------------


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


async def _chunks(session: StreamSession) -> AsyncIterator[dict[str, Any]]:
    """Gateway events as streamGenerateContent chunks. Tool calls go out whole, in the last chunk."""
    model = session.call.served.name if session.call.served else session.call.request.model
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


async def gemini_stream(session: StreamSession, *, sse: bool) -> AsyncIterator[bytes]:
    """SSE with ?alt=sse (what Google's SDKs ask for), otherwise Google's streamed JSON array."""
    first = True
    async for chunk in _chunks(session):
        if sse:
            yield b"data: " + jsonio.dumps_bytes(chunk) + b"\r\n\r\n"
        else:
            yield (b"[" if first else b",\r\n") + jsonio.dumps_bytes(chunk)
        first = False
    if not sse:
        yield b"[]" if first else b"]"
