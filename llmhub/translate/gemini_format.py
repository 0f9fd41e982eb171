"""Gemini generateContent requests ⇄ canonical (OpenAI) chat requests, in both directions."""

from __future__ import annotations

import json
from typing import Any

from llmhub.api.openai_format import parse_chat_request
from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.translate.content_parts import (
    arguments_json,
    arguments_object,
    canonical_content,
    data_url,
    guess_image_type,
    image_url_of,
    new_call_id,
    refuses_malformed,
    reject_untranslatable,
    split_data_url,
    text_of,
    tool_names_by_id,
)

# OpenAI parameter → generationConfig field (same meaning and range).
GENERATION_FIELDS = {
    "temperature": "temperature",
    "top_p": "topP",
    "top_k": "topK",
    "n": "candidateCount",
    "presence_penalty": "presencePenalty",
    "frequency_penalty": "frequencyPenalty",
    "seed": "seed",
}
# OpenAI tool_choice → functionCallingConfig.mode.
CALLING_MODES = {"auto": "AUTO", "required": "ANY", "none": "NONE"}
# JSON-Schema keywords Gemini's OpenAPI-subset schema rejects.
SCHEMA_KEYS_DROPPED = ("additionalProperties", "$schema", "strict")


def _unsupported(what: str, where: str) -> InvalidRequest:
    return InvalidRequest(f"{what} cannot be translated: {where}.", code="unsupported_content", param=where)


def _schema_for_gemini(schema: Any) -> Any:
    if isinstance(schema, dict):
        cleaned = {k: _schema_for_gemini(v) for k, v in schema.items() if k not in SCHEMA_KEYS_DROPPED}
        if isinstance(schema.get("properties"), dict):
            # Property names are the caller's: a parameter may well be called "strict".
            cleaned["properties"] = {k: _schema_for_gemini(v) for k, v in schema["properties"].items()}
        return cleaned
    if isinstance(schema, list):
        return [_schema_for_gemini(v) for v in schema]
    return schema


def _schema_from_gemini(schema: Any) -> Any:
    """Gemini writes types in upper case ("OBJECT"); JSON Schema wants them in lower case."""
    if isinstance(schema, dict):
        return {
            k: (v.lower() if k == "type" and isinstance(v, str) else _schema_from_gemini(v)) for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_schema_from_gemini(v) for v in schema]
    return schema


# --- OpenAI → Gemini (the upstream adapter) ---------------------------------------------------------------


def _parts_of(content: Any, where: str) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"text": content}] if content else []
    parts: list[dict[str, Any]] = []
    for index, part in enumerate(content or []):
        if part.get("type") == "text":
            parts.append({"text": str(part.get("text") or "")})
        elif part.get("type") == "image_url":
            url = image_url_of(part)
            inline = split_data_url(url)
            if inline is not None:
                parts.append({"inlineData": {"mimeType": inline[0], "data": inline[1]}})
            else:
                parts.append({"fileData": {"mimeType": guess_image_type(url), "fileUri": url}})
        else:
            raise _unsupported(f"A '{part.get('type')}' content part", f"{where}.content[{index}]")
    return parts


def _function_response(message: dict[str, Any], names: dict[str, str], where: str) -> dict[str, Any]:
    name = names.get(str(message.get("tool_call_id")))
    if not name:
        raise InvalidRequest(
            f"'{where}.tool_call_id' does not match a tool call of an earlier assistant message.", param=where
        )
    text = text_of(message.get("content"))
    try:
        response = json.loads(text)
    except ValueError:
        response = None
    if not isinstance(response, dict):
        response = {"result": text}  # Gemini wants an object; a plain answer is wrapped
    return {"functionResponse": {"name": name, "response": response}}


def _add(contents: list[dict[str, Any]], role: str, parts: list[dict[str, Any]]) -> None:
    if not parts:
        return
    if contents and contents[-1]["role"] == role:
        contents[-1]["parts"].extend(parts)
    else:
        contents.append({"role": role, "parts": parts})


def _generation_config(params: dict[str, Any]) -> dict[str, Any]:
    config = {field: params[name] for name, field in GENERATION_FIELDS.items() if params.get(name) is not None}
    max_tokens = params.get("max_completion_tokens") or params.get("max_tokens")
    if max_tokens:
        config["maxOutputTokens"] = max_tokens
    stop = params.get("stop")
    if stop:
        config["stopSequences"] = [stop] if isinstance(stop, str) else list(stop)
    response_format = params.get("response_format") or {}
    if isinstance(response_format, dict) and response_format.get("type") in ("json_object", "json_schema"):
        config["responseMimeType"] = "application/json"
        schema = (response_format.get("json_schema") or {}).get("schema")
        if schema:
            config["responseSchema"] = _schema_for_gemini(schema)
    return config


