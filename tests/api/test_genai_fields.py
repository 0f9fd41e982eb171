"""google-genai's spellings against the live hub: automatic function calling, snake_case config,
countTokens and the model list; plus the raw snake_case and unknown-field rules of the Gemini edge."""

from __future__ import annotations

import httpx
import pytest
from google import genai
from google.genai import types

from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)

PARIS_CALL = {"id": "call_p", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}


def _client(hub_root: str, key: str, version: str = "v1beta") -> genai.Client:
    options = types.HttpOptions(
        base_url=hub_root, api_version=version, timeout=20_000, retry_options=types.HttpRetryOptions(attempts=1)
    )
    return genai.Client(api_key=key, http_options=options)


def test_automatic_function_calling_with_a_plain_function_gets_its_arguments(hub_root, alice, upstream):
    seen: list[str] = []

    def get_weather(city: str) -> str:
        """The weather in a city."""
        seen.append(city)
        return f"Sunny in {city}"

    upstream.script("gemini-2.0-flash", Reply(text="", tool_calls=[PARIS_CALL]), Reply(text="Paris is sunny."))
    client = _client(hub_root, alice.key)  # kept referenced: a collected client closes its connections
    response = client.models.generate_content(
        model="gemini-2.0-flash",
        contents="Weather in Paris?",
        config=types.GenerateContentConfig(tools=[get_weather]),
    )
    assert seen == ["Paris"]
    assert response.text == "Paris is sunny."
    first = upstream.requests_for("/chat/completions")[0].body
    assert first["tools"][0]["function"]["parameters"]["properties"] == {"city": {"type": "string"}}


def test_max_output_tokens_is_honoured(hub_root, alice, upstream):
    client = _client(hub_root, alice.key)
    client.models.generate_content(
        model="gemini-2.0-flash",
        contents="hi",
        config=types.GenerateContentConfig(max_output_tokens=17, stop_sequences=["END"]),
    )
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert (sent["max_tokens"], sent["stop"]) == (17, ["END"])


def test_snake_case_body_is_read_like_lower_camel(hub_url, alice, upstream):
    body = {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "system_instruction": {"parts": [{"text": "Be brief."}]},
        "generation_config": {"max_output_tokens": 9, "stop_sequences": ["X"]},
        "tools": [
            {
                "function_declarations": [
                    {
                        "name": "f",
                        "parameters_json_schema": {"type": "object", "properties": {"a_b": {"type": "string"}}},
                    }
                ]
            }
        ],
        "tool_config": {"function_calling_config": {"mode": "ANY"}},
    }
    answer = httpx.post(f"{hub_url}/models/gemini-2.0-flash:generateContent?key={alice.key}", json=body)
    assert answer.status_code == 200
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}
    assert (sent["max_tokens"], sent["stop"], sent["tool_choice"]) == (9, ["X"], "required")
    assert sent["tools"][0]["function"]["parameters"]["properties"] == {"a_b": {"type": "string"}}


def test_unknown_fields_are_accepted_when_translating(hub_url, alice, upstream):
    """Served by an OpenAI-compatible upstream: fields the hub does not know are left out of the translation."""
    body = {
        "contents": [{"parts": [{"text": "hi"}]}],
        "generationConfig": {"maxOutputTokens": 5, "frobnicate": 1, "thinkingConfig": {"thinkingBudget": 0}},
        "safetySettings": [{"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_NONE"}],
        "toolConfig": {"functionCallingConfig": {"mode": "VALIDATED"}},
        "someFutureField": {"x": 1},
    }
    answer = httpx.post(f"{hub_url}beta/models/gemini-2.0-flash:generateContent?key={alice.key}", json=body)
    assert answer.status_code == 200, answer.text
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["max_tokens"] == 5
    assert not {"frobnicate", "someFutureField", "safetySettings", "thinkingConfig"} & set(sent)


def test_image_output_is_refused_when_translating(hub_url, alice, upstream):
    body = {"contents": [{"parts": [{"text": "draw"}]}], "generationConfig": {"responseModalities": ["IMAGE"]}}
    answer = httpx.post(f"{hub_url}beta/models/gemini-2.0-flash:generateContent?key={alice.key}", json=body)
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert (error["status"], error["message"]) == (
        "INVALID_ARGUMENT",
        "Output modalities IMAGE cannot be translated: generationConfig.responseModalities.",
    )
    assert upstream.requests_for("/chat/completions") == []


def test_count_tokens_counts_without_calling_upstream(hub_root, alice, upstream):
    client = _client(hub_root, alice.key)
    counted = client.models.count_tokens(model="gemini-2.0-flash", contents="hello " * 40)
    assert (counted.total_tokens or 0) > 40
    assert upstream.received == []


def test_models_list_in_gemini_shape_under_v1beta_and_v1(hub_root, alice, upstream):
    for version in ("v1beta", "v1"):
        client = _client(hub_root, alice.key, version)
        names = {m.name for m in client.models.list()}
        assert "models/gemini-2.0-flash" in names
    model = client.models.get(model="gemini-2.0-flash")
    assert "generateContent" in (model.supported_actions or [])


def test_v1_models_stays_openai_shaped_for_bearer_keys(hub_url, alice, upstream):
    listed = httpx.get(f"{hub_url}/models", headers={"Authorization": f"Bearer {alice.key}"}).json()
    assert listed["object"] == "list"


def test_charlie_with_a_wrong_key_cannot_list_gemini_models(hub_root, upstream, charlie):
    answer = httpx.get(f"{hub_root}/v1beta/models?key=not-{charlie.key}")
    assert answer.status_code == 401
    assert "error" in answer.json()
