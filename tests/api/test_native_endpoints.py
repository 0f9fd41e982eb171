"""The inbound native endpoints over raw HTTP: exact wire shapes, auth variants, hostile input, who pays."""

from __future__ import annotations

import json
import time
from decimal import Decimal
from typing import Any

import httpx
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.fake_upstream import Drop, Reply

pytestmark = pytest.mark.django_db(transaction=True)

HELLO = [{"role": "user", "content": "hi"}]
GEMINI_HELLO = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}]}


def _anthropic(hub_url, key, body, **kwargs):
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return httpx.post(f"{hub_url}/messages", json=body, headers=headers, timeout=20, **kwargs)


def _events(text: str) -> list[tuple[str, dict[str, Any]]]:
    events = []
    for frame in text.strip().split("\n\n"):
        lines = dict(line.split(": ", 1) for line in frame.split("\n"))
        events.append((lines["event"], json.loads(lines["data"])))
    return events


def test_anthropic_stream_exact_events(hub_url, alice, direct):
    direct.script("gpt-4o", Reply(chunks=["Hi", " there"], text="Hi there", prompt_tokens=7, completion_tokens=2))
    body = {"model": "gpt-4o", "max_tokens": 50, "stream": True, "messages": HELLO}
    response = _anthropic(hub_url, alice.key, body)
    assert response.headers["content-type"].startswith("text/event-stream")
    events = _events(response.text)
    assert [name for name, _ in events] == [
        "message_start",
        "ping",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert all(data["type"] == name for name, data in events)
    start = events[0][1]["message"]
    assert (start["role"], start["model"], start["content"]) == ("assistant", "gpt-4o", [])
    assert events[2][1]["content_block"] == {"type": "text", "text": ""}
    assert [e[1]["delta"]["text"] for e in events[3:5]] == ["Hi", " there"]
    delta = events[6][1]
    assert delta["delta"] == {"stop_reason": "end_turn", "stop_sequence": None}
    # 7 × $2.50 + 2 × $10, per million
    assert Decimal(str(delta["usage"]["cost"])) == Decimal("0.0000375")
    assert (delta["usage"]["input_tokens"], delta["usage"]["output_tokens"]) == (7, 2)
    assert Decimal(str(delta["usage"]["credits_remaining"])) == Decimal("100") - Decimal("0.0000375")


def test_anthropic_error_shape_for_bad_json(hub_url, alice):
    response = httpx.post(
        f"{hub_url}/messages", content=b"{nope", headers={"x-api-key": alice.key, "content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.json()["type"] == "error"
    assert response.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            [{"type": "document", "source": {"type": "text", "data": "x"}}],
            "A 'document' content block cannot be translated",
        ),
        (
            [{"type": "image", "source": {"type": "file", "file_id": "f1"}}],
            "An image source of type 'file' cannot be translated",
        ),
        ("hi", None),
    ],
)
def test_anthropic_untranslatable_content_is_clear_400(hub_url, alice, direct, content, message):
    response = _anthropic(
        hub_url, alice.key, {"model": "gpt-4o", "max_tokens": 5, "messages": [{"role": "user", "content": content}]}
    )
    if message is None:
        assert response.status_code == 200
        return
    assert response.status_code == 400
    assert response.json()["error"]["message"].startswith(message)


def test_anthropic_hosted_tools_are_refused(hub_url, alice, direct):
    body = {
        "model": "gpt-4o",
        "max_tokens": 5,
        "messages": HELLO,
        "tools": [{"type": "web_search_20250305", "name": "web_search"}],
    }
    response = _anthropic(hub_url, alice.key, body)
    assert response.status_code == 400
    assert "The Anthropic-hosted tool 'web_search_20250305' cannot be translated" in response.json()["error"]["message"]


def test_charlie_pays_with_his_own_team(hub_url, alice, charlie, acme, globex, direct):
    response = _anthropic(hub_url, charlie.key, {"model": "claude-3-5-sonnet", "max_tokens": 5, "messages": HELLO})
    assert response.status_code == 200
    record = UsageRecord.objects.get()
    assert (record.user_id, record.team_id) == (charlie.user.id, globex.id)
    acme.refresh_from_db()
    assert acme.balance == Decimal("100")