def _tool_config(choice: Any) -> dict[str, Any]:
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name")
        return {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": [name]}}
    return {"functionCallingConfig": {"mode": CALLING_MODES.get(str(choice), "AUTO")}}


@refuses_malformed
def to_gemini_request(request: ChatRequest) -> dict[str, Any]:
    """The generateContent body for a canonical request (the model goes in the URL)."""
    params = request.params
    reject_untranslatable(params, "Gemini")
    names = tool_names_by_id(request.messages)
    system: list[str] = []
    contents: list[dict[str, Any]] = []
    for index, message in enumerate(request.messages):
        role, where = message.get("role"), f"messages[{index}]"
        if role in ("system", "developer"):
            system.append(text_of(message.get("content")))
        elif role == "user":
            _add(contents, "user", _parts_of(message.get("content"), where))
        elif role == "assistant":
            parts = _parts_of(message.get("content"), where)
            for n, call in enumerate(message.get("tool_calls") or []):
                function = call.get("function") or {}
                args = arguments_object(function.get("arguments"), f"{where}.tool_calls[{n}].function.arguments")
                parts.append({"functionCall": {"name": function.get("name"), "args": args}})
            _add(contents, "model", parts)
        elif role == "tool":
            _add(contents, "user", [_function_response(message, names, where)])
        else:
            raise _unsupported(f"A '{role}' message", where)
    payload: dict[str, Any] = {"contents": contents}
    if any(system):
        payload["systemInstruction"] = {"parts": [{"text": "\n\n".join(s for s in system if s)}]}
    config = _generation_config(params)
    if config:
        payload["generationConfig"] = config
    declarations = [
        {
            "name": t["function"]["name"],
            "description": t["function"].get("description", ""),
            **(
                {"parameters": _schema_for_gemini(t["function"]["parameters"])}
                if t["function"].get("parameters")
                else {}
            ),
        }
        for t in params.get("tools") or []
        if isinstance(t, dict) and isinstance(t.get("function"), dict)
    ]
    if declarations:
        payload["tools"] = [{"functionDeclarations": declarations}]
        if params.get("tool_choice") is not None:
            payload["toolConfig"] = _tool_config(params["tool_choice"])
    return payload


# --- Gemini → OpenAI (the inbound generateContent endpoints) --------------------------------------------


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


def _messages_of(content: Any, where: str, ids: _CallIds) -> list[dict[str, Any]]:
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
            parts.append(_image_from_gemini(part, at))
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
        else:
            raise _unsupported(f"A part with '{next(iter(part), 'nothing')}'", at)
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
            raise _unsupported(f"inlineData of type '{mime}' (only images are)", where)
        url = data_url(mime, str(blob.get("data") or ""))
    else:
        file = part["fileData"] or {}
        url = str(file.get("fileUri") or "")
        if not url.startswith(("http://", "https://")):
            raise _unsupported("fileData that is not an http(s) URL (uploaded files are not)", where)
    return {"type": "image_url", "image_url": {"url": url}}


def _tools_from_gemini(tools: Any) -> list[dict[str, Any]]:
    converted = []
    for n, tool in enumerate(tools if isinstance(tools, list) else []):
        if not isinstance(tool, dict) or set(tool) - {"functionDeclarations"}:
            kind = ", ".join(tool) if isinstance(tool, dict) else "?"
            raise _unsupported(f"The Gemini-hosted tool '{kind}'", f"tools[{n}]")
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


@refuses_malformed
def from_gemini_request(body: Any, model: str, *, stream: bool) -> ChatRequest:
    """A canonical request from a generateContent body and the model named in the URL."""
    if not isinstance(body, dict):
        raise InvalidRequest("The request body must be a JSON object.")
    if body.get("cachedContent"):
        raise _unsupported("cachedContent (Gemini context caching)", "cachedContent")
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise InvalidRequest("'contents' must be a non-empty array.", param="contents")
    messages: list[dict[str, Any]] = []
    system = body.get("systemInstruction") or body.get("system_instruction")
    if isinstance(system, str):
        messages.append({"role": "system", "content": system})
    elif isinstance(system, dict):
        text = "".join(str(p.get("text") or "") for p in system.get("parts") or [] if isinstance(p, dict))
        messages.append({"role": "system", "content": text})
    ids = _CallIds()
    for index, content in enumerate(contents):
        messages += _messages_of(content, f"contents[{index}]", ids)
    config = body.get("generationConfig") or {}
    params = _params_from_config(config if isinstance(config, dict) else {})
    if body.get("tools"):
        params["tools"] = _tools_from_gemini(body["tools"])
    calling = ((body.get("toolConfig") or {}).get("functionCallingConfig") or {}) if params.get("tools") else {}
    mode = {v: k for k, v in CALLING_MODES.items()}.get(str(calling.get("mode") or "").upper())
    allowed = calling.get("allowedFunctionNames") or []
    if mode == "required" and len(allowed) == 1:
        params["tool_choice"] = {"type": "function", "function": {"name": allowed[0]}}
    elif mode:
        params["tool_choice"] = mode
    return parse_chat_request(
        {"model": model.removeprefix("models/"), "messages": messages, "stream": stream, **params}
    )
