"""What an Anthropic or Gemini request asks for that the canonical form cannot carry is never dropped silently:
translated (a GPT model on /v1/messages, Claude or Gemini served by AIsa), the answer names it in
`x-llmhub-dropped` and its usage record keeps the same note; passed through to an upstream that speaks the
client's format, nothing is dropped and nothing is named. JSON and streams alike, through the live hub."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from billing.models import UsageRecord
from tests.conftest import serve_direct
from tests.fake_upstream import Fail

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": [{"type": "text", "text": "hi", "cache_control": {"type": "ephemeral"}}]}]
# What Claude Code and the anthropic SDK send beyond the canonical form: prompt-caching breakpoints on the
# system, tools and messages, automatic caching, extended thinking, context editing, MCP servers, a container,
# and a field no version of the hub has heard of.
CLAUDE_EXTRAS: dict[str, Any] = {
    "system": [{"type": "text", "text": "Be brief.", "cache_control": {"type": "ephemeral", "ttl": "1h"}}],
    "tools": [
        {
            "name": "read_file",
            "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}},
            "cache_control": {"type": "ephemeral"},
        }
    ],
    "cache_control": {"type": "ephemeral"},
    "thinking": {"type": "enabled", "budget_tokens": 2048},
    "context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]},
    "mcp_servers": [{"type": "url", "url": "https://mcp.example/sse", "name": "example"}],
    "container": "container_123",
    "a_field_from_2027": {"nested": True},
}
CLAUDE_DROPPED = [
    "cache_control",
    "a_field_from_2027",
    "container",
    "context_management",
    "mcp_servers",
    "thinking",
    "system.cache_control",
    "messages.cache_control",
    "tools.cache_control",
]
# What only Gemini reads but a translation can still serve (nothing here is refused as untranslatable).
GEMINI_EXTRAS: dict[str, Any] = {
    "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
    "tools": [{"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {}}}]}],
    "toolConfig": {"functionCallingConfig": {"mode": "VALIDATED"}},
    "generationConfig": {
        "maxOutputTokens": 300,
        "topK": 3,
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
        "someNewKnob": 3,
    },
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    "labels": {"team": "acme"},
    "aFieldFrom2027": {"nested": [1, 2]},
}
GEMINI_DROPPED = [
    "generationConfig.someNewKnob",
    "aFieldFrom2027",
    "generationConfig.topK",
    "generationConfig.thinkingConfig",
    "safetySettings",
    "labels",
    "toolConfig.functionCallingConfig.mode",
]


def _messages(hub_url: str, key: str, body: dict[str, Any], **headers: str) -> httpx.Response:
    sent = {"x-api-key": key, "anthropic-version": "2023-06-01", **headers}
    return httpx.post(f"{hub_url}/messages", json=body, headers=sent, timeout=20)


def _gemini(hub_url: str, key: str, model: str, body: dict[str, Any], *, stream: bool = False) -> httpx.Response:
    method, params = (
        ("streamGenerateContent", {"key": key, "alt": "sse"}) if stream else ("generateContent", {"key": key})
    )
    return httpx.post(f"{hub_url}beta/models/{model}:{method}", json=body, params=params, timeout=20)


def _named(response: httpx.Response) -> list[str]:
    value = response.headers.get("x-llmhub-dropped")
    return value.split(",") if value else []


@pytest.mark.parametrize("stream", [False, True])
def test_translated_anthropic_request_names_what_it_dropped(hub_url, alice, upstream, stream):
    body = {"model": "gpt-4o", "max_tokens": 50, "stream": stream, "messages": HELLO, **CLAUDE_EXTRAS}
    response = _messages(hub_url, alice.key, body)
    assert response.status_code == 200, response.text
    assert _named(response) == CLAUDE_DROPPED
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert not {"thinking", "container", "mcp_servers", "cache_control"} & set(sent)
    record = UsageRecord.objects.get()
    assert record.dropped == ",".join(CLAUDE_DROPPED) and record.stream is stream


def test_claude_served_by_aisa_names_what_it_dropped(hub_url, alice, upstream):
    """AIsa serves Claude through the chat format (no `direct`): the Anthropic body is translated."""
    body = {"model": "claude-3-5-sonnet", "max_tokens": 50, "messages": HELLO, "thinking": CLAUDE_EXTRAS["thinking"]}
    response = _messages(hub_url, alice.key, body)
    assert response.status_code == 200, response.text
    assert _named(response) == ["thinking", "messages.cache_control"]
    assert UsageRecord.objects.get().dropped == "thinking,messages.cache_control"


@pytest.mark.parametrize("stream", [False, True])
def test_anthropic_passthrough_names_nothing(hub_url, alice, direct, stream):
    body = {"model": "claude-3-5-sonnet", "max_tokens": 50, "stream": stream, "messages": HELLO, **CLAUDE_EXTRAS}
    response = _messages(hub_url, alice.key, body)
    assert response.status_code == 200, response.text
    assert "x-llmhub-dropped" not in response.headers
    sent = direct.requests_for("/anthropic/v1/messages")[-1].body
    assert sent["thinking"] == CLAUDE_EXTRAS["thinking"] and sent["system"] == CLAUDE_EXTRAS["system"]
    assert UsageRecord.objects.get().dropped == ""


def test_plain_and_asking_for_nothing_names_nothing(hub_url, alice, upstream):
    """Disabled thinking and the default service tier ask for nothing the canonical form lacks."""
    messages = [{"role": "user", "content": "hi"}]
    extras = {"thinking": {"type": "disabled"}, "service_tier": "auto", "metadata": {"user_id": "u1"}}
    body = {"model": "gpt-4o", "max_tokens": 50, "messages": messages, **extras}
    response = _messages(hub_url, alice.key, body)
    assert response.status_code == 200, response.text
    assert "x-llmhub-dropped" not in response.headers
    assert UsageRecord.objects.get().dropped == ""


def test_replayed_thinking_blocks_are_named_when_translated(hub_url, alice, upstream):
    turns = [
        {"role": "user", "content": "hi"},
        {
            "role": "assistant",
            "content": [{"type": "thinking", "thinking": "say hi", "signature": "sig"}, {"type": "text", "text": "hi"}],
        },
        {"role": "user", "content": "again"},
    ]
    response = _messages(hub_url, alice.key, {"model": "gpt-4o", "max_tokens": 50, "messages": turns})
    assert response.status_code == 200, response.text
    assert _named(response) == ["messages.thinking"]


@pytest.mark.parametrize("stream", [False, True])
def test_translated_gemini_request_names_what_it_dropped(hub_url, alice, upstream, stream):
    """gemini-2.0-flash served by AIsa (no `direct`): the Gemini body is translated to chat completions."""
    response = _gemini(hub_url, alice.key, "gemini-2.0-flash", GEMINI_EXTRAS, stream=stream)
    assert response.status_code == 200, response.text
    assert _named(response) == GEMINI_DROPPED
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert "tool_choice" not in sent and "top_k" not in sent  # VALIDATED and topK have no canonical form
    record = UsageRecord.objects.get()
    assert record.dropped == ",".join(GEMINI_DROPPED) and record.stream is stream


def test_gemini_allowlist_of_several_functions_is_named(hub_url, alice, upstream):
    calling = {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["f", "g"]}}
    declarations = [{"name": name, "parameters": {"type": "OBJECT", "properties": {}}} for name in ("f", "g", "h")]
    body = {**GEMINI_EXTRAS, "tools": [{"functionDeclarations": declarations}], "toolConfig": calling}
    body = {k: v for k, v in body.items() if k in ("contents", "tools", "toolConfig")}
    response = _gemini(hub_url, alice.key, "gpt-4o", body)
    assert response.status_code == 200, response.text
    assert _named(response) == ["toolConfig.functionCallingConfig.allowedFunctionNames"]


@pytest.mark.parametrize("stream", [False, True])
def test_gemini_passthrough_names_nothing(hub_url, alice, direct, stream):
    response = _gemini(hub_url, alice.key, "gemini-2.0-flash", GEMINI_EXTRAS, stream=stream)
    assert response.status_code == 200, response.text
    assert "x-llmhub-dropped" not in response.headers
    method = "streamGenerateContent" if stream else "generateContent"
    sent = direct.requests_for(f"/gemini-2.0-flash:{method}")[-1].body
    assert sent["safetySettings"] == GEMINI_EXTRAS["safetySettings"]
    assert UsageRecord.objects.get().dropped == ""


def test_request_detail_page_shows_what_was_dropped(hub_url, alice, upstream, client):
    response = _messages(hub_url, alice.key, {"model": "gpt-4o", "max_tokens": 50, "messages": HELLO})
    request_id = response.headers["x-request-id"]
    client.force_login(alice.user)
    page = client.get(f"/requests/{request_id}/", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert page.status_code == 200
    text = page.content.decode()
    assert "messages.cache_control" in text and "已舍弃" in text
    generation = httpx.get(
        f"{hub_url}/generation", params={"id": request_id}, headers={"Authorization": f"Bearer {alice.key}"}, timeout=20
    )
    assert generation.json()["dropped"] == ["messages.cache_control"]


# --- The response cache keys on what the canonical form dropped: a passthrough asking for thinking or a cache
# breakpoint is never answered with an entry made for the same words without them.

QUESTION = "What is the capital of France?"


def _chat(hub_url: str, key: str, model: str) -> httpx.Response:
    body = {"model": model, "max_tokens": 50, "temperature": 0, "messages": [{"role": "user", "content": QUESTION}]}
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def _anthropic_question(**extras: Any) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "text", "text": QUESTION, **extras.pop("block", {})}
    messages = [{"role": "user", "content": [block]}]
    return {"model": "claude-3-5-sonnet", "max_tokens": 50, "temperature": 0, "messages": messages, **extras}


@pytest.mark.parametrize(
    "extras",
    [
        {"thinking": {"type": "enabled", "budget_tokens": 1024}},
        {"block": {"cache_control": {"type": "ephemeral"}}},
        {"context_management": {"edits": [{"type": "clear_tool_uses_20250919"}]}},
    ],
    ids=["thinking", "cache_control", "unknown-to-the-canonical-form"],
)
def test_passthrough_is_not_answered_from_an_entry_its_native_body_differs_from(hub_url, alice, direct, extras):
    assert _chat(hub_url, alice.key, "claude-3-5-sonnet").status_code == 200
    assert _chat(hub_url, alice.key, "claude-3-5-sonnet").headers.get("x-llmhub-cache") == "hit"
    sent = len(direct.requests_for("/anthropic/v1/messages"))
    response = _messages(hub_url, alice.key, _anthropic_question(**extras))
    assert response.status_code == 200, response.text
    assert response.headers.get("x-llmhub-cache") == "miss"
    assert len(direct.requests_for("/anthropic/v1/messages")) == sent + 1  # the upstream answered it
    assert (
        list(direct.requests_for("/anthropic/v1/messages")[-1].body["messages"])
        == _anthropic_question(**extras)["messages"]
    )


def test_plain_requests_still_hit_across_formats(hub_url, alice, direct):
    assert _chat(hub_url, alice.key, "claude-3-5-sonnet").status_code == 200
    sent = len(direct.requests_for("/anthropic/v1/messages"))
    for stream in (False, True):
        response = _messages(hub_url, alice.key, {**_anthropic_question(), "stream": stream})
        assert response.status_code == 200, response.text
        assert response.headers.get("x-llmhub-cache") == "hit"
    assert len(direct.requests_for("/anthropic/v1/messages")) == sent


def test_translated_request_with_dropped_fields_hits_only_its_own_body(hub_url, alice, upstream):
    """The same native body (JSON, then streamed) hits; the same words with another thinking budget do not."""
    asked = _anthropic_question(thinking={"type": "enabled", "budget_tokens": 1024})
    first = _messages(hub_url, alice.key, {**asked, "model": "gpt-4o"})
    again = _messages(hub_url, alice.key, {**asked, "model": "gpt-4o", "stream": True})
    other = _messages(
        hub_url, alice.key, {**asked, "model": "gpt-4o", "thinking": {"type": "enabled", "budget_tokens": 9}}
    )
    cache = [r.headers.get("x-llmhub-cache") for r in (first, again, other)]
    assert cache == ["miss", "hit", "miss"]
    assert _named(again) == ["thinking"]  # a hit names what was dropped too


def test_a_long_list_is_cut_for_the_header_and_the_record(hub_url, alice, upstream):
    """Names come from the client: the header shows at most 32, the record's note at most 300 characters."""
    unknown = {f"an_unheard_of_field_{n:02}": n + 1 for n in range(40)}
    body = {"model": "gpt-4o", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}], **unknown}
    response = _messages(hub_url, alice.key, body)
    assert response.status_code == 200, response.text
    named = _named(response)
    assert named[:32] == sorted(unknown)[:32] and named[32:] == ["..."]
    note = UsageRecord.objects.get().dropped
    assert len(note) <= 300 and note.endswith(",...")
    assert note.removesuffix(",...").split(",") == sorted(unknown)[: len(note.split(",")) - 1]


