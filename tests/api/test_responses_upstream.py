"""Responses passthrough: a /v1/responses request to a Responses upstream (OpenAI) goes as the client sent it,
its answer comes back as the upstream wrote it, and cache reads and hosted web searches are charged at
genai-prices' prices. The official openai SDK against the live hub and a loopback Responses upstream."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import genai_prices
import pytest
from django.core.management import call_command

from billing.models import UsageRecord
from billing.money import to_usd
from llmhub import catalog
from tests.fake_responses import ResponsesReply

pytestmark = pytest.mark.django_db(transaction=True)

WEB_SEARCH = {"type": "web_search"}
SEARCHING = ResponsesReply(
    text="Two results.",
    prompt_tokens=10_000,
    cached_tokens=8_000,
    completion_tokens=300,
    reasoning_tokens=120,
    reasoning_summary="Searching twice.",
    web_searches=2,
)


@pytest.fixture
def openai_direct(settings, upstream):
    """gpt-4.1 served by the openai provider (the fake's /v1), priced from genai-prices."""
    from llmhub.models import Deployment
    from tests.provider_env import configure_provider

    call_command("sync_catalog", stdout=StringIO())
    configure_provider(settings, "openai", key="fake-openai-key", base_url=upstream.url + "/v1")
    Deployment.objects.filter(provider="aisa", model__name="gpt-4.1").update(enabled=False)
    catalog.invalidate()
    yield upstream
    catalog.invalidate()


def oracle(**usage: int) -> Decimal:
    price = genai_prices.calc_price(
        genai_prices.Usage(**usage), "gpt-4.1", provider_id="openai", genai_request_timestamp=dt.datetime.now(tz=dt.UTC)
    )
    return to_usd(price.total_price)


EXPECTED_COST = {"input_tokens": 10_000, "cache_read_tokens": 8_000, "output_tokens": 300, "web_searches": 2}


def _create(client, **extra):
    return client.responses.with_raw_response.create(
        model="gpt-4.1",
        input="What is new today?",
        tools=[WEB_SEARCH],
        prompt_cache_key="session-42",
        include=["web_search_call.action.sources"],
        max_output_tokens=2_000,
        reasoning={"effort": "low", "summary": "auto"},
        extra_headers={"OpenAI-Beta": "responses=experimental"},
        extra_body={"client_metadata": {"originator": "codex"}},
        **extra,
    )


def _sent_unchanged(received, *, stream: bool) -> None:
    expected = {
        "model": "gpt-4.1",
        "input": "What is new today?",
        "tools": [WEB_SEARCH],
        "prompt_cache_key": "session-42",
        "include": ["web_search_call.action.sources"],
        "max_output_tokens": 2_000,
        "reasoning": {"effort": "low", "summary": "auto"},
        "client_metadata": {"originator": "codex"},
    }
    assert received.body == ({**expected, "stream": True} if stream else expected)
    assert received.headers["openai-beta"] == "responses=experimental"
    assert received.headers["Authorization"] == "Bearer fake-openai-key"


def test_a_responses_request_reaches_a_responses_upstream_unchanged_and_is_charged_at_genai_prices(
    openai_client, openai_direct
):
    openai_direct.script("gpt-4.1", SEARCHING)
    raw = _create(openai_client)
    _sent_unchanged(openai_direct.requests_for("/v1/responses")[-1], stream=False)
    assert "x-llmhub-dropped" not in raw.headers  # nothing was dropped: the upstream got it all
    response = raw.parse()
    assert [item.type for item in response.output] == ["reasoning", "web_search_call", "web_search_call", "message"]
    assert response.output[0].summary[0].text == "Searching twice."
    usage = response.usage.model_dump()
    assert usage["input_tokens_details"]["cached_tokens"] == 8_000
    assert usage["output_tokens_details"]["reasoning_tokens"] == 120
    cost = Decimal(str(usage["cost"]))
    assert cost == oracle(**EXPECTED_COST)
    assert cost > oracle(input_tokens=10_000, cache_read_tokens=8_000, output_tokens=300)  # the searches are charged
    record = UsageRecord.objects.get()
    assert (record.cached_tokens, record.reasoning_tokens, record.cost) == (8_000, 120, cost)


def test_a_streamed_responses_request_is_relayed_as_the_upstream_sent_it_and_charged(openai_client, openai_direct):
    openai_direct.script("gpt-4.1", SEARCHING)
    raw = _create(openai_client, stream=True)
    events = list(raw.parse())
    _sent_unchanged(openai_direct.requests_for("/v1/responses")[-1], stream=True)
    kinds = [event.type for event in events]
    assert "response.reasoning_summary_text.delta" in kinds
    assert "response.web_search_call.completed" in kinds
    assert [event.sequence_number for event in events] == list(range(len(events)))  # the upstream's own numbering
    final = events[-1].response
    assert kinds[-1] == "response.completed"
    assert final.id.startswith("resp_up_")
    usage = final.usage.model_dump()
    assert usage["input_tokens_details"]["cached_tokens"] == 8_000
    assert Decimal(str(usage["cost"])) == oracle(**EXPECTED_COST) == UsageRecord.objects.get().cost


def test_a_follow_up_sends_the_stored_conversation_in_place_of_previous_response_id(openai_client, openai_direct):
    call = {"id": "call_1", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    openai_direct.script("gpt-4.1", ResponsesReply(tool_calls=[call], reasoning_summary="Need the time."))
    tool = {"type": "function", "name": "get_time", "parameters": {"type": "object", "properties": {}}}
    first = openai_client.responses.create(model="gpt-4.1", input="What time is it?", tools=[tool])
    assert first.output[-1].type == "function_call"
    output = {"type": "function_call_output", "call_id": "call_1", "output": "noon"}
    second = openai_client.responses.create(
        model="gpt-4.1", previous_response_id=first.id, input=[output], tools=[tool]
    )
    sent = openai_direct.requests_for("/v1/responses")[-1].body
    assert "previous_response_id" not in sent
    assert [item["type"] for item in sent["input"]] == ["message", "reasoning", "function_call", "function_call_output"]
    assert sent["input"][0]["content"] == [{"type": "input_text", "text": "What time is it?"}]
    assert sent["input"][2]["call_id"] == "call_1"
    assert second.previous_response_id == first.id
    assert openai_client.responses.retrieve(second.id).previous_response_id == first.id


def test_a_stored_streamed_passthrough_can_be_retrieved(openai_client, openai_direct):
    with openai_client.responses.stream(model="gpt-4.1", input="Hi") as stream:
        final = stream.get_final_response()
    stored = openai_client.responses.retrieve(final.id)
    assert stored.output_text == final.output_text
    assert json.loads(stored.model_dump_json())["usage"]["cost"] is not None
