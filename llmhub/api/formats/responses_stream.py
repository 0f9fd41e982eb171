"""The client half of OpenAI's Responses format: gateway stream events written as the Responses event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.block_stream import BlockStreamWriter, relay_blocks, served_model
from llmhub.api.formats.responses_request import namespaced_functions
from llmhub.api.formats.responses_response import function_call_item, message_item, new_item_id, response_object
from llmhub.errors import HubError
from llmhub.gateway import Stream

OnDone = Callable[[dict[str, Any]], Awaitable[None]]


class ResponsesStreamWriter(BlockStreamWriter):
    """Opens and closes output items (a message, function calls) as canonical chunks arrive."""

    def __init__(self, response_id: str, model: str, echo: dict[str, Any], on_done: OnDone | None = None) -> None:
        super().__init__()
        self.response_id, self.model, self.echo, self.on_done = response_id, model, echo, on_done
        self.output: list[dict[str, Any]] = []
        self._open: dict[str, Any] = {}  # the item being streamed
        self._sequence = 0
        self._namespaces = namespaced_functions(echo.get("tools"))

    def _event(self, name: str, data: dict[str, Any]) -> bytes:
        payload = {"type": name, "sequence_number": self._sequence, **data}
        self._sequence += 1
        return b"event: " + name.encode() + b"\ndata: " + jsonio.dumps_bytes(payload) + b"\n\n"

    def _snapshot(self, status: str, **extra: Any) -> dict[str, Any]:
        return response_object(
            self.response_id, self.model, self.echo, output=list(self.output), status=status, **extra
        )

    def start(self) -> bytes:
        return self._event("response.created", {"response": self._snapshot("in_progress")}) + self._event(
            "response.in_progress", {"response": self._snapshot("in_progress")}
        )

    def _where(self) -> dict[str, Any]:
        return {"item_id": self._open["id"], "output_index": len(self.output)}

    def _begin(self, item: dict[str, Any]) -> bytes:
        self._open = item
        shown = {**item, "content": []} if item["type"] == "message" else item
        return self._event("response.output_item.added", {"output_index": len(self.output), "item": shown})

    def open_text(self) -> bytes:
        item = message_item("", new_item_id("msg"), status="in_progress")
        out = self._begin(item)
        part = {**self._where(), "content_index": 0, "part": dict(item["content"][0])}
        return out + self._event("response.content_part.added", part)

    def text(self, piece: str) -> bytes:
        self._open["content"][0]["text"] += piece
        delta = {**self._where(), "content_index": 0, "delta": piece, "logprobs": []}
        return self._event("response.output_text.delta", delta)

    def open_tool(self, call_id: str | None, name: str | None) -> bytes:
        start = {"id": call_id, "function": {"name": name, "arguments": ""}}
        return self._begin(function_call_item(start, status="in_progress", namespaces=self._namespaces))

    def tool_arguments(self, piece: str) -> bytes:
        self._open["arguments"] += piece
        return self._event("response.function_call_arguments.delta", {**self._where(), "delta": piece})

    def close_block(self) -> bytes:
        item, where = self._open, self._where()
        item["status"] = "completed"
        if item["type"] == "message":
            part = item["content"][0]
            where["content_index"] = 0
            out = self._event("response.output_text.done", {**where, "text": part["text"], "logprobs": []})
            out += self._event("response.content_part.done", {**where, "part": part})
        else:
            done = {**where, "name": item["name"], "arguments": item["arguments"]}
            out = self._event("response.function_call_arguments.done", done)
        self.output.append(item)
        return out + self._event("response.output_item.done", {"output_index": where["output_index"], "item": item})

    async def finish(self, usage: dict[str, Any]) -> bytes:
        out = self.close()
        final = self._snapshot("completed", usage=usage, finish_reason=self.finish_reason)
        if self.on_done is not None:
            await self.on_done(final)
        name = "response.completed" if final["status"] == "completed" else "response.incomplete"
        return out + self._event(name, {"response": final})

    def error(self, exc: HubError) -> bytes:
        out = self.close()
        failed = self._snapshot("failed", error={"code": exc.code, "message": exc.message})
        return out + self._event("response.failed", {"response": failed})


def responses_sse(
    session: Stream, response_id: str, echo: dict[str, Any], on_done: OnDone | None = None
) -> AsyncIterator[bytes]:
    """Relay gateway events as the Responses event stream; `on_done` gets the final Response (to store it)."""
    return relay_blocks(session, ResponsesStreamWriter(response_id, served_model(session), echo, on_done))
