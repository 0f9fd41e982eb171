"""The client half of OpenAI's chat-completions format: parse and validate a body, render an answer, a
stream (SSE) and an error. The canonical format is OpenAI's, so rendering is mostly relaying."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.base import ClientFormat
from llmhub.errors import HubError, InvalidRequest
from llmhub.gateway import Result, Stream
from llmhub.providers.base import ChatRequest

ROLES = {"system", "developer", "user", "assistant", "tool", "function"}
HUB_ONLY_FIELDS = {"model", "messages", "stream", "models", "route"}
NUMBER_RANGES = {
    "temperature": (0, 2),
    "top_p": (0, 1),
    "frequency_penalty": (-2, 2),
    "presence_penalty": (-2, 2),
}
POSITIVE_INTS = ("max_tokens", "max_completion_tokens", "n")
# Beyond any model's output (and what every database's integer column holds): a bigger cap is a mistake.
MAX_TOKENS_CAP = 100_000_000
MAX_N = 128
_CHECKED_NUMBERS = frozenset(NUMBER_RANGES) | frozenset(POSITIVE_INTS)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _check_messages(messages: Any) -> list[dict[str, Any]]:
    if not isinstance(messages, list) or not messages:
        raise InvalidRequest("'messages' must be a non-empty array of message objects.", param="messages")
    for index, message in enumerate(messages):
        where = f"messages[{index}]"
        if not isinstance(message, dict):
            raise InvalidRequest(f"'{where}' must be an object with 'role' and 'content'.", param=where)
        role = message.get("role")
        if not isinstance(role, str) or role not in ROLES:
            raise InvalidRequest(f"'{where}.role' must be one of {', '.join(sorted(ROLES))}.", param=f"{where}.role")
        content = message.get("content")
        if content is not None and not isinstance(content, (str, list)):
            raise InvalidRequest(f"'{where}.content' must be a string or an array of parts.", param=f"{where}.content")
        if isinstance(content, list):
            for part_index, part in enumerate(content):
                if not isinstance(part, dict) or not isinstance(part.get("type"), str):
                    raise InvalidRequest(
                        f"'{where}.content[{part_index}]' must be an object with a 'type'.",
                        param=f"{where}.content[{part_index}]",
                    )
                if part["type"] == "image_url":
                    image = part.get("image_url")
                    url = image.get("url") if isinstance(image, dict) else image
                    if not isinstance(url, str) or not url.startswith(("http://", "https://", "data:image/")):
                        raise InvalidRequest(
                            f"'{where}.content[{part_index}].image_url.url' must be an http(s) URL or a data:image/ URL.",
                            param=f"{where}.content[{part_index}].image_url",
                        )
    return messages


def parse_chat_request(body: Any) -> ChatRequest:
    """Validate an OpenAI chat-completions body; every field the hub does not use is forwarded as is."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    model = body.get("model")
    if not isinstance(model, str) or not model:
        raise InvalidRequest("'model' is required and must be a string, e.g. \"gpt-4.1\".", param="model")
    messages = _check_messages(body.get("messages"))
    given = body.keys() & _CHECKED_NUMBERS  # most bodies set few of them: only those are looked at, in order
    for name, (low, high) in NUMBER_RANGES.items():
        if name not in given:
            continue
        value = body[name]
        if value is not None and (not _is_number(value) or not low <= value <= high):
            raise InvalidRequest(f"'{name}' must be a number from {low} to {high}.", param=name)
    for name in POSITIVE_INTS:
        if name not in given:
            continue
        value = body[name]
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise InvalidRequest(f"'{name}' must be a positive integer.", param=name)
        limit = MAX_N if name == "n" else MAX_TOKENS_CAP
        if value is not None and value > limit:
            raise InvalidRequest(f"'{name}' must be at most {limit}.", param=name)
    stream = body.get("stream", False)
    if not isinstance(stream, bool):
        raise InvalidRequest("'stream' must be true or false.", param="stream")
    stream_options = body.get("stream_options")
    if stream_options is not None and not isinstance(stream_options, dict):
        raise InvalidRequest("'stream_options' must be an object.", param="stream_options")
    stop = body.get("stop")
    if stop is not None and not isinstance(stop, (str, list)):
        raise InvalidRequest("'stop' must be a string or an array of strings.", param="stop")
    for name in ("tools", "functions"):
        if body.get(name) is not None and not isinstance(body[name], list):
            raise InvalidRequest(f"'{name}' must be an array.", param=name)
    fallbacks = body.get("models") or []
    if not isinstance(fallbacks, list) or not all(isinstance(m, str) for m in fallbacks):
        raise InvalidRequest("'models' must be an array of model names to fall back to.", param="models")
    params = {k: v for k, v in body.items() if k not in HUB_ONLY_FIELDS}
    if fallbacks:  # as written: the gateway tells the hub's fallbacks from a provider's own list (planning)
        params["models"] = fallbacks
    return ChatRequest(
        model=model,
        messages=messages,
        params=params,
        stream=stream,
        include_usage=bool((stream_options or {}).get("include_usage")),
        fallbacks=[m for m in fallbacks if m != model],
    )


def _sse(data: Any) -> bytes:
    return b"data: " + jsonio.dumps_bytes(data) + b"\n\n"


async def openai_sse(session: Stream) -> AsyncIterator[bytes]:
    """Relay gateway events as OpenAI SSE: chunks, the usage chunk when asked for, then [DONE]."""
    last_id = "chatcmpl-" + session.call.request_id
    created = int(time.time())
    async for event in session.events():
        if event.kind == "chunk":
            last_id = event.data.get("id", last_id)
            created = event.data.get("created", created)
            yield _sse(event.data)
        elif event.kind == "usage":
            if session.call.request.include_usage:
                assert session.call.served is not None
                yield _sse(
                    {
                        "id": last_id,
                        "object": "chat.completion.chunk",
                        "created": created,
                        "model": session.call.served.name,
                        "choices": [],
                        "usage": event.data,
                    }
                )
            yield b"data: [DONE]\n\n"
        else:
            yield _sse(event.data)


class OpenAIFormat(ClientFormat):
    name = "openai"

    def parse(self, body: Any) -> ChatRequest:
        return parse_chat_request(body)

    def render(self, result: Result) -> dict[str, Any]:
        return result.body

    def stream(self, session: Stream, *, sse: bool = True) -> AsyncIterator[bytes]:
        return openai_sse(session)

    def error_body(self, exc: HubError) -> dict[str, Any]:
        return exc.as_openai()


OPENAI = OpenAIFormat()