def test_anthropic_stream_disconnect_is_billed_once(hub_url, alice, direct, acme):
    direct.script("gpt-4o", Reply(chunks=[f" w{i}" for i in range(40)], chunk_delay=0.05, completion_tokens=40))
    body = {"model": "gpt-4o", "max_tokens": 100, "stream": True, "messages": HELLO}
    headers = {"x-api-key": alice.key}
    with (
        httpx.Client(timeout=10) as client,
        client.stream("POST", f"{hub_url}/messages", json=body, headers=headers) as response,
    ):
        request_id = response.headers["x-request-id"]
        for line in response.iter_lines():
            if "content_block_delta" in line:
                break
    deadline = time.monotonic() + 10
    while not UsageRecord.objects.filter(request_id=request_id).exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    record = UsageRecord.objects.get(request_id=request_id)
    assert record.status == "cancelled"
    time.sleep(0.3)
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


@pytest.mark.parametrize("auth", ["x-goog-api-key", "query", "bearer"])
def test_gemini_accepts_every_key_location(hub_url, alice, direct, auth):
    headers, params = {}, {}
    if auth == "x-goog-api-key":
        headers["x-goog-api-key"] = alice.key
    elif auth == "query":
        params["key"] = alice.key
    else:
        headers["Authorization"] = f"Bearer {alice.key}"
    url = hub_url.removesuffix("/v1") + "/v1beta/models/gpt-4o:generateContent"
    response = httpx.post(url, json=GEMINI_HELLO, headers=headers, params=params, timeout=20)
    assert response.status_code == 200, response.text
    assert response.json()["candidates"][0]["content"]["parts"][0]["text"] == "Hello from fake gpt-4o."
    assert response.json()["responseId"] == response.headers["x-request-id"]


def test_gemini_stream_without_alt_sse_is_a_json_array(hub_url, alice, direct):
    direct.script("gemini-2.0-flash", Reply(chunks=["a", "b"], text="ab", prompt_tokens=3, completion_tokens=2))
    response = httpx.post(
        f"{hub_url}/models/gemini-2.0-flash:streamGenerateContent", json=GEMINI_HELLO, params={"key": alice.key}
    )
    chunks = response.json()
    assert "".join(c["candidates"][0]["content"]["parts"][0].get("text", "") for c in chunks) == "ab"
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"]["totalTokenCount"] == 5


def test_gemini_stream_sse_frames(hub_url, alice, direct):
    response = httpx.post(
        f"{hub_url}/models/claude-3-5-sonnet:streamGenerateContent",
        json=GEMINI_HELLO,
        params={"key": alice.key, "alt": "sse"},
    )
    frames = [json.loads(f.removeprefix("data: ")) for f in response.text.strip().split("\r\n\r\n")]
    assert "".join(p.get("text", "") for f in frames for p in f["candidates"][0]["content"]["parts"]) == (
        "Hello from fake claude-3-5-sonnet-20241022."
    )
    assert "cost" in frames[-1]["usageMetadata"] and "creditsRemaining" in frames[-1]["usageMetadata"]


@pytest.mark.parametrize(
    ("part", "message"),
    [
        (
            {"fileData": {"mimeType": "image/png", "fileUri": "gs://bucket/cat.png"}},
            "fileData that is not an http(s) URL",
        ),
        ({"inlineData": {"mimeType": "application/pdf", "data": "JVBE"}}, "inlineData of type 'application/pdf'"),
        ({"executableCode": {"code": "print(1)"}}, "A part with 'executableCode' cannot be translated"),
    ],
)
def test_gemini_untranslatable_parts_are_clear_400(hub_url, alice, direct, part, message):
    body = {"contents": [{"role": "user", "parts": [part]}]}
    response = httpx.post(f"{hub_url}/models/gpt-4o:generateContent", json=body, params={"key": alice.key})
    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert error["message"].startswith(message)


def test_gemini_hosted_tools_are_refused(hub_url, alice, direct):
    body = {**GEMINI_HELLO, "tools": [{"googleSearch": {}}]}
    response = httpx.post(f"{hub_url}/models/gpt-4o:generateContent", json=body, params={"key": alice.key})
    assert response.status_code == 400
    assert "The Gemini-hosted tool 'googleSearch' cannot be translated" in response.json()["error"]["message"]