def test_the_serving_upstream_decides_after_a_fallback(hub_url, alice, settings, upstream):
    """gemini-2.0-flash served by AIsa (translating, priority 10) and by Gemini: the request carries what a
    translation drops, so Gemini is tried first; it fails, AIsa serves the translation, and what it could not
    carry is named, on the answer and on the record."""
    serve_direct(settings, upstream, keep_aisa=True)
    upstream.script("gemini-2.0-flash", Fail(503, "overloaded"), Fail(503, "overloaded"))  # Gemini, and its retry
    response = _gemini(hub_url, alice.key, "gemini-2.0-flash", GEMINI_EXTRAS)
    assert response.status_code == 200, response.text
    assert len(upstream.requests_for("/gemini-2.0-flash:generateContent")) == 2  # Gemini was tried and failed
    assert len(upstream.requests_for("/chat/completions")) == 1
    named = response.headers["x-llmhub-dropped"]
    assert named and UsageRecord.objects.get().dropped == named


def test_a_request_a_translation_would_strip_goes_first_to_an_upstream_that_takes_it_whole(
    hub_url, alice, upstream, settings
):
    """Claude served by AIsa (priority 10, chat format) and by Anthropic (priority 20): a plain request keeps
    the configured order; one with prompt-caching hints goes to Anthropic, where they take effect."""
    serve_direct(settings, upstream, keep_aisa=True)
    plain = {"model": "claude-3-5-sonnet", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}
    assert _messages(hub_url, alice.key, plain).status_code == 200
    cached = {"model": "claude-3-5-sonnet", "max_tokens": 50, "messages": HELLO}
    response = _messages(hub_url, alice.key, cached)
    assert response.status_code == 200, response.text
    assert "x-llmhub-dropped" not in response.headers
    assert [r.provider for r in UsageRecord.objects.order_by("id")] == ["aisa", "anthropic"]
    assert upstream.requests_for("/anthropic/v1/messages")[-1].body["messages"] == HELLO
