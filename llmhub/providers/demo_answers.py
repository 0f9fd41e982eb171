"""What the offline demo model says: text in each model's own voice, tool calls and JSON shaped by the
request's schemas, the caps it honours (max_tokens, n, stop), embeddings, and tokens counted like providers."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import random
import re
import struct
from dataclasses import dataclass
from typing import Any

LONG_WORDS = ("long", "detailed", "essay", "story", "in depth", "thorough", "at length", "explain everything")
VOICES = (
    ("Short answer first, then the why.", "In brief"),
    ("Let me walk through this step by step.", "Step by step"),
    ("Here is a balanced view, with the trade-offs.", "Trade-offs"),
    ("Good question — the key idea fits in a sentence.", "Key idea"),
    ("Three points matter here.", "Three points"),
)
TOPICS = (
    "Requests travel from your client to the hub, which holds credits for the worst case, calls the upstream, "
    "meters the tokens that came back and charges exactly that.",
    "Streaming sends each piece as soon as it exists, so the first words arrive long before the last; pressing "
    "Stop settles only what was streamed.",
    "Fallback means a failing model is retried and then replaced by the next in its chain, and the answer says "
    "which model served it.",
    "Costs are computed from list prices per million tokens, in exact decimals, and shown under every answer.",
)


@dataclass
class Choice:
    """One demo answer: text or tool calls, and why it ended."""

    text: str | None
    tool_calls: list[dict[str, Any]] | None
    finish_reason: str
    completion_tokens: int


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text")
    return ""


def last_user_text(messages: list[dict[str, Any]]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return _text_of(message.get("content"))
    return ""


def _voice(model: str) -> tuple[str, str]:
    return VOICES[int(hashlib.sha256(model.encode()).hexdigest(), 16) % len(VOICES)]


def demo_text(model: str, messages: list[dict[str, Any]], variant: int = 0) -> str:
    """A labelled answer whose opening and structure depend on the model, long when a long one is asked for.

    The text never names the model: a blind comparison must not give its columns away (the chat and the API
    say which model answered beside the text)."""
    said = _DOCUMENT.sub(" ", last_user_text(messages)).strip().replace("\n", " ")
    opening, heading = _voice(model)
    quoted = said if len(said) <= 160 else said[:157] + "..."
    parts = [
        f"**Demo mode** — {opening}",
        f"You said: \u201c{quoted}\u201d" + (f" (answer {variant + 1})" if variant else ""),
    ]
    parts.extend(document_quotes(messages))
    rng = random.Random(f"{model}:{variant}:{said}")
    wants_long = any(word in said.lower() for word in LONG_WORDS)
    for n in range(12 if wants_long else 1):
        parts.append(f"**{heading} {n + 1}.** " + " ".join(rng.sample(TOPICS, k=len(TOPICS) if wants_long else 2)))
    parts.append(
        "This is LLM Hub's offline simulated upstream: no provider key is set. Set `AISA_API_KEY` (or another "
        "provider key) and restart to talk to real models; streaming, costs and credits already work as they will."
    )
    return "\n\n".join(parts)


_DOCUMENT = re.compile(r'<document name="([^"]*)"[^>]*>\n(.*?)\n</document>', re.DOTALL)


def document_quotes(messages: list[dict[str, Any]]) -> list[str]:
    """A line quoting the start of each document (or passage) the last question carries, so a reader can see
    the model got it: `From report.pdf: “[Page 1] …”`."""
    said = ""
    for message in reversed(messages):
        if message.get("role") == "user":
            said = _text_of(message.get("content"))
            break
    quotes = []
    for name, body in _DOCUMENT.findall(said)[:8]:
        line = " ".join(body.split())
        quotes.append(f"From {name}: \u201c{line if len(line) <= 160 else line[:157] + '...'}\u201d")
    return quotes


def _resolve(schema: Any, root: dict[str, Any]) -> Any:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        target: Any = root
        for piece in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(piece, {}) if isinstance(target, dict) else {}
        schema = target
    return schema


def value_for(schema: Any, root: dict[str, Any], hint: str, name: str = "", depth: int = 0) -> Any:
    """A value that validates against a JSON schema (the subset tool and structured-output schemas use)."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict) or depth > 8:
        return hint
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if _resolve(o, root).get("type") != "null"]
        if options:
            return value_for(options[0], root, hint, name, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "string")
    if kind == "object" or "properties" in schema:
        properties = schema.get("properties") or {}
        return {key: value_for(sub, root, hint, key, depth + 1) for key, sub in properties.items()}
    if kind == "array":
        count = max(1, int(schema.get("minItems") or 1))
        return [value_for(schema.get("items") or {}, root, hint, name, depth + 1) for _ in range(count)]
    if kind == "integer":
        return max(int(schema.get("minimum", 0)), min(int(schema.get("maximum", 42)), 42))
    if kind == "number":
        return float(max(float(schema.get("minimum", 0)), min(float(schema.get("maximum", 4.2)), 4.2)))
    if kind == "boolean":
        return True
    if schema.get("format") == "date":
        return "2025-01-01"
    if schema.get("format") == "date-time":
        return "2025-01-01T00:00:00Z"
    return _string_for(name, hint)


