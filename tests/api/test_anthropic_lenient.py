"""What Claude Code sends that the canonical form lacks, on /v1/messages.

`role: "system"` turns inside `messages` (its environment and reminders): passed through unchanged to an Anthropic
upstream, folded into the system prompt when translated, counted by count_tokens. Anthropic-hosted tools and
their blocks (its WebSearch tool): passed through to an Anthropic upstream, a clear 400 for any other."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.django_db(transaction=True)

TURNS = [
    {"role": "user", "content": [{"type": "text", "text": "hi"}]},
    {
        "role": "system",
        "content": [{"type": "text", "text": "Working directory: /tmp/x", "cache_control": {"type": "ephemeral"}}],
    },
    {"role": "system", "content": "Reminder: be brief.", "clear_at": "next_user_message"},
    {"role": "system", "content": [], "output_config": {"effort": "low"}},
]


def _post(hub_url: str, key: str, path: str, body: dict[str, Any]) -> httpx.Response:
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01", "anthropic-beta": "claude-code-20250219"}
    return httpx.post(f"{hub_url}{path}", json=body, headers=headers, timeout=20)


def test_system_turns_reach_an_anthropic_upstream_unchanged(hub_url, alice, direct):
    body = {"model": "claude-3-5-sonnet", "max_tokens": 50, "system": "Be kind.", "messages": TURNS}
    response = _post(hub_url, alice.key, "/messages", body)
    assert response.status_code == 200, response.text
    sent = direct.requests_for("/anthropic/v1/messages")[-1]
    assert sent.body["messages"] == TURNS
    assert sent.body["system"] == "Be kind."


def test_system_turns_join_the_system_prompt_when_translated(hub_url, alice, upstream):
    body = {"model": "gpt-4o", "max_tokens": 50, "system": "Be kind.", "messages": TURNS}
    response = _post(hub_url, alice.key, "/messages", body)
    assert response.status_code == 200, response.text
    sent = upstream.requests_for("/chat/completions")[-1].body["messages"]
    assert sent[0] == {"role": "system", "content": "Be kind.\n\nWorking directory: /tmp/x\n\nReminder: be brief."}
    assert [message["role"] for message in sent[1:]] == ["user"]


def test_count_tokens_counts_system_turns(hub_url, alice, upstream):
    plain = {"model": "gpt-4o", "messages": TURNS[:1]}
    with_turns = {"model": "gpt-4o", "messages": TURNS}
    counted = [_post(hub_url, alice.key, "/messages/count_tokens", body) for body in (plain, with_turns)]
    assert [response.status_code for response in counted] == [200, 200]
    assert counted[1].json()["input_tokens"] > counted[0].json()["input_tokens"]


def test_system_turn_with_malformed_content_is_a_clear_400(hub_url, alice, upstream):
    body = {"model": "gpt-4o", "max_tokens": 50, "messages": [*TURNS[:1], {"role": "system", "content": 7}]}
    response = _post(hub_url, alice.key, "/messages", body)
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "'messages[1].content' must be a string or an array of text blocks."


HOSTED = {
    "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": 3}],
    "messages": [
        {"role": "user", "content": "Search the news."},
        {
            "role": "assistant",
            "content": [
                {"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search", "input": {"query": "news"}},
                {"type": "web_search_tool_result", "tool_use_id": "srvtoolu_1", "content": []},
                {"type": "text", "text": "Nothing found."},
            ],
        },
        {"role": "user", "content": "Try again."},
    ],
}


def test_hosted_tools_and_blocks_reach_an_anthropic_upstream_unchanged(hub_url, alice, direct):
    body = {"model": "claude-3-5-sonnet", "max_tokens": 50, **HOSTED}
    response = _post(hub_url, alice.key, "/messages", body)
    assert response.status_code == 200, response.text
    sent = direct.requests_for("/anthropic/v1/messages")[-1].body
    assert (sent["tools"], sent["messages"]) == (HOSTED["tools"], HOSTED["messages"])


def test_hosted_tools_are_a_clear_400_for_a_translated_upstream(hub_url, alice, direct):
    body = {"model": "gpt-4o", "max_tokens": 50, **HOSTED}
    response = _post(hub_url, alice.key, "/messages", body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == "A 'server_tool_use' content block cannot be translated: messages[1].content[0]."
    assert direct.requests_for("/chat/completions") == []


def test_count_tokens_takes_hosted_tools(hub_url, alice, direct):
    response = _post(hub_url, alice.key, "/messages/count_tokens", {"model": "claude-3-5-sonnet", **HOSTED})
    assert response.status_code == 200, response.text
    assert response.json()["input_tokens"] > 0


def test_hosted_tool_request_is_not_answered_from_the_cache(hub_url, alice, direct):
    """The same words without the hosted tool were answered and cached; with it, the upstream answers."""
    question = [{"role": "user", "content": "Search the news."}]
    plain = {"model": "claude-3-5-sonnet", "max_tokens": 50, "temperature": 0, "messages": question}
    cached = httpx.post(
        f"{hub_url}/chat/completions", json=plain, headers={"Authorization": f"Bearer {alice.key}"}, timeout=20
    )
    assert cached.status_code == 200, cached.text
    again = httpx.post(
        f"{hub_url}/chat/completions", json=plain, headers={"Authorization": f"Bearer {alice.key}"}, timeout=20
    )
    assert again.headers.get("x-llmhub-cache") == "hit"
    calls = len(direct.requests_for("/anthropic/v1/messages"))
    response = _post(hub_url, alice.key, "/messages", {**plain, "tools": HOSTED["tools"]})
    assert response.status_code == 200, response.text
    assert response.headers.get("x-llmhub-cache") != "hit"
    assert len(direct.requests_for("/anthropic/v1/messages")) == calls + 1
