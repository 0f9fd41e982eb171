"""Responses passthrough: a /v1/responses request to a Responses upstream (OpenAI) goes as the client sent it,
its answer comes back as the upstream wrote it, and cache reads and hosted web searches are charged at
genai-prices' prices. The official openai SDK against the live hub and a loopback Responses upstream."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import genai_prices
import openai
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


def test_input_tokens_are_counted_by_a_responses_upstream_and_not_billed(openai_client, openai_direct):
    counted = openai_client.responses.input_tokens.count(model="gpt-4.1", input="How long is this?")
    assert counted.input_tokens == 42
    sent = openai_direct.requests_for("/v1/responses/input_tokens")[-1].body
    assert sent == {"model": "gpt-4.1", "input": "How long is this?"}
    assert not UsageRecord.objects.exists()


def test_input_tokens_without_a_responses_upstream_is_a_clear_400(openai_client, upstream):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.input_tokens.count(model="gpt-4.1", input="How long is this?")
    assert "needs a Responses upstream" in caught.value.body["message"]
    assert caught.value.body["param"] == "model"


def test_compact_goes_to_the_responses_upstream_and_is_billed(openai_client, openai_direct):
    compacted = openai_client.responses.compact(model="gpt-4.1", input="A long conversation.")
    assert compacted.output[0].type == "compaction"
    sent = openai_direct.requests_for("/v1/responses/compact")[-1].body
    assert sent == {"model": "gpt-4.1", "input": "A long conversation."}
    record = UsageRecord.objects.get()
    assert (record.prompt_tokens, record.completion_tokens) == (900, 120)
    assert (
        Decimal(str(compacted.model_dump()["usage"]["cost"]))
        == record.cost
        == oracle(input_tokens=900, output_tokens=120)
    )


def test_compact_without_a_responses_upstream_is_a_clear_400(openai_client, upstream):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.compact(model="gpt-4.1", input="A long conversation.")
    assert "Compaction needs a Responses upstream" in caught.value.body["message"]
    assert upstream.requests_for("/chat/completions") == []


def test_a_chat_completions_request_to_openai_stays_on_chat_completions(openai_client, openai_direct):
    openai_client.chat.completions.create(model="gpt-4.1", messages=[{"role": "user", "content": "Hi"}])
    assert len(openai_direct.requests_for("/v1/chat/completions")) == 1
    assert openai_direct.requests_for("/v1/responses") == []


def test_a_malformed_usage_from_a_responses_upstream_is_its_failure(openai_client, openai_direct):
    from tests.fake_upstream import Reply

    openai_direct.script("gpt-4.1", Reply(text="x", raw_usage="lots"), Reply(text="x", raw_usage="lots"))
    with pytest.raises(openai.APIStatusError) as caught:
        openai_client.responses.create(model="gpt-4.1", input="Hi")
    assert caught.value.status_code == 502


@pytest.fixture
def responses_only(openai_direct):
    """The openai provider configured (admin row) as speaking only the Responses API."""
    from llmhub.models import Provider

    row = Provider(name="openai", wire_format="responses", base_url=openai_direct.url + "/v1")
    row.set_api_key("row-key")
    row.save()
    catalog.invalidate()
    return openai_direct


def test_a_chat_request_to_a_responses_only_upstream_is_translated(openai_client, responses_only):
    call = {"id": "call_7", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}
    responses_only.script("gpt-4.1", ResponsesReply(text="Checking.", tool_calls=[call], cached_tokens=4))
    tool = {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object", "properties": {}}}}
    answer = openai_client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Time?"}],
        tools=[tool],
        max_tokens=100,
        prompt_cache_key="k",
    )
    assert answer.choices[0].message.content == "Checking."
    assert answer.choices[0].message.tool_calls[0].function.name == "get_time"
    assert answer.usage.prompt_tokens_details.cached_tokens == 4
    sent = responses_only.requests_for("/v1/responses")[-1]
    assert sent.headers["Authorization"] == "Bearer row-key"
    assert sent.body["input"] == [
        {"type": "message", "role": "system", "content": "Be brief."},
        {"type": "message", "role": "user", "content": "Time?"},
    ]
    assert sent.body["tools"] == [
        {"type": "function", "name": "get_time", "parameters": tool["function"]["parameters"]}
    ]
    assert (sent.body["max_output_tokens"], sent.body["prompt_cache_key"], sent.body["store"]) == (100, "k", False)


def test_a_chat_stream_from_a_responses_only_upstream_is_translated(openai_client, responses_only):
    responses_only.script("gpt-4.1", ResponsesReply(text="Hello there.", reasoning_summary="Greeting."))
    stream = openai_client.chat.completions.create(
        model="gpt-4.1",
        messages=[{"role": "user", "content": "Hi"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello there."
    assert chunks[-1].usage.total_tokens > 0
    assert UsageRecord.objects.get().status == "ok"


@pytest.mark.parametrize("stream", [False, True])
def test_web_searches_are_charged_when_the_upstream_reports_no_usage(openai_client, openai_direct, stream):
    openai_direct.script("gpt-4.1", ResponsesReply(text="Found it.", web_searches=3, usage=False))
    if stream:
        with openai_client.responses.stream(model="gpt-4.1", input="Search.", tools=[WEB_SEARCH]) as events:
            events.get_final_response()
    else:
        openai_client.responses.create(model="gpt-4.1", input="Search.", tools=[WEB_SEARCH])
    record = UsageRecord.objects.get()
    assert record.tokens_estimated
    tokens = oracle(input_tokens=record.prompt_tokens, output_tokens=record.completion_tokens)
    assert record.cost == tokens + Decimal("0.03")  # $10 per thousand searches


def test_charlie_cannot_compact_or_count_alices_stored_conversation(openai_client, openai_direct, hub_url, charlie):
    created = openai_client.responses.create(model="gpt-4.1", input="secret")
    other = openai.OpenAI(api_key=charlie.key, base_url=hub_url, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        other.responses.compact(model="gpt-4.1", previous_response_id=created.id)
    with pytest.raises(openai.NotFoundError):
        other.responses.input_tokens.count(model="gpt-4.1", previous_response_id=created.id, input="more")
    assert openai_direct.requests_for("/v1/responses/compact") == []
    assert openai_direct.requests_for("/v1/responses/input_tokens") == []