def _string_for(name: str, hint: str) -> str:
    words = [w.strip(".,!?\"'") for w in hint.split() if w[:1].isupper() and len(w) > 2]
    if name.lower() in ("city", "location", "place", "name", "country") and words:
        return words[-1]
    return (hint[:40] or "demo").strip() or "demo"


def tool_call(tool: dict[str, Any], hint: str, index: int) -> dict[str, Any]:
    function = tool.get("function") or {}
    schema = function.get("parameters") or {"type": "object", "properties": {}}
    arguments = value_for(schema, schema, hint)
    return {
        "id": f"call_demo_{index}_{hashlib.sha256(hint.encode()).hexdigest()[:8]}",
        "type": "function",
        "function": {"name": function.get("name", "tool"), "arguments": json.dumps(arguments)},
    }


def _chosen_tool(request: dict[str, Any]) -> dict[str, Any] | None:
    tools = [t for t in request.get("tools") or [] if isinstance(t, dict) and t.get("type") == "function"]
    choice = request.get("tool_choice", "auto")
    if not tools or choice == "none":
        return None
    if isinstance(choice, dict):
        wanted = (choice.get("function") or {}).get("name")
        return next((t for t in tools if (t.get("function") or {}).get("name") == wanted), tools[0])
    return tools[0]


def _after_tool(messages: list[dict[str, Any]]) -> str:
    results = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.append(_text_of(message.get("content")))
    joined = "; ".join(reversed(results))
    return f"**Demo mode** — the tool answered: {joined}. Based on that result, here is the answer you asked for."


def _cap(text: str, request: dict[str, Any]) -> tuple[str, str, int]:
    """Apply `stop` and `max_tokens` (one word a token); return text, finish reason and tokens."""
    finish = "stop"
    stops = request.get("stop")
    for stop in [stops] if isinstance(stops, str) else stops or []:
        if isinstance(stop, str) and stop and stop in text:
            text = text[: text.index(stop)]
    words = text.split(" ")
    limit = request.get("max_completion_tokens") or request.get("max_tokens")
    if isinstance(limit, int) and 0 < limit < len(words):
        words, finish = words[:limit], "length"
    return " ".join(words), finish, len(words)


