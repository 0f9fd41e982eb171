"""The official google-genai package, and the seed's curl example, against the live hub's generateContent."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from google import genai
from google.genai import errors, types

from billing.models import UsageRecord
from tests.api.test_anthropic_sdk import UPSTREAM_IDS, WEATHER_CALL
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)

WEATHER = types.Tool(
    function_declarations=[
        types.FunctionDeclaration(
            name="get_weather",
            description="Current weather for a city",
            parameters=types.Schema(
                type=types.Type.OBJECT, properties={"city": types.Schema(type=types.Type.STRING)}, required=["city"]
            ),
        )
    ]
)
NO_AUTO_CALLS = types.AutomaticFunctionCallingConfig(disable=True)
# The -d body of the seed document's curl example, as printed there.
SEED_GEMINI_BODY = """{
"contents": [
{
"role": "user",
"parts": [{"text": "Explain machine learning."}]
}
],
"generationConfig": {
"temperature": 0.7,
"maxOutputTokens": 1000
}
}"""


def _client(hub_root: str, key: str) -> genai.Client:
    options = types.HttpOptions(
        base_url=hub_root, api_version="v1beta", timeout=20_000, retry_options=types.HttpRetryOptions(attempts=1)
    )
    return genai.Client(api_key=key, http_options=options)


@pytest.fixture
def gemini_client(hub_root, alice, direct):
    return _client(hub_root, alice.key)


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_generate_with_function_call(gemini_client, direct, model):
    direct.script(
        UPSTREAM_IDS[model], Reply(text="Checking.", tool_calls=[WEATHER_CALL], prompt_tokens=20, completion_tokens=10)
    )
    response = gemini_client.models.generate_content(
        model=model,
        contents="Weather in Paris?",
        config=types.GenerateContentConfig(
            system_instruction="You are terse.", tools=[WEATHER], automatic_function_calling=NO_AUTO_CALLS
        ),
    )
    assert response.text == "Checking."
    call = response.function_calls[0]
    assert (call.name, call.args) == ("get_weather", {"city": "Paris"})
    assert response.candidates[0].finish_reason == types.FinishReason.STOP
    assert (response.usage_metadata.prompt_token_count, response.usage_metadata.candidates_token_count) == (20, 10)
    assert response.model_version == model
    record = UsageRecord.objects.get()
    # The SDK drops fields it does not know, so the hub repeats cost and credits in headers.
    headers = response.sdk_http_response.headers
    assert Decimal(headers["x-llmhub-cost"]) == record.cost > 0
    assert Decimal(headers["x-llmhub-credits-remaining"]) == Decimal("100") - record.cost


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_function_response_round_trip(gemini_client, direct, model):
    direct.script(UPSTREAM_IDS[model], Reply(text="It is sunny in Paris."))
    contents = [
        types.Content(role="user", parts=[types.Part(text="Weather in Paris?")]),
        types.Content(
            role="model",
            parts=[types.Part(function_call=types.FunctionCall(name="get_weather", args={"city": "Paris"}))],
        ),
        types.Content(
            role="user",
            parts=[types.Part.from_function_response(name="get_weather", response={"forecast": "sunny, 21C"})],
        ),
    ]
    response = gemini_client.models.generate_content(
        model=model, contents=contents, config=types.GenerateContentConfig(tools=[WEATHER])
    )
    assert response.text == "It is sunny in Paris."
    sent = json.dumps(direct.received[-1].body)
    assert "sunny, 21C" in sent and "get_weather" in sent


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_stream_with_function_call(gemini_client, direct, model):
    direct.script(
        UPSTREAM_IDS[model],
        Reply(text="Let me look that up.", tool_calls=[WEATHER_CALL], prompt_tokens=30, completion_tokens=12),
    )
    chunks = list(
        gemini_client.models.generate_content_stream(
            model=model,
            contents="Weather?",
            config=types.GenerateContentConfig(tools=[WEATHER], automatic_function_calling=NO_AUTO_CALLS),
        )
    )
    assert "".join(c.text or "" for c in chunks) == "Let me look that up."
    calls = [call for c in chunks for call in c.function_calls or []]
    assert [(call.name, call.args) for call in calls] == [("get_weather", {"city": "Paris"})]
    assert chunks[-1].usage_metadata.prompt_token_count == 30
    assert chunks[-1].usage_metadata.candidates_token_count == 12
    record = UsageRecord.objects.get()
    assert (record.status, record.stream, record.model_served) == ("ok", True, model)


def test_bad_key_is_client_error_401(hub_root, direct):
    client = _client(hub_root, "sk-hub-wrong")
    with pytest.raises(errors.ClientError) as caught:
        client.models.generate_content(model="gemini-2.0-flash", contents="hi")
    assert caught.value.code == 401
    assert caught.value.status == "UNAUTHENTICATED"


def test_unknown_model_is_client_error_404(gemini_client):
    with pytest.raises(errors.ClientError) as caught:
        gemini_client.models.generate_content(model="gemini-9-ultra", contents="hi")
    assert caught.value.code == 404
    assert caught.value.status == "NOT_FOUND"
    assert "gemini-9-ultra" in (caught.value.message or "")


@pytest.mark.parametrize("model", list(UPSTREAM_IDS))
def test_upstream_rate_limit_is_client_error_429(gemini_client, direct, model):
    direct.script(UPSTREAM_IDS[model], Fail(429, "slow down"), Fail(429, "slow down"))
    with pytest.raises(errors.ClientError) as caught:
        gemini_client.models.generate_content(model=model, contents="hi")
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"


def test_seed_curl_example_verbatim(hub_url, alice, direct):
    """The seed document's Gemini example, byte for byte, with a hub key."""
    direct.script(
        "gemini-2.0-flash", Reply(text="Machine learning learns from data.", prompt_tokens=5, completion_tokens=6)
    )
    body = SEED_GEMINI_BODY
    response = httpx.post(
        f"{hub_url}/models/gemini-2.0-flash:generateContent",
        content=body,
        headers={"Authorization": f"Bearer {alice.key}", "Content-Type": "application/json"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["candidates"][0]["content"]["parts"] == [{"text": "Machine learning learns from data."}]
    assert answer["usageMetadata"]["promptTokenCount"] == 5
    # 5 × $0.10/M + 6 × $0.40/M = $0.0000029
    assert Decimal(str(answer["usageMetadata"]["cost"])) == Decimal("0.0000029")
    sent = direct.requests_for(":generateContent")[-1].body
    assert sent["generationConfig"] == {"temperature": 0.7, "maxOutputTokens": 1000}
    assert sent["contents"] == [{"role": "user", "parts": [{"text": "Explain machine learning."}]}]
