"""Gemini passthrough: a generateContent request for a model served by a Gemini upstream goes with the client's
own body (the hub owns the model, the key and the output cap), and the upstream's answer comes back as it was
sent, metered from its usageMetadata, with the hub's cost added. Driven by google-genai and by raw HTTP."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors, types

from billing.models import Team, UsageRecord
from tests.conftest import serve_direct
from tests.fake_native import NativeReply
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)

MODEL = "gemini-2.0-flash"
# 1000 prompt tokens of which 400 cached, 100 answer and 50 thought tokens, at $0.10, $0.025 and $0.40 per M:
# 600 × 0.10 + 400 × 0.025 + 150 × 0.40 = 60 + 10 + 60 = $130 per M tokens.
CACHED_THINKING = NativeReply(
    text="A cat.", prompt_tokens=1000, completion_tokens=100, cache_read_tokens=400, thoughts_tokens=50
)
CHARGE = Decimal("0.000130")
# What only Gemini reads: VALIDATED function calling, image output, thinking, safety, a cache, a hosted tool,
# and fields no one knows yet.
GEMINI_ONLY = {
    "contents": [
        {
            "role": "user",
            "parts": [{"text": "Draw a cat."}, {"inlineData": {"mimeType": "audio/wav", "data": "UklGRg=="}}],
        }
    ],
    "systemInstruction": {"parts": [{"text": "Be brief."}]},
    "tools": [
        {"functionDeclarations": [{"name": "f", "parameters": {"type": "OBJECT", "properties": {}}}]},
        {"googleSearch": {}},
    ],
    "toolConfig": {"functionCallingConfig": {"mode": "VALIDATED"}},
    "generationConfig": {
        "maxOutputTokens": 300,
        "responseModalities": ["TEXT", "IMAGE"],
        "thinkingConfig": {"thinkingBudget": 1024, "includeThoughts": True},
        "someNewKnob": 3,
    },
    "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
    "cachedContent": "cachedContents/abc123",
    "labels": {"team": "acme"},
    "aFieldFrom2027": {"nested": [1, 2]},
}


def _client(hub_root: str, key: str) -> genai.Client:
    options = types.HttpOptions(
        base_url=hub_root, api_version="v1beta", timeout=20_000, retry_options=types.HttpRetryOptions(attempts=1)
    )
    return genai.Client(api_key=key, http_options=options)


@pytest.fixture
def gemini_client(hub_root, alice, direct):
    return _client(hub_root, alice.key)


def _sent(direct: Any, method: str) -> Any:
    return direct.requests_for(f"/{MODEL}:{method}")[-1]


def test_sdk_config_reaches_gemini_unchanged(gemini_client, direct):
    direct.script(MODEL, CACHED_THINKING)
    response = gemini_client.models.generate_content(
        model=MODEL,
        contents="Draw a cat.",
        config=types.GenerateContentConfig(
            max_output_tokens=300,
            response_modalities=["TEXT", "IMAGE"],
            thinking_config=types.ThinkingConfig(thinking_budget=1024, include_thoughts=True),
            safety_settings=[
                types.SafetySetting(
                    category=types.HarmCategory.HARM_CATEGORY_HARASSMENT, threshold=types.HarmBlockThreshold.BLOCK_NONE
                )
            ],
            cached_content="cachedContents/abc123",
            tools=[types.Tool(google_search=types.GoogleSearch())],
            tool_config=types.ToolConfig(
                function_calling_config=types.FunctionCallingConfig(mode=types.FunctionCallingConfigMode.VALIDATED)
            ),
        ),
    )
    sent = _sent(direct, "generateContent")
    assert sent.body["toolConfig"] == {"functionCallingConfig": {"mode": "VALIDATED"}}
    assert sent.body["generationConfig"] == {
        "maxOutputTokens": 300,
        "responseModalities": ["TEXT", "IMAGE"],
        "thinkingConfig": {"thinking_budget": 1024, "include_thoughts": True},  # as the SDK spells it
    }
    assert sent.body["safetySettings"] == [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}]
    assert (sent.body["cachedContent"], sent.body["tools"]) == ("cachedContents/abc123", [{"googleSearch": {}}])
    assert sent.headers["x-goog-api-key"] == "fake-gemini-key"  # the hub's key, never the client's
    assert response.text == "A cat."
    usage = response.usage_metadata
    assert (usage.prompt_token_count, usage.candidates_token_count) == (1000, 100)
    assert (usage.cached_content_token_count, usage.thoughts_token_count) == (400, 50)
    record = UsageRecord.objects.get()
    assert (record.status, record.prompt_tokens, record.completion_tokens) == ("ok", 1000, 150)
    assert record.cost == CHARGE
    assert Decimal(response.sdk_http_response.headers["x-llmhub-cost"]) == CHARGE


def test_raw_body_passes_byte_for_byte_but_the_model(hub_url, alice, direct):
    direct.script(MODEL, CACHED_THINKING)
    body = {**GEMINI_ONLY, "model": "models/something-else"}
    answer = httpx.post(f"{hub_url}beta/models/{MODEL}:generateContent", json=body, params={"key": alice.key})
    assert answer.status_code == 200, answer.text
    sent = _sent(direct, "generateContent")
    assert sent.body == GEMINI_ONLY  # the model is the hub's: it goes in the URL
    usage = answer.json()["usageMetadata"]
    assert Decimal(str(usage["cost"])) == CHARGE
    assert (usage["promptTokenCount"], usage["cachedContentTokenCount"], usage["thoughtsTokenCount"]) == (1000, 400, 50)
    assert answer.json()["modelVersion"] == MODEL


def test_cap_the_hub_lowered_is_what_gemini_gets(hub_url, alice, acme, direct):
    """A snake_case body keeps its spelling; the cap is written where the client put it."""
    # 8000 output tokens at $0.40 per M is $0.0032; the team has $0.001.
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.001"))
    direct.script(MODEL, Reply(text="ok", prompt_tokens=5, completion_tokens=2))
    body = {"contents": [{"parts": [{"text": "hi"}]}], "generation_config": {"max_output_tokens": 8000, "top_k": 3}}
    answer = httpx.post(f"{hub_url}beta/models/{MODEL}:generateContent", json=body, params={"key": alice.key})
    assert answer.status_code == 200, answer.text
    granted = int(answer.headers["x-llmhub-max-tokens-lowered"])
    assert granted < 8000
    assert _sent(direct, "generateContent").body["generation_config"] == {"max_output_tokens": granted, "top_k": 3}


def test_sdk_stream_relays_chunks_and_charges(gemini_client, direct):
    direct.script(
        MODEL,
        NativeReply(
            chunks=["A ", "cat", "."],
            text="A cat.",
            prompt_tokens=1000,
            completion_tokens=100,
            cache_read_tokens=400,
            thoughts_tokens=50,
        ),
    )
    chunks = list(gemini_client.models.generate_content_stream(model=MODEL, contents="Draw a cat."))
    assert "".join(c.text or "" for c in chunks) == "A cat."
    final = chunks[-1].usage_metadata
    assert (final.prompt_token_count, final.candidates_token_count, final.thoughts_token_count) == (1000, 100, 50)
    assert _sent(direct, "streamGenerateContent").body == {
        "contents": [{"parts": [{"text": "Draw a cat."}], "role": "user"}]
    }
    record = UsageRecord.objects.get()
    assert (record.status, record.stream, record.cost) == ("ok", True, CHARGE)


def _as_upstream_wrote_it(payload: bytes) -> bool:
    """Whether a chunk's JSON is as the fake upstream wrote it (with spaces), not re-serialised (the hub's has none)."""
    return payload == json.dumps(json.loads(payload)).encode() and b", " in payload


def test_sse_stream_frames_are_the_upstreams_bytes(hub_url, alice, direct):
    direct.script(MODEL, CACHED_THINKING)
    answer = httpx.post(
        f"{hub_url}beta/models/{MODEL}:streamGenerateContent",
        json=GEMINI_ONLY,
        params={"key": alice.key, "alt": "sse"},
        timeout=20,
    )
    assert answer.status_code == 200, answer.text
    frames = [frame.removeprefix(b"data: ") for frame in answer.content.split(b"\r\n\r\n") if frame]
    assert all(_as_upstream_wrote_it(frame) for frame in frames[:-1])  # relayed as they came
    chunks = [json.loads(frame) for frame in frames]
    assert [c["candidates"][0]["content"]["parts"] for c in chunks[:-1]] == [[{"text": "A"}], [{"text": " cat."}]]
    assert chunks[-2]["usageMetadata"] == {
        "promptTokenCount": 1000,
        "candidatesTokenCount": 2,
        "totalTokenCount": 1052,
        "cachedContentTokenCount": 400,
        "thoughtsTokenCount": 50,
    }
    last = chunks[-1]
    assert last["candidates"][0]["finishReason"] == "STOP"
    assert Decimal(str(last["usageMetadata"]["cost"])) == CHARGE
    assert last["usageMetadata"]["cachedContentTokenCount"] == 400
    assert _sent(direct, "streamGenerateContent").body == GEMINI_ONLY


def test_json_array_stream_frames_the_upstreams_chunks(hub_url, alice, direct):
    direct.script(MODEL, CACHED_THINKING)
    answer = httpx.post(
        f"{hub_url}beta/models/{MODEL}:streamGenerateContent", json=GEMINI_ONLY, params={"key": alice.key}, timeout=20
    )
    assert answer.status_code == 200, answer.text
    assert answer.content.startswith(b"[{") and answer.content.endswith(b"}]")
    chunks = json.loads(answer.content)
    assert [c["candidates"][0]["content"]["parts"] for c in chunks[:-1]] == [[{"text": "A"}], [{"text": " cat."}]]
    assert all(_as_upstream_wrote_it(piece) for piece in answer.content[1:].split(b",\r\n")[:-1])
    assert chunks[-1]["usageMetadata"]["promptTokenCount"] == 1000
    assert Decimal(str(chunks[-1]["usageMetadata"]["cost"])) == CHARGE
    assert UsageRecord.objects.get().cost == CHARGE


def test_malformed_usage_is_the_upstreams_failure(gemini_client, direct):
    """Strict where money depends on it: a count that is not a number is refused, not read as zero."""
    malformed = Reply(text="hi", raw_usage={"promptTokenCount": "12", "candidatesTokenCount": 1})
    direct.script(MODEL, malformed, malformed)  # retried once, as any upstream failure
    with pytest.raises(errors.ServerError) as caught:
        gemini_client.models.generate_content(model=MODEL, contents="hi")
    assert caught.value.code == 502
    assert UsageRecord.objects.get().status == "error"


def test_gemini_only_parts_are_refused_when_translated(hub_url, alice, direct):
    """The same body for a model an OpenAI-compatible upstream serves: what only Gemini reads is a clear 400."""
    answer = httpx.post(f"{hub_url}beta/models/gpt-4.1:generateContent", json=GEMINI_ONLY, params={"key": alice.key})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["code"], error["status"]) == (400, "INVALID_ARGUMENT")
    assert "cannot be translated" in error["message"]
    assert direct.received == []


def test_a_request_only_gemini_can_read_is_never_answered_from_the_cache(hub_url, alice, direct):
    """Image output is outside the cache key: a cached text answer to the same words must not stand for it."""
    url = f"{hub_url}beta/models/{MODEL}:generateContent"
    text_only = {"contents": [{"role": "user", "parts": [{"text": "hi"}]}], "generationConfig": {"temperature": 0}}
    first = httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "temperature": 0},
        headers={"Authorization": f"Bearer {alice.key}"},
    )
    assert first.headers["x-llmhub-cache"] == "miss"
    again = httpx.post(url, json=text_only, params={"key": alice.key})
    assert again.headers["x-llmhub-cache"] == "hit"  # the same question in Gemini's words: answered again
    with_image = {**text_only, "generationConfig": {"temperature": 0, "responseModalities": ["TEXT", "IMAGE"]}}
    answer = httpx.post(url, json=with_image, params={"key": alice.key})
    assert answer.status_code == 200 and "x-llmhub-cache" not in answer.headers
    assert len(direct.requests_for(f"/{MODEL}:generateContent")) == 2
    assert direct.requests_for(f"/{MODEL}:generateContent")[-1].body == with_image


def test_an_audio_only_prompt_passes_through(hub_url, alice, direct):
    body = {"contents": [{"role": "user", "parts": [{"inlineData": {"mimeType": "audio/mp3", "data": "SUQz"}}]}]}
    answer = httpx.post(f"{hub_url}beta/models/{MODEL}:generateContent", json=body, params={"key": alice.key})
    assert answer.status_code == 200, answer.text
    assert _sent(direct, "generateContent").body == body
    assert UsageRecord.objects.get().status == "ok"


def test_an_error_mid_stream_ends_the_array_with_gemini_error(hub_url, alice, direct):
    direct.script(MODEL, NativeReply(chunks=["A", " cat"], text="A cat", stream_error="UNAVAILABLE"))
    answer = httpx.post(
        f"{hub_url}beta/models/{MODEL}:streamGenerateContent", json=GEMINI_ONLY, params={"key": alice.key}, timeout=20
    )
    chunks = json.loads(answer.content)  # still one well-formed JSON array
    assert chunks[0]["candidates"][0]["content"]["parts"] == [{"text": "A"}]
    assert chunks[-1]["error"]["status"] == "UNAVAILABLE"
    assert UsageRecord.objects.get().status == "error"


def test_image_output_goes_to_the_gemini_deployment_before_a_translating_one(hub_url, alice, settings, upstream):
    """gemini-2.0-flash served by AIsa (OpenAI-compatible, tried first) and by Gemini: a request only Gemini can
    read skips to Gemini; a plain one still goes to AIsa first."""
    serve_direct(settings, upstream, keep_aisa=True)
    url = f"{hub_url}beta/models/{MODEL}:generateContent"
    plain = {"contents": [{"role": "user", "parts": [{"text": "draw"}]}]}
    assert httpx.post(url, json=plain, params={"key": alice.key}).status_code == 200
    assert len(upstream.requests_for("/chat/completions")) == 1
    with_image = {**plain, "generationConfig": {"responseModalities": ["IMAGE"]}}
    answer = httpx.post(url, json=with_image, params={"key": alice.key})
    assert answer.status_code == 200, answer.text
    assert upstream.requests_for(f"/{MODEL}:generateContent")[-1].body == with_image
    assert len(upstream.requests_for("/chat/completions")) == 1


def test_when_the_gemini_deployment_fails_the_error_is_its_own(hub_url, alice, settings, upstream):
    """Not the translating deployment's refusal: it was never a candidate for a request only Gemini can read."""
    serve_direct(settings, upstream, keep_aisa=True)
    upstream.script(MODEL, Fail(503, "overloaded"), Fail(503, "overloaded"))
    body = {"contents": [{"parts": [{"text": "draw"}]}], "generationConfig": {"responseModalities": ["IMAGE"]}}
    answer = httpx.post(f"{hub_url}beta/models/{MODEL}:generateContent", json=body, params={"key": alice.key})
    assert answer.status_code in (502, 503)
    assert answer.json()["error"]["status"] == "UNAVAILABLE"
    assert upstream.requests_for("/chat/completions") == []
