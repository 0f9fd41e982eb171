"""The upstream half of Gemini's format: a canonical chat request as a generateContent request."""

from __future__ import annotations

import json
from typing import Any

from llmhub.errors import InvalidRequest
from llmhub.providers.base import ChatRequest
from llmhub.providers.content_parts import (
    arguments_object,
    guess_image_type,
    image_url_of,
    refuses_malformed,
    reject_untranslatable,
    split_data_url,
    text_of,
    tool_names_by_id,
    unsupported,
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
            raise unsupported(f"A '{part.get('type')}' content part", f"{where}.content[{index}]")
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
            raise unsupported(f"A '{role}' message", where)
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
