"""`role: "system"` turns inside Anthropic `messages` (Claude Code sends its environment and reminders so): passed
through unchanged to an Anthropic upstream, folded into the system prompt when translated, counted by
count_tokens."""

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
