"""A scripted model on loopback for the coding agents: Anthropic Messages and Gemini generateContent, JSON and SSE.

It plays one task over the agent's own tools: first a call to the agent's read-file tool on `task.file_path`,
then a call to its shell tool with `task.command`, then a final text quoting what the tool results in the
request said (the file's secret word, the command's output). What the results said is read from the request,
so the answer proves the tools ran. Requests without the agent's tools (titles, topic checks, next-speaker
checks) get a short text, or an object fitting the JSON schema they ask for. Every request is logged.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tests.loopback import LoopbackServer

SECRET = re.compile(r"secret word is (\w+)")
SIGNATURE = "c2lnbmVkIGJ5IHRoZSBzY3JpcHRlZCBtb2RlbA=="  # a thinking block's signature, sent back by the agent
SHELL_OUTPUT = re.compile(r"Output: (.*)")  # Gemini CLI's run_shell_command result; Claude Code's Bash is bare


@dataclass
class Task:
    file_path: str
    command: str


@dataclass
class Logged:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    usage: tuple[int, int] | None = None  # the (input, output) tokens this answer reported


@dataclass(frozen=True)
class ToolNames:
    read: str  # the agent's read-file tool
    shell: str  # its shell tool


CLAUDE_TOOLS = ToolNames(read="Read", shell="Bash")
GEMINI_TOOLS = ToolNames(read="read_file", shell="run_shell_command")


@dataclass
class Step:
    """One answer: a text, and optionally a tool call (name, arguments)."""

    text: str
    tool: tuple[str, dict[str, Any]] | None = None


def final_text(results: list[str]) -> str:
    """The last answer, built only from what the tool results carried."""
    found = SECRET.search(results[0]) if results else None
    secret = found.group(1) if found else "(no secret word in the read result)"
    shell = "(no shell result)"
    if len(results) > 1:
        labelled = SHELL_OUTPUT.search(results[1])
        shell = labelled.group(1) if labelled else results[1].strip().splitlines()[0]
    return f"The file's secret word is {secret} and the command printed {shell}."


def next_step(task: Task, tools: ToolNames, read_argument: str, results: list[str]) -> Step:
    if not results:
        return Step("I'll read the file first.", (tools.read, {read_argument: task.file_path}))
    if len(results) == 1:
        arguments = {"command": task.command, "description": "Compute six times seven"}
        return Step("Now the shell command.", (tools.shell, arguments))
    return Step(final_text(results))


def agent_tools(schemas: dict[str, Any]) -> tuple[ToolNames, str] | None:
    """Which agent's tools a request declares (by name, with their JSON schemas), and the read tool's path
    argument (its first required one); None for a side request without them. Either format may carry either
    agent's tools: the hub translates across formats."""
    for tools in (CLAUDE_TOOLS, GEMINI_TOOLS):
        if tools.read in schemas and tools.shell in schemas:
            schema = schemas[tools.read] or {}
            required = schema.get("required") or list(schema.get("properties") or {}) or ["file_path"]
            return tools, str(required[0])
    return None


def fill_schema(schema: Any) -> Any:
    """A small value fitting a JSON schema (side requests asking for structured output)."""
    if not isinstance(schema, dict):
        return "ok"
    if "enum" in schema:
        return schema["enum"][0]  # Gemini CLI's next-speaker check lists "user" first: its turn ends
    kind = str(schema.get("type", "object")).lower()
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: fill_schema(sub) for name, sub in properties.items()}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 0
    if kind == "boolean":
        return False
    return "ok"


