"""The client half of Gemini's format: an inbound generateContent body parsed into a canonical chat request.

Parsed leniently: the client's own body passes through to a Gemini upstream whatever it holds. Fields the hub
does not know are left out of the canonical form; what only Gemini can carry (audio or uploaded files,
hosted tools, cachedContent, image output) is noted on the request as `untranslatable`, a 400 raised only when
the chosen upstream needs a translation.
"""

from __future__ import annotations

import re
from typing import Any

from llmhub.api.formats.gemini_fields import COUNT_REQUEST, normalised
from llmhub.api.formats.openai import parse_chat_request
from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.providers.content_parts import (
    arguments_json,
    canonical_content,
    data_url,
    new_call_id,
    refuses_malformed,
    unsupported,
)
from llmhub.providers.gemini.request import CALLING_MODES, GENERATION_FIELDS


def _schema_from_gemini(schema: Any) -> Any:
    """Gemini writes types in upper case ("OBJECT"); JSON Schema wants them in lower case."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else _schema_from_gemini(v)) for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_schema_from_gemini(v) for v in schema]
    return schema


class _CallIds:
    """Pairs each functionResponse with the functionCall it answers: by id when given, else by name."""

    def __init__(self) -> None:
        self.pending: list[tuple[str, str]] = []  # (name, id) of calls not yet answered

    def call(self, name: str, given: Any) -> str:
        call_id = str(given) if given else new_call_id()
        self.pending.append((name, call_id))
        return call_id

    def answer(self, name: str, given: Any, where: str) -> str:
        for entry in self.pending:
            if (given and entry[1] == given) or (not given and entry[0] == name):
                self.pending.remove(entry)
                return entry[1]
        raise InvalidRequest(f"'{where}' answers a functionCall '{name}' that no earlier model turn made.", param=where)


def _messages_of(content: Any, where: str, ids: _CallIds, refusals: list[InvalidRequest]) -> list[dict[str, Any]]:
    if not isinstance(content, dict) or not isinstance(content.get("parts"), list):
        raise InvalidRequest(f"'{where}' must be an object with 'role' and 'parts'.", param=where)
    model_turn = content.get("role") == "model"
    parts: list[dict[str, Any]] = []
    calls: list[dict[str, Any]] = []
    answers: list[dict[str, Any]] = []
    for n, part in enumerate(content["parts"]):
        at = f"{where}.parts[{n}]"
        if not isinstance(part, dict):
            raise InvalidRequest(f"'{at}' must be an object.", param=at)
        if part.get("thought"):
            continue  # the model's own reasoning is not replayed to other models
        if "text" in part:
            parts.append({"type": "text", "text": str(part["text"] or "")})
        elif "inlineData" in part or "fileData" in part:
            try:
                parts.append(_image_from_gemini(part, at))
            except InvalidRequest as exc:
                refusals.append(exc)
        elif "functionCall" in part and model_turn:
            call = part["functionCall"] or {}
            name = str(call.get("name") or "")
            function = {"name": name, "arguments": arguments_json(call.get("args"))}
            calls.append({"id": ids.call(name, call.get("id")), "type": "function", "function": function})
        elif "functionResponse" in part:
            answer = part["functionResponse"] or {}
            name = str(answer.get("name") or "")
            call_id = ids.answer(name, answer.get("id"), at)
            answers.append({"role": "tool", "tool_call_id": call_id, "content": arguments_json(answer.get("response"))})
        else:  # a part with no field the hub reads (its own were set aside as unknown)
            refusals.append(unsupported(f"A part with '{next(iter(part), 'no field the hub reads')}'", at))
    if model_turn:
        text = "".join(p["text"] for p in parts if p["type"] == "text")
        if not text and not calls:
            return []
        message: dict[str, Any] = {"role": "assistant", "content": text or None}
        return [message | {"tool_calls": calls}] if calls else [message]
    return answers + ([{"role": "user", "content": canonical_content(parts)}] if parts else [])


def _image_from_gemini(part: dict[str, Any], where: str) -> dict[str, Any]:
    if "inlineData" in part:
        blob = part["inlineData"] or {}
        mime = str(blob.get("mimeType") or "")
        if not mime.startswith("image/"):
            raise unsupported(f"inlineData of type '{mime}' (only images are)", where)
        url = data_url(mime, str(blob.get("data") or ""))
    else:
        file = part["fileData"] or {}
        url = str(file.get("fileUri") or "")
        if not url.startswith(("http://", "https://")):
            raise unsupported("fileData that is not an http(s) URL (uploaded files are not)", where)
    return {"type": "image_url", "image_url": {"url": url}}


def _tools_from_gemini(tools: Any, refusals: list[InvalidRequest]) -> list[dict[str, Any]]:
    converted = []
    for n, tool in enumerate(tools if isinstance(tools, list) else []):
        if not isinstance(tool, dict) or set(tool) - {"functionDeclarations"}:
            kind = ", ".join(tool) if isinstance(tool, dict) else "?"
            refusals.append(unsupported(f"The Gemini-hosted tool '{kind}'", f"tools[{n}]"))
            continue
        for declaration in tool.get("functionDeclarations") or []:
            schema = declaration.get("parametersJsonSchema") or _schema_from_gemini(declaration.get("parameters"))
            function = {"name": declaration.get("name"), "parameters": schema or {"type": "object", "properties": {}}}
            if declaration.get("description"):
                function["description"] = declaration["description"]
            converted.append({"type": "function", "function": function})
    return converted


def _params_from_config(config: dict[str, Any]) -> dict[str, Any]:
    params = {name: config[field] for name, field in GENERATION_FIELDS.items() if config.get(field) is not None}
    params.pop("top_k", None)  # OpenAI has no top_k; documented as dropped
    if config.get("maxOutputTokens") is not None:
        params["max_tokens"] = config["maxOutputTokens"]
    if config.get("stopSequences"):
        params["stop"] = config["stopSequences"]
    if config.get("responseMimeType") == "application/json":
        schema = config.get("responseJsonSchema") or _schema_from_gemini(config.get("responseSchema"))
        params["response_format"] = (
            {"type": "json_schema", "json_schema": {"name": "response", "schema": schema}}
            if schema
            else {"type": "json_object"}
        )
    return params


def _gemini_only(body: dict[str, Any], unknown: list[str]) -> list[InvalidRequest]:
    """What a request asks of Gemini alone, beyond its parts: refused only if it must be translated."""
    refusals = []
    if body.get("cachedContent"):
        refusals.append(unsupported("cachedContent (Gemini context caching)", "cachedContent"))
    config = body.get("generationConfig")
    modalities = config.get("responseModalities") if isinstance(config, dict) else None
    if isinstance(modalities, list) and {str(m).upper() for m in modalities} - {"TEXT"}:
        where = "generationConfig.responseModalities"
        refusals.append(unsupported(f"Output modalities {', '.join(map(str, modalities))}", where))
    # A tool of a kind the hub does not know is a hosted tool of Gemini's, not a field to drop.
    refusals += [unsupported(f"The Gemini-hosted tool '{at}'", at) for at in unknown if at.startswith("tools[")]
    return refusals


# Fields the hub reads but the canonical form cannot carry: named as dropped when the request is translated.
NOT_CARRIED = {
    "generationConfig": ("topK", "thinkingConfig", "mediaResolution"),
    "": ("safetySettings", "cachedContent", "labels"),
}


def gemini_dropped(body: dict[str, Any], unknown: list[str]) -> list[str]:
    """What of a (normalised) generateContent body the canonical form cannot carry, by name: the fields the
    hub does not know (hosted tools aside: those are refused), the Gemini-only ones that ask for something,
    replayed thoughts, and a function-calling mode or allowlist the canonical tool_choice cannot say."""
    dropped: list[str] = []

    def name(at: str) -> None:
        at = re.sub(r"\[\d+\]", "", at)
        if at not in dropped:
            dropped.append(at)

    for at in unknown:
        if not at.startswith("tools["):
            name(at)
    for area, fields in NOT_CARRIED.items():
        holder = body.get(area) if area else body
        for field in fields:
            if isinstance(holder, dict) and holder.get(field) not in (None, [], {}, ""):
                name(f"{area}.{field}" if area else field)
    contents = given if isinstance(given := body.get("contents"), list) else []
    parts = [p for c in contents if isinstance(c, dict) and isinstance(c.get("parts"), list) for p in c["parts"]]
    if any(isinstance(part, dict) and part.get("thought") for part in parts):
        name("contents.parts.thought")
    config = given if isinstance(given := body.get("toolConfig"), dict) else {}
    calling = given if isinstance(given := config.get("functionCallingConfig"), dict) else {}
    mode = str(calling.get("mode") or "").upper()
    if mode and mode not in CALLING_MODES.values() and mode != "MODE_UNSPECIFIED":
        name("toolConfig.functionCallingConfig.mode")
    if len(calling.get("allowedFunctionNames") or []) > 1:
        name("toolConfig.functionCallingConfig.allowedFunctionNames")
    return dropped


@refuses_malformed
def from_gemini_request(body: Any, model: str, *, stream: bool) -> ChatRequest:
    """A canonical request from a generateContent body and the model named in the URL."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    body, unknown = normalised(body)
    refusals = _gemini_only(body, unknown)
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise InvalidRequest("'contents' must be a non-empty array.", param="contents")
    messages: list[dict[str, Any]] = []
    system = body.get("systemInstruction")
    if isinstance(system, str):
        messages.append({"role": "system", "content": system})
    elif isinstance(system, dict):
        text = "".join(str(p.get("text") or "") for p in system.get("parts") or [] if isinstance(p, dict))
        messages.append({"role": "system", "content": text})
    ids = _CallIds()
    for index, content in enumerate(contents):
        messages += _messages_of(content, f"contents[{index}]", ids, refusals)
    if refusals and not any(m["role"] in ("user", "assistant", "tool") for m in messages):
        messages.append({"role": "user", "content": ""})  # only Gemini can read this prompt: it stands for it
    config = body.get("generationConfig") or {}
    params = _params_from_config(config if isinstance(config, dict) else {})
    if body.get("tools"):
        params["tools"] = _tools_from_gemini(body["tools"], refusals)
    calling = ((body.get("toolConfig") or {}).get("functionCallingConfig") or {}) if params.get("tools") else {}
    mode = {v: k for k, v in CALLING_MODES.items()}.get(str(calling.get("mode") or "").upper())
    allowed = calling.get("allowedFunctionNames") or []
    if mode == "required" and len(allowed) == 1:
        params["tool_choice"] = {"type": "function", "function": {"name": allowed[0]}}
    elif mode:
        params["tool_choice"] = mode
    request = parse_chat_request(
        {"model": model.removeprefix("models/"), "messages": messages, "stream": stream, **params}
    )
    request.untranslatable = refusals[0] if refusals else None
    request.dropped = gemini_dropped(body, unknown)
    return request


def gemini_count_request(body: Any, model: str) -> ChatRequest:
    """A countTokens body (`contents`, or a whole `generateContentRequest`) as the chat it would be."""
    body = normalised(body, COUNT_REQUEST)[0] if isinstance(body, dict) else body
    if isinstance(body, dict) and isinstance(body.get("generateContentRequest"), dict):
        return from_gemini_request(body["generateContentRequest"], model, stream=False)
    return from_gemini_request(body, model, stream=False)
