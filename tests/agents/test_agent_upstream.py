"""The scripted model's side answers, which the agent tests do not always reach: plain JSON, structured output,
token counts and the three-step task over JSON."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.agents.agent_upstream import SIGNATURE, AgentUpstream, Task


@pytest.fixture
def model() -> Iterator[AgentUpstream]:
    upstream = AgentUpstream(Task(file_path="/tmp/notes.txt", command="expr 6 '*' 7")).start()
    yield upstream
    upstream.stop()


def test_side_request_gets_text_and_exact_usage(model):
    body = {"model": "claude-x", "max_tokens": 9, "messages": [{"role": "user", "content": "title?"}]}
    answer = httpx.post(model.url + "/v1/messages", json=body).json()
    assert answer["content"] == [{"type": "text", "text": "Reading a file"}]
    assert answer["stop_reason"] == "end_turn"
    assert set(answer["usage"]) == {
        "input_tokens",
        "cache_creation_input_tokens",
        "cache_read_input_tokens",
        "output_tokens",
        "service_tier",
    }
    assert httpx.post(model.url + "/v1/messages/count_tokens", json=body).json()["input_tokens"] > 0


def test_structured_side_request_gets_an_object_fitting_its_schema(model):
    schema = {
        "type": "object",
        "properties": {"reasoning": {"type": "string"}, "next_speaker": {"enum": ["user", "model"]}},
    }
    body = {
        "contents": [{"role": "user", "parts": [{"text": "who next?"}]}],
        "generationConfig": {"responseJsonSchema": schema},
    }
    answer = httpx.post(model.url + "/v1beta/models/gemini-x:generateContent", json=body).json()
    assert answer["candidates"][0]["content"]["parts"] == [{"text": '{"reasoning": "ok", "next_speaker": "user"}'}]


def test_task_steps_over_json_quote_the_tool_results(model):
    tools = [{"name": "Read", "input_schema": {"required": ["file_path"]}}, {"name": "Bash", "input_schema": {}}]
    messages: list[dict[str, Any]] = [{"role": "user", "content": "go"}]
    body = {"model": "claude-x", "max_tokens": 99, "tools": tools, "thinking": {"type": "enabled"}}
    first = httpx.post(model.url + "/v1/messages", json={**body, "messages": messages}).json()
    assert first["content"][0] == {"type": "thinking", "thinking": "The task has three steps.", "signature": SIGNATURE}
    assert first["content"][2]["input"] == {"file_path": "/tmp/notes.txt"}
    results = ["The secret word is TEAL.", "42\n"]
    for result in results:
        messages += [
            {"role": "assistant", "content": first["content"]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t", "content": result}]},
        ]
    last = httpx.post(model.url + "/v1/messages", json={**body, "messages": messages}).json()
    assert last["content"][1]["text"] == "The file's secret word is TEAL and the command printed 42."