def choices_for(request: dict[str, Any]) -> list[Choice]:
    """The demo model's `n` answers to an OpenAI chat request."""
    model, messages = str(request["model"]), list(request["messages"])
    asked = request.get("n")
    n = asked if isinstance(asked, int) and 0 < asked <= 8 else 1
    hint = last_user_text(messages)
    tool = _chosen_tool(request)
    answered_tool = bool(messages) and messages[-1].get("role") == "tool"
    out = []
    for variant in range(n):
        if tool is not None and not answered_tool:
            call = tool_call(tool, hint, variant)
            out.append(Choice(None, [call], "tool_calls", max(1, len(call["function"]["arguments"]) // 4)))
            continue
        fmt = request.get("response_format") or {}
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema":
            schema = (fmt.get("json_schema") or {}).get("schema") or {}
            text = json.dumps(value_for(schema, schema, hint))
            out.append(Choice(text, None, "stop", max(1, len(text) // 4)))
            continue
        if isinstance(fmt, dict) and fmt.get("type") == "json_object":
            text = json.dumps({"answer": "Demo mode answer", "you_said": hint[:80]})
            out.append(Choice(text, None, "stop", max(1, len(text) // 4)))
            continue
        text = _after_tool(messages) if answered_tool else demo_text(model, messages, variant)
        capped, finish, tokens = _cap(text, request)
        out.append(Choice(capped, None, finish, tokens))
    return out


def _image_size(url: str) -> tuple[int, int] | None:
    """Width and height of a data-URL PNG, GIF or JPEG, read from its header."""
    if not url.startswith("data:image/") or "," not in url:
        return None
    try:
        raw = base64.b64decode(url.split(",", 1)[1][:65536] + "==", validate=False)
    except ValueError:
        return None
    if raw[:8] == b"\x89PNG\r\n\x1a\n" and len(raw) >= 24:
        return struct.unpack(">II", raw[16:24])
    if raw[:6] in (b"GIF87a", b"GIF89a"):
        return struct.unpack("<HH", raw[6:10])
    at = 2
    while raw[:2] == b"\xff\xd8" and at + 9 < len(raw):
        if raw[at] != 0xFF:
            return None
        marker, length = raw[at + 1], struct.unpack(">H", raw[at + 2 : at + 4])[0]
        if marker in (0xC0, 0xC1, 0xC2):
            height, width = struct.unpack(">HH", raw[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def image_tokens(url: str, detail: str = "auto") -> int:
    """Tokens for one image as OpenAI counts them: 85 + 170 per 512-px tile after scaling (85 at low detail)."""
    if detail == "low":
        return 85
    pixels = _image_size(url) or (1024, 1024)
    scale = min(1.0, 2048 / max(*pixels, 1))
    width, height = pixels[0] * scale, pixels[1] * scale
    scale = min(1.0, 768 / max(min(width, height), 1))
    tiles = math.ceil(width * scale / 512) * math.ceil(height * scale / 512)
    return 85 + 170 * tiles


def prompt_tokens(messages: list[dict[str, Any]], tools: Any = None) -> int:
    """Text at ~4 bytes a token and images by pixel size, never by their encoded bytes."""
    text_bytes, images = len(json.dumps(tools)) if tools else 0, 0
    for message in messages:
        content = message.get("content")
        if isinstance(content, list):
            for part in content:
                if isinstance(part, dict) and part.get("type") == "image_url":
                    image = part.get("image_url")
                    url = image.get("url", "") if isinstance(image, dict) else str(image)
                    images += image_tokens(url, image.get("detail", "auto") if isinstance(image, dict) else "auto")
                elif isinstance(part, dict):
                    text_bytes += len(str(part.get("text", "")).encode())
        else:
            text_bytes += len(json.dumps(content or "").encode())
        text_bytes += len(json.dumps(message.get("tool_calls") or "")) + 8
    return max(1, text_bytes // 4) + images


def embedding(text: Any, dimensions: int) -> list[float]:
    """A deterministic unit vector for `text`: the same text always embeds the same, and texts sharing words lie
    close (each word hashed to a signed dimension, as feature hashing does), so searching documents through the
    demo finds the passages that share the question's words."""
    vector = [0.0] * dimensions
    for word in re.findall(r"\w+", text.lower()) if isinstance(text, str) else []:
        digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
        vector[int.from_bytes(digest[:6], "big") % dimensions] += 1.0 if digest[7] & 1 else -1.0
    if not any(vector):  # no words (or token ids): a random direction seeded by the input
        rng = random.Random(hashlib.sha256(json.dumps(text).encode()).digest())
        vector = [rng.gauss(0, 1) for _ in range(dimensions)]
    norm = math.sqrt(sum(x * x for x in vector)) or 1.0
    return [round(x / norm, 6) for x in vector]
