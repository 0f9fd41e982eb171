"""Token estimates the hub makes before (and, when the upstream is silent, after) an upstream call.

No tokenizer data can be downloaded at run time, so these are byte-based: conservative (high) for
credit holds, and a plain average for counting text the upstream streamed without reporting usage.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

MESSAGE_OVERHEAD = 4
# A high-detail image costs up to ~1,100 tokens on OpenAI and ~1,600 on Anthropic.
IMAGE_TOKENS_CEILING = 1_600


def text_and_images(content: Any) -> tuple[str, int]:
    """The text of a message's content and the number of image parts in it."""
    if isinstance(content, str):
        return content, 0
    if not isinstance(content, list):
        return "", 0
    texts, images = [], 0
    for part in content:
        if not isinstance(part, dict):
            continue
        if part.get("type") in ("image_url", "input_image", "image"):
            images += 1
        elif isinstance(part.get("text"), str):
            texts.append(part["text"])
    return "\n".join(texts), images


def count_images(messages: list[dict[str, Any]]) -> int:
    return sum(text_and_images(m.get("content"))[1] for m in messages if isinstance(m, dict))


def prompt_bytes(messages: list[dict[str, Any]], extra: Any = None) -> int:
    total = 0
    for message in messages:
        text, _ = text_and_images(message.get("content"))
        total += len(text.encode()) + MESSAGE_OVERHEAD * 4
        if message.get("tool_calls"):
            total += len(str(message["tool_calls"]).encode())
    if extra:
        total += len(str(extra).encode())
    return total


def prompt_tokens_ceiling(messages: list[dict[str, Any]], tools: Any = None) -> int:
    """An upper estimate of prompt tokens (2 bytes a token, images at their ceiling): used for holds."""
    return math.ceil(prompt_bytes(messages, tools) / 2) + count_images(messages) * IMAGE_TOKENS_CEILING


def body_tokens_ceiling(body: Any) -> int:
    """An upper estimate of the tokens in a client's own body (2 bytes a token): what a passed-through request
    can carry that its canonical form does not (thinking blocks, provider-only fields)."""
    return _text_tokens_ceiling(json.dumps(body, ensure_ascii=False, default=str))


def _text_tokens_ceiling(text: str) -> int:
    return math.ceil(len(text.encode()) / 2)


# Media an upstream reads that the hub cannot size from the request (audio, video, documents, files by
# reference): what one such part may add to the prompt an upstream bills (an hour of audio is ~115k tokens).
MEDIA_PART_TOKENS_CEILING = 200_000
_MEDIA_TYPES = {"input_audio", "audio", "input_file", "file", "document", "video", "video_url", "audio_url"}
_MEDIA_KEYS = {"fileData", "file_data"}
# A client body's fields that describe tools or the answer's shape, never the prompt's media.
_SCHEMA_KEYS = {"tools", "functions", "tool_choice", "toolConfig", "tool_config", "response_format", "text"}
# Every name media_parts looks for, quoted as str() or JSON writes it: a body whose text holds none has no
# media part, and is not walked (most requests are text).
_MEDIA_MARK = re.compile(
    "[\"'](?:" + "|".join(sorted(_MEDIA_TYPES | _MEDIA_KEYS | {"inlineData", "inline_data"})) + ")[\"']"
)


def media_parts(node: Any) -> int:
    """How many parts of a body carry media other than images (OpenAI input_audio/file, Anthropic documents,
    Responses input_file, Gemini inlineData that is not an image and fileData)."""
    if isinstance(node, list):
        return sum(media_parts(item) for item in node)
    if not isinstance(node, dict):
        return 0
    kind = node.get("type")
    own = 1 if (isinstance(kind, str) and kind in _MEDIA_TYPES) or _MEDIA_KEYS & node.keys() else 0
    inline = node.get("inlineData") or node.get("inline_data")
    if isinstance(inline, dict) and not str(inline.get("mimeType") or inline.get("mime_type") or "").startswith(
        "image/"
    ):
        own = 1
    return own + sum(media_parts(value) for value in node.values() if isinstance(value, (dict, list)))


@dataclass(frozen=True, slots=True)
class PromptSize:
    """One request's prompt measured once (`measure`), and every estimate planning and metering derive from it."""

    message_bytes: int  # the messages' text, tool calls and per-message overhead
    tools_bytes: int  # the tool (or function) definitions
    params_bytes: int  # every parameter the upstream is sent (tools and response schemas among them)
    images: int
    media: int  # parts carrying media the hub cannot size (audio, video, documents)
    body_ceiling: int = 0  # a passed-through client body's upper estimate (0: none)

    @property
    def estimate(self) -> int:
        """`prompt_tokens_estimate`: context-window checks and silent upstreams."""
        return math.ceil((self.message_bytes + self.tools_bytes) / 4) + self.images * 765

    @property
    def sent_ceiling(self) -> int:
        """An upper estimate of all an upstream may bill as input (what the hold prices and its reported prompt is
        bounded by): the messages and every parameter, or the client's own body when it passes through, and for
        each audio, video or document part the most it may count."""
        sent = math.ceil((self.message_bytes + self.params_bytes) / 2) + self.images * IMAGE_TOKENS_CEILING
        return max(sent, self.body_ceiling) + self.media * MEDIA_PART_TOKENS_CEILING


def measure(messages: list[dict[str, Any]], tools: Any, params: dict[str, Any], native_body: Any = None) -> PromptSize:
    """Walk a request's messages once (text bytes and images together) and size its parameters."""
    message_bytes = images = 0
    for message in messages:
        text, found = text_and_images(message.get("content"))
        message_bytes += len(text.encode()) + MESSAGE_OVERHEAD * 4
        images += found
        if message.get("tool_calls"):
            message_bytes += len(str(message["tool_calls"]).encode())
    media = media_parts(messages) if _MEDIA_MARK.search(str(messages)) else 0
    body_ceiling = 0
    if native_body is not None:
        body_text = json.dumps(native_body, ensure_ascii=False, default=str)
        body_ceiling = _text_tokens_ceiling(body_text)
        if _MEDIA_MARK.search(body_text):
            if isinstance(native_body, dict):  # media sit in the turns, not in tool schemas (an agent's are large)
                native_body = {key: value for key, value in native_body.items() if key not in _SCHEMA_KEYS}
            media = max(media, media_parts(native_body))
    return PromptSize(
        message_bytes=message_bytes,
        tools_bytes=len(str(tools).encode()) if tools else 0,
        params_bytes=len(str(params).encode()) if params else 0,
        images=images,
        media=media,
        body_ceiling=body_ceiling,
    )


def prompt_tokens_estimate(messages: list[dict[str, Any]], tools: Any = None) -> int:
    """A typical estimate (4 bytes a token): used for context-window checks and silent upstreams."""
    return math.ceil(prompt_bytes(messages, tools) / 4) + count_images(messages) * 765


def text_tokens_estimate(text_bytes: int) -> int:
    return math.ceil(text_bytes / 4)