def tokens_of(raw: bytes | str) -> int:
    return max(1, len(raw) // 4)


# --- Anthropic Messages -------------------------------------------------------------------------------


def anthropic_results(body: dict[str, Any]) -> list[str]:
    results = []
    for message in body.get("messages") or []:
        content = message.get("content")
        if not isinstance(content, list):
            continue
        for block in content:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                inner = block.get("content")
                if isinstance(inner, list):
                    inner = "".join(part.get("text", "") for part in inner if isinstance(part, dict))
                results.append(str(inner or ""))
    return results


def anthropic_step(task: Task, body: dict[str, Any]) -> Step:
    found = agent_tools({tool.get("name"): tool.get("input_schema") for tool in body.get("tools") or []})
    if found:
        return next_step(task, *found, anthropic_results(body))
    output_format = body.get("output_format") or (body.get("output_config") or {}).get("format")
    if isinstance(output_format, dict) and output_format.get("schema"):
        return Step(json.dumps(fill_schema(output_format["schema"])))
    return Step("Reading a file")


def anthropic_blocks(step: Step, *, thinking: bool) -> list[dict[str, Any]]:
    """The answer's blocks: a signed thinking block first when the request enabled thinking, then text and the
    tool call."""
    blocks: list[dict[str, Any]] = []
    if thinking:
        blocks.append({"type": "thinking", "thinking": "The task has three steps.", "signature": SIGNATURE})
    blocks.append({"type": "text", "text": step.text})
    if step.tool:
        name, arguments = step.tool
        blocks.append({"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": name, "input": arguments})
    return blocks


def anthropic_usage(input_tokens: int, output_tokens: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": 0,
        "output_tokens": output_tokens,
        "service_tier": "standard",
    }


def anthropic_message(model: str, step: Step, input_tokens: int, *, thinking: bool = False) -> dict[str, Any]:
    blocks = anthropic_blocks(step, thinking=thinking)
    return {
        "id": f"msg_{uuid.uuid4().hex[:24]}",
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": blocks,
        "stop_reason": "tool_use" if step.tool else "end_turn",
        "stop_sequence": None,
        "usage": anthropic_usage(input_tokens, tokens_of(json.dumps(blocks))),
    }


def anthropic_events(message: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The message as Anthropic streams it: start, each block (start, deltas, stop), delta with usage, stop."""
    start = {**message, "content": [], "stop_reason": None}
    start["usage"] = {**message["usage"], "output_tokens": 1}
    events: list[tuple[str, dict[str, Any]]] = [("message_start", {"type": "message_start", "message": start})]
    events.append(("ping", {"type": "ping"}))
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            opened: dict[str, Any] = {"type": "text", "text": ""}
            text = block["text"]
            deltas = [{"type": "text_delta", "text": text[i : i + 12]} for i in range(0, len(text), 12)]
        elif block["type"] == "thinking":
            opened = {"type": "thinking", "thinking": "", "signature": ""}
            deltas = [{"type": "thinking_delta", "thinking": block["thinking"]}]
            deltas.append({"type": "signature_delta", "signature": block["signature"]})
        else:
            opened = {**block, "input": {}}
            arguments = json.dumps(block["input"])
            deltas = [{"type": "input_json_delta", "partial_json": ""}]
            deltas += [
                {"type": "input_json_delta", "partial_json": arguments[i : i + 16]}
                for i in range(0, len(arguments), 16)
            ]
        events.append(("content_block_start", {"type": "content_block_start", "index": index, "content_block": opened}))
        events += [("content_block_delta", {"type": "content_block_delta", "index": index, "delta": d}) for d in deltas]
        events.append(("content_block_stop", {"type": "content_block_stop", "index": index}))
    delta = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    usage = {"output_tokens": message["usage"]["output_tokens"]}
    events.append(("message_delta", {"type": "message_delta", "delta": delta, "usage": usage}))
    events.append(("message_stop", {"type": "message_stop"}))
    return events


# --- Gemini generateContent ---------------------------------------------------------------------------


def gemini_results(body: dict[str, Any]) -> list[str]:
    results = []
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            response = part.get("functionResponse") if isinstance(part, dict) else None
            if response is not None:
                answer = response.get("response") or {}
                output = answer.get("output") if isinstance(answer, dict) else None
                results.append(output if isinstance(output, str) else json.dumps(answer))
    return results


def gemini_signatures(body: dict[str, Any]) -> list[str | None]:
    """The thoughtSignature sent back with each function call in the conversation (None where missing)."""
    calls = [part for content in body.get("contents") or [] for part in content.get("parts") or []]
    return [part.get("thoughtSignature") for part in calls if isinstance(part, dict) and "functionCall" in part]


def gemini_schemas(body: dict[str, Any]) -> dict[str, Any]:
    declared = {}
    for tool in body.get("tools") or []:
        for declaration in tool.get("functionDeclarations") or []:
            declared[declaration.get("name")] = declaration.get("parametersJsonSchema") or declaration.get("parameters")
    return declared


def gemini_step(task: Task, body: dict[str, Any]) -> Step:
    found = agent_tools(gemini_schemas(body))
    if found:
        return next_step(task, *found, gemini_results(body))
    config = body.get("generationConfig") or {}
    schema = config.get("responseJsonSchema") or config.get("responseSchema")
    if schema:
        return Step(json.dumps(fill_schema(schema)))
    return Step("Reading a file")


def gemini_response(model: str, step: Step, prompt_tokens: int) -> dict[str, Any]:
    """The answer as Gemini's thinking models give it: the function call signed (thoughtSignature), which the
    agent must send back with the call in its next request."""
    parts: list[dict[str, Any]] = [{"text": step.text}]
    if step.tool:
        name, arguments = step.tool
        parts.append({"functionCall": {"name": name, "args": arguments}, "thoughtSignature": SIGNATURE})
    candidates_tokens = tokens_of(json.dumps(parts))
    return {
        "candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": candidates_tokens,
            "totalTokenCount": prompt_tokens + candidates_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": prompt_tokens}],
        },
        "modelVersion": model,
        "responseId": uuid.uuid4().hex[:22],
    }


# --- the server ---------------------------------------------------------------------------------------


@dataclass
class AgentUpstream:
    task: Task
    url: str = ""
    log: list[Logged] = field(default_factory=list)
    _server: LoopbackServer = field(default_factory=LoopbackServer)

    def served(self, path_part: str) -> list[Logged]:
        return [entry for entry in self.log if path_part in entry.path]

    async def _record(self, request: web.Request) -> tuple[bytes, Any]:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode(errors="replace")
        self.log.append(Logged(request.method, request.path_qs, dict(request.headers), body))
        return raw, body

    async def messages(self, request: web.Request) -> web.StreamResponse:
        raw, body = await self._record(request)
        thinking = (body.get("thinking") or {}).get("type") in ("enabled", "adaptive")
        message = anthropic_message(body["model"], anthropic_step(self.task, body), tokens_of(raw), thinking=thinking)
        self.log[-1].usage = (message["usage"]["input_tokens"], message["usage"]["output_tokens"])
        headers = {"request-id": f"req_{uuid.uuid4().hex[:24]}"}
        if not body.get("stream"):
            return web.json_response(message, headers=headers)
        response = web.StreamResponse(headers={**headers, "Content-Type": "text/event-stream"})
        await response.prepare(request)
        for name, data in anthropic_events(message):
            await response.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
        await response.write_eof()
        return response

    async def count_tokens(self, request: web.Request) -> web.Response:
        raw, _ = await self._record(request)
        return web.json_response({"input_tokens": tokens_of(raw)})

    async def anthropic_models(self, request: web.Request) -> web.Response:
        await self._record(request)
        model = {"type": "model", "id": "claude-3-5-sonnet-20241022", "display_name": "Claude 3.5 Sonnet"}
        model["created_at"] = "2024-10-22T00:00:00Z"
        return web.json_response({"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]})

    async def gemini(self, request: web.Request) -> web.StreamResponse:
        raw, body = await self._record(request)
        model, _, method = request.match_info["target"].partition(":")
        if method == "countTokens":
            return web.json_response({"totalTokens": tokens_of(raw)})
        answer = gemini_response(model, gemini_step(self.task, body), tokens_of(raw))
        metadata = answer["usageMetadata"]
        self.log[-1].usage = (metadata["promptTokenCount"], metadata["candidatesTokenCount"])
        if method == "generateContent":
            return web.json_response(answer)
        response = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
        await response.prepare(request)
        await response.write(f"data: {json.dumps(answer)}\r\n\r\n".encode())
        await response.write_eof()
        return response

    async def unknown(self, request: web.Request) -> web.Response:
        await self._record(request)
        return web.json_response({"error": {"message": f"no route {request.path}"}}, status=404)

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/messages", self.messages),
            web.post("/v1/messages/count_tokens", self.count_tokens),
            web.get("/v1/models", self.anthropic_models),
            web.post("/v1beta/models/{target}", self.gemini),
            web.route("*", "/{tail:.*}", self.unknown),
        ]

    def start(self) -> AgentUpstream:
        self.url = self._server.start(self._routes, "agent-upstream")
        return self

    def stop(self) -> None:
        self._server.stop()
