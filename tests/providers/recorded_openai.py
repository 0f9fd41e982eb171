"""Chat-completions answers in the shapes OpenAI-compatible providers send them: usage with cached and
reasoning details, DeepSeek's reasoning_content and cache-hit counts, OpenRouter's cost and cache writes,
Groq's usage in `x_groq`, streamed chunks ending in `[DONE]`, and error bodies."""

from __future__ import annotations

import json
from typing import Any

CREATED = 1765051200


def sse(chunks: list[dict[str, Any]], *, done: bool = True) -> list[bytes]:
    frames = [b"data: " + json.dumps(c, separators=(",", ":")).encode() + b"\n\n" for c in chunks]
    return [*frames, b"data: [DONE]\n\n"] if done else frames


def completion(message: dict[str, Any], usage: dict[str, Any], *, model: str = "gpt-4o-2024-08-06") -> dict[str, Any]:
    return {
        "id": "chatcmpl-CjQ8rUhdDd0Jw9s3Qq8oLkMR5cEx1",
        "object": "chat.completion",
        "created": CREATED,
        "model": model,
        "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}],
        "usage": usage,
        "service_tier": "default",
        "system_fingerprint": "fp_cbf1785567",
    }


def usage(prompt: int, completion_tokens: int, *, cached: int = 0, reasoning: int = 0) -> dict[str, Any]:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
        "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": reasoning,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def text_message(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text, "refusal": None, "annotations": []}


def deepseek_reasoning() -> dict[str, Any]:
    """deepseek-reasoner: its thinking in reasoning_content, cache hits counted its own way too."""
    body = completion(
        {"role": "assistant", "content": "4", "reasoning_content": "2 plus 2 is 4."},
        {
            **usage(1300, 210, cached=1280, reasoning=180),
            "prompt_cache_hit_tokens": 1280,
            "prompt_cache_miss_tokens": 20,
        },
        model="deepseek-reasoner",
    )
    del body["service_tier"]
    return body


def openrouter_cache_write() -> dict[str, Any]:
    """OpenRouter: the upstream's cost in credits, and the cache writes it was charged for."""
    counts = usage(2100, 30, cached=0)
    counts["prompt_tokens_details"]["cache_write_tokens"] = 2048
    counts["cost"] = 0.0081
    counts["is_byok"] = False
    return {**completion(text_message("Cached."), counts, model="anthropic/claude-sonnet-4.5"), "provider": "Anthropic"}


def audio_completion() -> dict[str, Any]:
    """An audio model's answer: audio tokens among the prompt and the output, counted in the details."""
    counts = usage(1510, 60)
    counts["prompt_tokens_details"] = {"cached_tokens": 0, "audio_tokens": 1500, "text_tokens": 10, "image_tokens": 0}
    counts["completion_tokens_details"] |= {"audio_tokens": 48, "text_tokens": 12}
    message = {**text_message("Yes, it is a dog."), "audio": None}
    return completion(message, counts, model="gpt-4o-audio-preview-2025-06-03")


def chunk(delta: dict[str, Any], *, finish: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "id": "chatcmpl-CjQ8sTx1",
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": "gpt-4o-2024-08-06",
        "system_fingerprint": "fp_cbf1785567",
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        **extra,
    }


def stream(texts: list[str], final_usage: dict[str, Any]) -> list[dict[str, Any]]:
    """Text deltas, the finish chunk, then (asked for with stream_options) a usage chunk with no choices."""
    chunks = [chunk({"role": "assistant", "content": "", "refusal": None}, obfuscation="Zq3hT")]
    # OpenAI pads each chunk with an `obfuscation` string (a side-channel guard): a field the hub does not read.
    chunks += [chunk({"content": text}, obfuscation="k9" * (n + 1)) for n, text in enumerate(texts)]
    chunks.append(chunk({}, finish="stop", obfuscation="pQ"))
    chunks.append({**chunk({}), "choices": [], "usage": final_usage, "obfuscation": "Wm1"})
    return chunks


def groq_stream(texts: list[str], prompt: int, completion_tokens: int) -> list[dict[str, Any]]:
    """Groq: the usage only in the last chunk's `x_groq`, beside its timings."""
    groq = {"id": "req_01kbx7ysfse9b8wb4j6ppyhj0b"}
    chunks = [chunk({"role": "assistant", "content": ""}, x_groq=groq)]
    chunks += [chunk({"content": text}) for text in texts]
    timings = {"queue_time": 0.046, "prompt_time": 0.004, "completion_time": 0.021, "total_time": 0.025}
    counts = {
        "prompt_tokens": prompt,
        "completion_tokens": completion_tokens,
        "total_tokens": prompt + completion_tokens,
    }
    chunks.append(chunk({}, finish="stop", x_groq={**groq, "usage": {**timings, **counts}}))
    return chunks


INVALID = {
    "error": {
        "message": "Unsupported parameter: 'max_tokens' is not supported with this model.",
        "type": "invalid_request_error",
        "param": "max_tokens",
        "code": "unsupported_parameter",
    }
}
RATE_LIMITED = {
    "error": {
        "message": "Rate limit reached for gpt-4o on tokens per min (TPM): Limit 30000, Used 30000.",
        "type": "tokens",
        "param": None,
        "code": "rate_limit_exceeded",
    }
}
