"""A scripted model for coding agents: a real HTTP server on loopback speaking OpenAI chat completions and the
Responses API (JSON and SSE, usage included), playing one three-step task against the agent's own tools.

The model decides from what each request carries, never from a queue, so side requests (a title on a small
model) and retries cannot put it out of step:

1. no tool results yet: call the agent's file-reading tool (or its shell, `cat`) on the task's file;
2. one result: call the shell with `echo $((6*7))`;
3. two results: answer in text, quoting what the results contained (the file's secret word, the shell's 42).

The secret is only in the file and 42 only in the shell's output, so the final answer can hold both only if
the agent really ran its tools and sent their output back. Requests without tools (title generation) get a
short title. `received` keeps every request as it came, for asserting and for reading what an agent sends.
A chat body is held to the checks OpenAI itself makes that a translation can fail (`chat_refusal`: unknown
fields, roles, tool results that answer no call), and refused with OpenAI's 400 as production would be.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from tests.agents.openai_wire import (
    ToolCall,
    chat_events,
    chat_json,
    chat_refusal,
    chat_results,
    chat_tools,
    responses_events,
    responses_results,
    responses_tools,
)
from tests.loopback import LoopbackServer

SHELL_COMMAND = "echo $((6*7))"
TITLE = "Secret word lookup"
SECRET_PATTERN = re.compile(r"secret word is ([A-Za-z0-9-]+)")
NUMBER_LINE = re.compile(r"^\s*(\d+)\s*$", re.MULTILINE)  # a line of the shell's output that is a number


@dataclass
class AgentTask:
    """The file the model asks the agent to read (absolute path; it says "The secret word is <secret>.")."""

    secret_file: Path


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: Any


# --- the script -------------------------------------------------------------------------------------------


def next_turn(task: AgentTask, tools: list[str], results: list[str]) -> ToolCall | str:
    """What the model does given the tools offered and the tool results so far: a tool call or a final text."""
    if not tools:
        return TITLE
    if not results:
        if "read" in tools:  # opencode, Claude Code style
            return ToolCall("read", {"filePath": str(task.secret_file)})
        return shell_call(tools, f"cat {task.secret_file}")
    if len(results) == 1:
        return shell_call(tools, SHELL_COMMAND)
    return final_text(results)


def shell_call(tools: list[str], command: str) -> ToolCall:
    if "bash" in tools:  # opencode
        return ToolCall("bash", {"command": command, "description": "Run " + command})
    if "exec_command" in tools:  # Codex CLI (unified exec)
        return ToolCall("exec_command", {"cmd": command})
    if "shell" in tools:  # Codex CLI's older shell tool
        return ToolCall("shell", {"command": ["bash", "-lc", command]})
    raise AssertionError(f"no shell tool among {tools}")


def final_text(results: list[str]) -> str:
    text = "\n".join(results)
    secret = SECRET_PATTERN.search(text)
    numbers = NUMBER_LINE.findall(results[-1])
    word = secret.group(1) if secret else "(no secret word in the tool results)"
    number = numbers[-1] if numbers else "(no number in the shell output)"
    return f"The file says the secret word is {word}, and the shell printed {number}."


# --- the server -------------------------------------------------------------------------------------------


@dataclass
class AgentUpstream:
    """The scripted model on 127.0.0.1 (a thread with its own loop). `task` is set by each test."""

    task: AgentTask | None = None
    url: str = ""
    received: list[Received] = field(default_factory=list)
    reported: list[tuple[int, int]] = field(default_factory=list)  # (input, output) tokens of each answer's usage
    models: tuple[str, ...] = ("gpt-4.1", "gpt-4o-mini")
    _server: LoopbackServer = field(default_factory=LoopbackServer)

    def reset(self, task: AgentTask | None = None) -> None:
        self.task = task
        self.received.clear()
        self.reported.clear()

    def requests_to(self, path_suffix: str) -> list[Received]:
        return [r for r in self.received if r.path.endswith(path_suffix)]

    def summary(self) -> str:
        """One line per request: path, model, tools offered, tool results carried (for failure messages)."""
        lines = []
        for r in self.received:
            body = r.body if isinstance(r.body, dict) else {}
            chat = r.path.endswith("/chat/completions")
            tools = chat_tools(body) if chat else responses_tools(body)
            results = chat_results(body) if chat else responses_results(body)
            lines.append(f"{r.path} model={body.get('model')} tools={len(tools)} results={[x[:80] for x in results]}")
        return "\n".join(lines)

    async def _record(self, request: web.Request) -> Any:
        raw = await request.read()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw
        self.received.append(Received(request.path, dict(request.headers), body))
        return body

    def _turn(self, tools: list[str], results: list[str]) -> ToolCall | str:
        if self.task is None:
            raise AssertionError("AgentUpstream.task is not set")
        return next_turn(self.task, tools, results)

    async def _chat_completions(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        refusal = chat_refusal(body)
        if refusal is not None:
            error = {"message": refusal, "type": "invalid_request_error", "param": None, "code": None}
            return web.json_response({"error": error}, status=400)
        turn = self._turn(chat_tools(body), chat_results(body))
        if not body.get("stream"):
            answer = chat_json(body, turn)
            self.reported.append((answer["usage"]["prompt_tokens"], answer["usage"]["completion_tokens"]))
            return web.json_response(answer)
        events = chat_events(body, turn)
        usage = events[-1].get("usage")
        if usage:
            self.reported.append((usage["prompt_tokens"], usage["completion_tokens"]))
        return await sse(request, [(None, event) for event in events], done=True)

    async def _responses(self, request: web.Request) -> web.StreamResponse:
        body = await self._record(request)
        turn = self._turn(responses_tools(body), responses_results(body))
        events = responses_events(body, turn)
        answer = events[-1]["response"]
        self.reported.append((answer["usage"]["input_tokens"], answer["usage"]["output_tokens"]))
        if not body.get("stream"):
            return web.json_response(answer)
        return await sse(request, [(e["type"], e) for e in events], done=False)

    async def _models(self, request: web.Request) -> web.Response:
        data = [{"id": m, "object": "model", "created": 0, "owned_by": "agent-upstream"} for m in self.models]
        return web.json_response({"object": "list", "data": data})

    def _routes(self) -> list[web.RouteDef]:
        return [
            web.post("/v1/chat/completions", self._chat_completions),
            web.post("/v1/responses", self._responses),
            web.get("/v1/models", self._models),
        ]

    def start(self) -> AgentUpstream:
        self.url = self._server.start(self._routes, "agent-upstream")
        return self

    def stop(self) -> None:
        self._server.stop()


async def sse(
    request: web.Request, events: list[tuple[str | None, dict[str, Any]]], *, done: bool
) -> web.StreamResponse:
    """An event stream: `event:` lines when named (Responses), a closing `data: [DONE]` when `done` (chat)."""
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
    await response.prepare(request)
    for name, event in events:
        prefix = f"event: {name}\n".encode() if name else b""
        await response.write(prefix + b"data: " + json.dumps(event).encode() + b"\n\n")
    if done:
        await response.write(b"data: [DONE]\n\n")
    await response.write_eof()
    return response