def test_gemini_hostile_bodies(hub_url, alice, direct):
    url = f"{hub_url}/models/gpt-4o:generateContent"
    body: Any
    for body in ([], {"contents": "hi"}, {"contents": [{"role": "user", "parts": "hi"}]}, {"contents": [5]}):
        response = httpx.post(url, json=body, params={"key": alice.key})
        assert response.status_code == 400, body
        assert response.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert UsageRecord.objects.count() == 0


def test_gemini_model_detail_get_still_served(hub_url, alice, direct):
    response = httpx.get(f"{hub_url}/models/gemini-2.0-flash", headers={"Authorization": f"Bearer {alice.key}"})
    assert response.json()["id"] == "gemini-2.0-flash"


def test_anthropic_stream_failure_ends_with_error_event(hub_url, alice, direct):
    # message_start, content_block_start, ping and one text delta reach the hub, then the connection drops.
    direct.script("claude-3-5-sonnet-20241022", Drop(after_chunks=4))
    body = {"model": "claude-3-5-sonnet", "max_tokens": 50, "stream": True, "messages": HELLO}
    events = _events(_anthropic(hub_url, alice.key, body).text)
    names = [name for name, _ in events]
    # Passed through: the upstream's events as it sent them, then the hub's error event.
    assert names == ["message_start", "content_block_start", "ping", "content_block_delta", "error"]
    name, data = events[-1]
    assert (name, data["type"], data["error"]["type"]) == ("error", "error", "api_error")
    assert UsageRecord.objects.get().status == "error"


def test_gemini_stream_failure_ends_with_error_chunk(hub_url, alice, direct):
    direct.script("gemini-2.0-flash", Drop(after_chunks=1))
    response = httpx.post(
        f"{hub_url}/models/gemini-2.0-flash:streamGenerateContent",
        json=GEMINI_HELLO,
        params={"key": alice.key, "alt": "sse"},
    )
    frames = [json.loads(f.removeprefix("data: ")) for f in response.text.strip().split("\r\n\r\n")]
    assert frames[0]["candidates"][0]["content"]["parts"] == [{"text": "Hello"}]
    last = frames[-1]
    assert last["error"]["code"] == 502
    assert last["error"]["status"] == "UNAVAILABLE"


def test_response_cache_serves_native_formats_too(hub_url, alice, direct):
    """A deterministic Anthropic request, then the same question as a Gemini stream: one upstream call."""
    direct.script("gpt-4.1", Reply(text="Paris.", prompt_tokens=12, completion_tokens=2))
    body = {
        "model": "gpt-4.1",
        "max_tokens": 64,
        "temperature": 0,
        "messages": [{"role": "user", "content": "Capital?"}],
    }
    first = _anthropic(hub_url, alice.key, body)
    again = _anthropic(hub_url, alice.key, body)
    assert (first.headers["x-llmhub-cache"], again.headers["x-llmhub-cache"]) == ("miss", "hit")
    assert again.json()["content"] == [{"type": "text", "text": "Paris."}]
    assert Decimal(str(again.json()["usage"]["cost"])) == 0
    gemini = {
        "contents": [{"role": "user", "parts": [{"text": "Capital?"}]}],
        "generationConfig": {"temperature": 0, "maxOutputTokens": 64},
    }
    replay = httpx.post(
        f"{hub_url}/models/gpt-4.1:streamGenerateContent", json=gemini, params={"key": alice.key, "alt": "sse"}
    )
    frames = [json.loads(f.removeprefix("data: ")) for f in replay.text.strip().split("\r\n\r\n")]
    assert "".join(p.get("text", "") for f in frames for p in f["candidates"][0]["content"]["parts"]) == "Paris."
    assert frames[-1]["usageMetadata"]["cost"] == 0
    assert len(direct.requests_for("/chat/completions")) == 1
    assert UsageRecord.objects.filter(cache_hit=True).count() == 2


def test_auto_routing_through_the_anthropic_format(hub_url, alice, direct):
    response = _anthropic(hub_url, alice.key, {"model": "auto", "max_tokens": 20, "messages": HELLO})
    assert response.status_code == 200, response.text
    served = response.headers["x-llmhub-model"]
    assert response.json()["model"] == served != "auto"
    assert UsageRecord.objects.get().model_served == served
