"""Pieces every format translation shares: data: URLs, tool-call arguments, tool-call ids and names."""

from __future__ import annotations

import functools
import json
import mimetypes
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from llmhub.errors import InvalidRequest

Translator = TypeVar("Translator", bound=Callable[..., Any])


def unsupported(what: str, where: str) -> InvalidRequest:
    """The 400 for content one wire format has and the other cannot express."""
    return InvalidRequest(f"{what} cannot be translated: {where}.", code="unsupported_content", param=where)


def refuses_malformed(translate: Translator) -> Translator:
    """A request whose pieces have the wrong types (a string where an object belongs) is the caller's 400."""

    @functools.wraps(translate)
    def checked(*args: Any, **kwargs: Any) -> Any:
        try:
            return translate(*args, **kwargs)
        except (AttributeError, TypeError, KeyError) as exc:
            raise InvalidRequest(
                "The request has a field of the wrong type or shape (for example a string where an object "
                "belongs) and cannot be translated; check it against the API reference.",
                code="malformed_request",
            ) from exc

    return checked  # type: ignore[return-value]


def image_url_of(part: dict[str, Any]) -> str:
    """The URL of an OpenAI image_url part (the parser already checked it is http(s) or data:image/)."""
    image = part.get("image_url")
    url = image.get("url") if isinstance(image, dict) else image
    return url if isinstance(url, str) else ""


def split_data_url(url: str) -> tuple[str, str] | None:
    """(media type, base64 data) of a base64 data: URL, or None for any other URL."""
    if not url.startswith("data:"):
        return None
    header, sep, data = url[5:].partition(",")
    media_type, _, encoding = header.partition(";")
    if not sep or encoding != "base64":
        raise InvalidRequest("Image data: URLs must be base64-encoded (data:image/png;base64,...).", param="messages")
    return media_type or "image/png", data


def data_url(media_type: str, data: str) -> str:
    return f"data:{media_type};base64,{data}"


def guess_image_type(url: str) -> str:
    guessed, _ = mimetypes.guess_type(url.split("?", 1)[0])
    return guessed if guessed and guessed.startswith("image/") else "image/jpeg"


def text_of(content: Any) -> str:
    """The text of an OpenAI message content: a string, or the text parts of a list joined."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(str(p.get("text") or "") for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def canonical_content(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """A lone text part becomes a plain string, so one question asked in any format is the same request
    (the response cache keys on it)."""
    if len(parts) == 1 and parts[0].get("type") == "text":
        return str(parts[0].get("text") or "")
    return parts


def arguments_object(arguments: Any, where: str) -> dict[str, Any]:
    """Tool-call arguments (a JSON string in OpenAI's format) as the object the native formats need."""
    if isinstance(arguments, dict):
        return arguments
    if arguments in (None, ""):
        return {}
    try:
        parsed = json.loads(arguments)
    except (TypeError, ValueError) as exc:
        raise InvalidRequest(f"'{where}' must be a JSON object encoded as a string.", param=where) from exc
    if not isinstance(parsed, dict):
        raise InvalidRequest(f"'{where}' must encode a JSON object.", param=where)
    return parsed


def lenient_arguments(arguments: Any) -> dict[str, Any]:
    """Arguments a model produced: a model that emitted broken JSON keeps its raw text rather than lose it."""
    try:
        return arguments_object(arguments, "tool_calls.function.arguments")
    except InvalidRequest:
        return {"_raw_arguments": str(arguments)}


def arguments_json(arguments: Any) -> str:
    return json.dumps(arguments if isinstance(arguments, dict) else {}, ensure_ascii=False, separators=(",", ":"))


def new_call_id() -> str:
    return "call_" + uuid.uuid4().hex[:24]


def tool_names_by_id(messages: list[dict[str, Any]]) -> dict[str, str]:
    """tool_call_id → function name, from the assistant messages' tool_calls."""
    names: dict[str, str] = {}
    for message in messages:
        for call in message.get("tool_calls") or []:
            if isinstance(call, dict) and isinstance(call.get("function"), dict):
                names[str(call.get("id"))] = str(call["function"].get("name") or "")
    return names


# OpenAI request fields no native format can honour: refusing beats silently answering differently.
UNTRANSLATABLE_PARAMS = ("logprobs", "top_logprobs", "logit_bias", "audio", "prediction")


def reject_untranslatable(params: dict[str, Any], format_name: str, extra: tuple[str, ...] = ()) -> None:
    for name in (*UNTRANSLATABLE_PARAMS, *extra):
        if params.get(name) not in (None, False):
            raise InvalidRequest(
                f"'{name}' cannot be translated to the {format_name} format; remove it or choose a model "
                "served by an OpenAI-compatible provider.",
                code="unsupported_parameter",
                param=name,
            )
