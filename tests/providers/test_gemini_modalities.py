"""Gemini usage by modality: audio prompt tokens (and cached audio) charged at genai-prices' audio rates, not
the text rate, in answers, streams and through the Gemini endpoint; the charge checked against genai-prices."""

from __future__ import annotations

from decimal import Decimal

import httpx
import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Recorded
from tests.genai_pricing import genai_price, price_row_from_genai
from tests.providers import recorded_gemini as shapes

pytestmark = pytest.mark.django_db(transaction=True)

UPSTREAM_ID = "gemini-2.0-flash"  # the gemini deployment of the catalog's gemini-2.0-flash
EXACT = Decimal("0.00000001")
# A transcript-length question: the hub bounds a reported prompt by what it sent (the audio tokens scripted below
# arrive as the upstream's own count; a real audio part would be sized by tokens.media_parts).
HEARD = [{"role": "user", "content": "What is said in the recording? " + "transcript " * 800}]


@pytest.fixture
def priced(direct):
    """gemini-2.0-flash at genai-prices' Gemini 2.5 Flash prices: audio $1/M against $0.30/M for text."""
    price_row_from_genai("gemini-2.0-flash", "google", "gemini-2.5-flash")
    return direct


def _genai(**usage: int) -> Decimal:
    return genai_price("google", "gemini-2.5-flash", **usage)


def test_audio_prompt_tokens_charged_at_the_audio_rate(openai_client, priced):
    metadata = shapes.usage_metadata(text=120, audio=1800, output=40, thoughts=25)
    priced.script(UPSTREAM_ID, Recorded(body=shapes.answer("A dog barks.", metadata, thought="Listening.")))
    answer = openai_client.chat.completions.create(model="gemini-2.0-flash", messages=HEARD)
    assert answer.choices[0].message.content == "A dog barks."
    assert answer.usage.prompt_tokens_details.audio_tokens == 1800  # shown in OpenAI's own field
    assert answer.usage.completion_tokens_details.reasoning_tokens == 25
    record = UsageRecord.objects.get()
    expected = _genai(input_tokens=1920, output_tokens=65, input_audio_tokens=1800)
    assert abs(record.cost - expected) < EXACT
    # Priced as text, the same tokens cost 1800 × $0.70/M less: the gap the issue measured.
    assert record.cost - _genai(input_tokens=1920, output_tokens=65) == Decimal("0.00126")


def test_cached_audio_charged_at_the_cached_audio_rate(openai_client, priced):
    metadata = shapes.usage_metadata(text=100, audio=1800, cached_text=60, cached_audio=1000, output=65)
    priced.script(UPSTREAM_ID, Recorded(body=shapes.answer("A dog barks.", metadata)))
    openai_client.chat.completions.create(model="gemini-2.0-flash", messages=HEARD)
    expected = _genai(
        input_tokens=1900,
        output_tokens=65,
        cache_read_tokens=1060,
        input_audio_tokens=1800,
        cache_audio_read_tokens=1000,
    )
    record = UsageRecord.objects.get()
    assert abs(record.cost - expected) < EXACT
    assert (record.prompt_tokens, record.cached_tokens) == (1900, 1060)


def test_streamed_audio_prompt_charged_at_the_audio_rate(openai_client, priced):
    metadata = shapes.usage_metadata(text=30, audio=960, output=3)
    chunks = shapes.stream(["A dog", " barks", "."], metadata)
    priced.script(UPSTREAM_ID, Recorded(frames=shapes.sse(chunks)))
    stream = openai_client.chat.completions.create(model="gemini-2.0-flash", messages=HEARD, stream=True)
    assert "".join(c.choices[0].delta.content or "" for c in stream if c.choices) == "A dog barks."
    assert (
        abs(UsageRecord.objects.get().cost - _genai(input_tokens=990, output_tokens=3, input_audio_tokens=960)) < EXACT
    )


def test_audio_through_the_gemini_endpoint(hub_url, alice, priced):
    metadata = shapes.usage_metadata(text=12, audio=640, output=9)
    priced.script(UPSTREAM_ID, Recorded(body=shapes.answer("A dog barks.", metadata)))
    body = {"contents": [{"role": "user", "parts": [{"text": "What is said?"}]}]}
    response = httpx.post(
        f"{hub_url}/models/gemini-2.0-flash:generateContent", json=body, params={"key": alice.key}, timeout=20
    )
    assert response.status_code == 200
    assert response.json()["usageMetadata"]["promptTokenCount"] == 652
    expected = _genai(input_tokens=652, output_tokens=9, input_audio_tokens=640)
    assert abs(UsageRecord.objects.get().cost - expected) < EXACT


def test_a_model_without_an_audio_rate_charges_audio_as_text(openai_client, direct):
    metadata = shapes.usage_metadata(text=120, audio=1800, output=40)
    direct.script(UPSTREAM_ID, Recorded(body=shapes.answer("A dog barks.", metadata)))
    openai_client.chat.completions.create(model="gemini-2.0-flash", messages=HEARD)
    record = UsageRecord.objects.get()
    assert record.cost == (1920 * Decimal("0.10") + 40 * Decimal("0.40")) / 1_000_000  # the seed's text rates


@pytest.mark.parametrize(
    "details",
    [[{"modality": "AUDIO", "tokenCount": "1800"}], [{"modality": "AUDIO", "tokenCount": -5}], [{"tokenCount": 5}]],
    ids=["text-count", "negative", "no-modality"],
)
def test_malformed_modality_counts_fail_the_answer(openai_client, direct, details):
    metadata = shapes.usage_metadata(text=120, output=4)
    metadata["promptTokensDetails"] = details
    direct.script(UPSTREAM_ID, *[Recorded(body=shapes.answer("A dog barks.", metadata))] * 4)
    with pytest.raises(Exception) as failure:
        openai_client.chat.completions.create(model="gemini-2.0-flash", messages=HEARD)
    assert getattr(failure.value, "status_code", None) == 502
    assert "promptTokensDetails" in str(failure.value)


def test_model_list_shows_the_modality_and_per_call_prices(openai_client, priced):
    listed = {m.id: m for m in openai_client.models.list()}["gemini-2.0-flash"]
    prices = listed.model_extra["pricing"]
    assert (prices["input_audio_per_million"], prices["cached_audio_per_million"]) == (1, 0.1)
    assert prices["per_call"] == {"web_search": 0.035}


def test_audio_counts_beyond_the_prompt_are_cut_and_flagged(openai_client, priced):
    metadata = shapes.usage_metadata(text=120, audio=1800, output=40)
    metadata["promptTokensDetails"][1]["tokenCount"] = 9_000_000  # more audio than the whole prompt
    priced.script(UPSTREAM_ID, Recorded(body=shapes.answer("A dog barks.", metadata)))
    answer = openai_client.chat.completions.create(model="gemini-2.0-flash", messages=HEARD)
    assert answer.usage.prompt_tokens_details.audio_tokens == 1920  # at most the prompt
    record = UsageRecord.objects.get()
    assert record.tokens_clamped
    assert abs(record.cost - _genai(input_tokens=1920, output_tokens=40, input_audio_tokens=1920)) < EXACT
