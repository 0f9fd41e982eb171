"""Every usage record keeps which tool sent it: Claude Code, Codex, an SDK or curl, read at the edge from the
request's User-Agent, through the live hub to the settled record, /v1/generation and /v1/usage."""

from __future__ import annotations

import httpx
import pytest

from billing.models import UsageDailyRollup, UsageRecord

pytestmark = pytest.mark.django_db(transaction=True)

CLAUDE_CODE = "claude-cli/2.1.332 (external, sdk-cli)"  # what `claude -p` 2.1.332 sends
CODEX = "codex_exec/0.171.0 (Ubuntu 24.4.0; x86_64) dumb"
HELLO = [{"role": "user", "content": "hi"}]


def _messages(hub_url, key, body, user_agent):
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01", "User-Agent": user_agent}
    return httpx.post(f"{hub_url}/messages", json=body, headers=headers, timeout=20)


@pytest.mark.parametrize("model", ["claude-3-5-sonnet", "gpt-4o"])
def test_claude_code_request_lands_with_its_tool(hub_url, alice, direct, model):
    """Through the Anthropic passthrough (a Claude model) and through translation (a GPT model) alike."""
    response = _messages(hub_url, alice.key, {"model": model, "max_tokens": 50, "messages": HELLO}, CLAUDE_CODE)
    assert response.status_code == 200, response.text
    record = UsageRecord.objects.get()
    assert record.client_tool == "claude-code"
    rollup = UsageDailyRollup.objects.get()
    assert (rollup.client_tool, rollup.requests, rollup.cost) == ("claude-code", 1, record.cost)


def test_claude_code_stream_lands_with_its_tool(hub_url, alice, direct):
    body = {"model": "claude-3-5-sonnet", "max_tokens": 50, "stream": True, "messages": HELLO}
    response = _messages(hub_url, alice.key, body, CLAUDE_CODE)
    assert response.status_code == 200 and "message_stop" in response.text
    assert UsageRecord.objects.get().client_tool == "claude-code"


def test_codex_responses_request_lands_with_its_tool(hub_url, alice, upstream):
    headers = {"Authorization": f"Bearer {alice.key}", "User-Agent": CODEX, "originator": "codex_exec"}
    body = {"model": "gpt-4o-mini", "input": "hi"}
    response = httpx.post(f"{hub_url}/responses", json=body, headers=headers, timeout=20)
    assert response.status_code == 200, response.text
    assert UsageRecord.objects.get().client_tool == "codex"


def test_sdk_and_curl_are_told_apart(openai_client, hub_url, alice, upstream):
    openai_client.chat.completions.create(model="gpt-4o-mini", messages=HELLO)
    headers = {"Authorization": f"Bearer {alice.key}", "User-Agent": "curl/8.5.0"}
    body = {"model": "gpt-4o-mini", "messages": HELLO}
    assert httpx.post(f"{hub_url}/chat/completions", json=body, headers=headers, timeout=20).status_code == 200
    tools = list(UsageRecord.objects.order_by("created_at", "id").values_list("client_tool", flat=True))
    assert tools == ["openai-python", "curl"]


def test_generation_and_usage_show_the_tool(hub_url, alice, direct):
    response = _messages(hub_url, alice.key, {"model": "gpt-4o", "max_tokens": 50, "messages": HELLO}, CLAUDE_CODE)
    request_id = response.headers["x-request-id"]
    auth = {"Authorization": f"Bearer {alice.key}"}
    generation = httpx.get(f"{hub_url}/generation", params={"id": request_id}, headers=auth, timeout=20).json()
    assert generation["client_tool"] == "claude-code"
    usage = httpx.get(f"{hub_url}/usage", headers=auth, timeout=20).json()
    assert [(row["client_tool"], row["requests"]) for row in usage["by_client_tool"]] == [("claude-code", 1)]
