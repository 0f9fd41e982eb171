"""The client half of OpenAI's Responses format: gateway stream events written as the Responses event stream."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from llmhub import jsonio
from llmhub.api.formats.responses_response import function_call_item, message_item, new_item_id, response_object
from llmhub.errors import HubError
from llmhub.gateway import Stream

OnDone = Callable[[dict[str, Any]], Awaitable[None]]


class ResponsesStreamWriter:
    """Opens and closes output items (a message, function calls) as canonical chunks arrive."""

    def __init__(self, response_id: str, model: str, echo: dict[str, Any]) -> None:
        self.response_id, self.model, self.echo = response_id, model, echo
        self.output: list[dict[str, Any]] = []
        self._open: dict[str, Any] | None = None  # the item being streamed
        self._open_key: tuple[str, int] | None = None
        self._sequence = 0
        self._finish_reason: str | None = None

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

    def _close(self) -> bytes:
        item, self._open, self._open_key = self._open, None, None
        if item is None:
            return b""
        index = len(self.output)
        item["status"] = "completed"
        out = b""
        if item["type"] == "message":
            part = item["content"][0]
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            out += self._event("response.output_text.done", {**where, "text": part["text"], "logprobs": []})
            out += self._event("response.content_part.done", {**where, "part": part})
        else:
            done = {"item_id": item["id"], "output_index": index, "name": item["name"], "arguments": item["arguments"]}
            out += self._event("response.function_call_arguments.done", done)
        self.output.append(item)
        return out + self._event("response.output_item.done", {"output_index": index, "item": item})

    def _begin(self, key: tuple[str, int], item: dict[str, Any]) -> bytes:
        out = self._close()
        self._open, self._open_key = item, key
        index = len(self.output)
        shown = {**item, "content": []} if item["type"] == "message" else item
        out += self._event("response.output_item.added", {"output_index": index, "item": shown})
        if item["type"] == "message":
            where = {"item_id": item["id"], "output_index": index, "content_index": 0}
            out += self._event("response.content_part.added", {**where, "part": dict(item["content"][0])})
        return out

    def chunk(self, data: dict[str, Any]) -> bytes:
        out = b""
        for choice in data.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                if self._open_key != ("text", -1):
                    out += self._begin(("text", -1), message_item("", new_item_id("msg"), status="in_progress"))
                assert self._open is not None
                self._open["content"][0]["text"] += delta["content"]
                where = {"item_id": self._open["id"], "output_index": len(self.output), "content_index": 0}
                out += self._event("response.output_text.delta", {**where, "delta": delta["content"], "logprobs": []})
            for call in delta.get("tool_calls") or []:
                key = ("tool", int(call.get("index") or 0))
                function = call.get("function") or {}
                if self._open_key != key:
                    start = {"id": call.get("id"), "function": {"name": function.get("name"), "arguments": ""}}
                    out += self._begin(key, function_call_item(start, status="in_progress"))
                assert self._open is not None
                if function.get("arguments"):
                    self._open["arguments"] += function["arguments"]
                    where = {"item_id": self._open["id"], "output_index": len(self.output)}
                    out += self._event(
                        "response.function_call_arguments.delta", {**where, "delta": function["arguments"]}
                    )
            if choice.get("finish_reason"):
                self._finish_reason = choice["finish_reason"]
        return out

    def finish(self, usage: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
        out = self._close()
        final = self._snapshot("completed", usage=usage, finish_reason=self._finish_reason)
        name = "response.completed" if final["status"] == "completed" else "response.incomplete"
        return out + self._event(name, {"response": final}), final

    def error(self, exc: HubError) -> bytes:
        out = self._close()
        failed = self._snapshot("failed", error={"code": exc.code, "message": exc.message})
        return out + self._event("response.failed", {"response": failed})


async def responses_sse(
    session: Stream, response_id: str, echo: dict[str, Any], on_done: OnDone | None = None
) -> AsyncIterator[bytes]:
    """Relay gateway events as the Responses event stream; `on_done` gets the final Response (to store it)."""
    model = session.call.served.name if session.call.served else session.call.request.model
    writer = ResponsesStreamWriter(response_id, model, echo)
    yield writer.start()
    async for event in session.events():
        if event.kind == "chunk":
            out = writer.chunk(event.data)
            if out:
                yield out
        elif event.kind == "usage":
            out, final = writer.finish(event.data)
            if on_done is not None:
                await on_done(final)
            yield out
        elif event.error is not None:
            yield writer.error(event.error)
