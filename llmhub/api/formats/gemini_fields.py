"""Gemini field names as Google's parser reads them: snake_case or lowerCamel alike, unknown ones set aside.

A request body is rewritten to lowerCamel against the fields the hub reads; fields it does not know are left
out of that reading and named (a Gemini upstream still gets them: the client's own body passes through).
User data is left as it is: function arguments and responses, JSON schemas, and property names inside a
Gemini schema.
"""

from __future__ import annotations

from typing import Any

Spec = dict[str, Any] | list[Any] | str | None  # a dict of fields, [item spec], "schema", or None (as is)

BLOB = {"mimeType": None, "data": None, "fileUri": None, "displayName": None}
PART = {
    "text": None,
    "inlineData": BLOB,
    "fileData": BLOB,
    "functionCall": {"id": None, "name": None, "args": None},
    "functionResponse": {"id": None, "name": None, "response": None, "willContinue": None, "scheduling": None},
    "thought": None,
    "thoughtSignature": None,
    "executableCode": None,
    "codeExecutionResult": None,
    "videoMetadata": None,
}
CONTENT = {"role": None, "parts": [PART]}
DECLARATION = {
    "name": None,
    "description": None,
    "parameters": "schema",
    "parametersJsonSchema": None,
    "response": "schema",
    "responseJsonSchema": None,
    "behavior": None,
}
# Hosted tools are named so that the translation can refuse them with a clear message.
TOOL = {
    "functionDeclarations": [DECLARATION],
    "googleSearch": None,
    "googleSearchRetrieval": None,
    "codeExecution": None,
    "urlContext": None,
    "retrieval": None,
    "computerUse": None,
    "fileSearch": None,
    "googleMaps": None,
}
GENERATION_CONFIG = {
    "temperature": None,
    "topP": None,
    "topK": None,
    "candidateCount": None,
    "maxOutputTokens": None,
    "stopSequences": None,
    "presencePenalty": None,
    "frequencyPenalty": None,
    "seed": None,
    "responseMimeType": None,
    "responseSchema": "schema",
    "responseJsonSchema": None,
    "responseModalities": None,
    "thinkingConfig": {"thinkingBudget": None, "includeThoughts": None, "thinkingLevel": None},
    "mediaResolution": None,
}
TOOL_CONFIG = {"functionCallingConfig": {"mode": None, "allowedFunctionNames": None}}
REQUEST = {
    "model": None,
    "contents": [CONTENT],
    "systemInstruction": CONTENT,
    "generationConfig": GENERATION_CONFIG,
    "tools": [TOOL],
    "toolConfig": TOOL_CONFIG,
    "safetySettings": None,
    "cachedContent": None,
    "labels": None,
}
COUNT_REQUEST = {"contents": [CONTENT], "generateContentRequest": REQUEST}
SCHEMA_VALUES = {"enum", "required", "propertyOrdering", "example", "default"}  # values that are data


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def _schema(value: Any) -> Any:
    if isinstance(value, list):
        return [_schema(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = camel(key)
        if name == "properties" and isinstance(item, dict):
            out[name] = {prop: _schema(sub) for prop, sub in item.items()}
        else:
            out[name] = item if name in SCHEMA_VALUES else _schema(item)
    return out


def _walk(value: Any, spec: Spec, where: str, unknown: list[str]) -> Any:
    if spec is None:
        return value
    if spec == "schema":
        return _schema(value)
    if isinstance(spec, list):
        if not isinstance(value, list):
            return value  # the translation names the wrong type
        return [_walk(item, spec[0], f"{where}[{n}]", unknown) for n, item in enumerate(value)]
    assert isinstance(spec, dict)
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = camel(key)
        at = f"{where}.{key}" if where else key
        if name not in spec:
            unknown.append(at)
            continue
        out[name] = _walk(item, spec[name], at, unknown)
    return out


def normalised(body: Any, spec: Spec = None) -> tuple[Any, list[str]]:
    """`body` with every field the hub reads in lowerCamel, and the fields it does not know (left out), by path."""
    unknown: list[str] = []
    return _walk(body, REQUEST if spec is None else spec, "", unknown), unknown
