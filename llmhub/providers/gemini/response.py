"""The upstream half of Gemini's format: responses, stream chunks, usage and safety blocks, as canonical."""

from __future__ import annotations

import re
import time
from typing import Any

from llmhub.errors import InvalidRequest, UpstreamError
from llmhub.providers.base import Usage, chunk_body
from llmhub.providers.content_parts import arguments_json, new_call_id
from llmhub.providers.gemini.schema import check_chunk, check_response

# Gemini finishReason → OpenAI finish_reason. Safety-type reasons are content filters.
FINISH_REASONS = {"STOP": "stop", "MAX_TOKENS": "length", "MALFORMED_FUNCTION_CALL": "stop"}
SAFETY_REASONS = {"SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII", "IMAGE_SAFETY", "LANGUAGE"}


class ContentBlocked(InvalidRequest):
    """Gemini refused the prompt or the whole answer on safety grounds: a client error, not retried."""

    code = "content_blocked"


# Modalities Gemini counts apart that a model may price at their own rate (catalog.pricing.DETAIL_OF).
PROMPT_MODALITIES = {"AUDIO": "input_audio", "IMAGE": "input_image", "VIDEO": "input_video"}
CACHED_MODALITIES = {"AUDIO": "cached_audio"}
OUTPUT_MODALITIES = {"AUDIO": "output_audio", "IMAGE": "output_image"}


def _by_modality(details: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in details if isinstance(details, list) else ():
        modality = str(item.get("modality") or "")
        counts[modality] = counts.get(modality, 0) + int(item.get("tokenCount") or 0)
    return counts


def _token_details(raw: dict[str, Any]) -> dict[str, int]:
    """Prompt tokens by modality (promptTokensDetails counts cached ones too: those are the cached details),
    cached and output tokens by modality, keeping the ones a price can tell apart."""
    prompt, cached = _by_modality(raw.get("promptTokensDetails")), _by_modality(raw.get("cacheTokensDetails"))
    output = _by_modality(raw.get("candidatesTokensDetails"))
    details = {name: prompt.get(m, 0) - cached.get(m, 0) for m, name in PROMPT_MODALITIES.items()}
    details |= {name: cached.get(m, 0) for m, name in CACHED_MODALITIES.items()}
    details |= {name: output.get(m, 0) for m, name in OUTPUT_MODALITIES.items()}
    return {name: count for name, count in details.items() if count > 0}


def usage_from_gemini(raw: Any) -> Usage | None:
    """promptTokenCount includes cached tokens; thoughts are billed as output, beside candidates. Audio, image
    and video tokens are token details, priced at their modality's rate where the model has one."""
    if not isinstance(raw, dict):
        return None
    thoughts = int(raw.get("thoughtsTokenCount") or 0)
    return Usage(
        prompt_tokens=int(raw.get("promptTokenCount") or 0) + int(raw.get("toolUsePromptTokenCount") or 0),
        completion_tokens=int(raw.get("candidatesTokenCount") or 0) + thoughts,
        cached_tokens=int(raw.get("cachedContentTokenCount") or 0),
        reasoning_tokens=thoughts,
        token_details=_token_details(raw),
    )


def check_error(body: dict[str, Any], provider: str) -> None:
    """Raise the hub's error for an `error` body or stream event (read before the schema: it has another shape)."""
    if "error" in body:
        # The upstream's message is never relayed (it may echo secrets); its status is one of a known few.
        status = str(body["error"].get("status", "")) if isinstance(body["error"], dict) else ""
        known = re.fullmatch(r"[A-Z_]{1,40}", status)
        raise UpstreamError(f"Upstream {provider} failed ({status})." if known else f"Upstream {provider} failed.")


def check_blocked(body: dict[str, Any], provider: str, *, anything_sent: bool = False) -> None:
    """Raise the clear error for a blocked prompt, or for an answer withheld entirely on safety grounds."""
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
    check_error(body, provider)
    check_response(provider, body)
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
        check_error(body, self.provider)
        check_chunk(self.provider, body)
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
        return chunk_body(self._id, self._created, self.model, choices)
