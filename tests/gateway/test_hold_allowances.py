"""What the credit hold covers beyond the prompt and the output cap: the hosted tool calls a request declares
(web search on the Responses and Anthropic APIs, at their per-call price and the prompt they may add) and the
media parts it sends (at the model's audio rate). A charge is never more than the hold, so never past a hard
budget: an upstream reporting more than the request allowed is cut to the hold and flagged."""

from __future__ import annotations

import base64
from decimal import Decimal
from typing import Any

import httpx
import openai
import pytest
from django.db.models import Sum

from billing.models import Budget, BudgetSpend, CreditHold, Team, UsageRecord
from llmhub import catalog
from tests.fake_responses import ResponsesReply
from tests.fake_upstream import Recorded
from tests.genai_pricing import genai_price, price_row_from_genai
from tests.providers import recorded_anthropic, recorded_gemini
from tests.usage_records import wait_for_record

pytestmark = pytest.mark.django_db(transaction=True)

EXACT = Decimal("0.00000001")
CLAUDE_UPSTREAM = "claude-3-5-sonnet-20241022"
AUDIO = {"inlineData": {"mimeType": "audio/mp3", "data": base64.b64encode(b"ID3" + b"\0" * 64).decode()}}


@pytest.fixture
def openai_direct(settings, upstream):
    """gpt-4.1 served by the openai provider (the fake's Responses route) at genai-prices' prices: $2/M input,
    $8/M output, $10 per thousand web searches."""
    from llmhub.models import Deployment
    from tests.provider_env import configure_provider

    configure_provider(settings, "openai", key="fake-openai-key", base_url=upstream.url + "/v1")
    Deployment.objects.filter(provider="aisa", model__name="gpt-4.1").update(enabled=False)
    price_row_from_genai("gpt-4.1", "openai", "gpt-4.1")
    yield upstream
    catalog.invalidate()


@pytest.fixture
def claude(direct):
    """claude-3-5-sonnet at genai-prices' Claude Sonnet 4.5 prices: $3/M input, $10 per thousand web searches."""
    price_row_from_genai("claude-3-5-sonnet", "anthropic", "claude-sonnet-4-5")
    return direct


@pytest.fixture
def gemini(direct):
    """gemini-2.0-flash at genai-prices' Gemini 2.5 Flash prices: audio $1/M against $0.30/M for text."""
    price_row_from_genai("gemini-2.0-flash", "google", "gemini-2.5-flash")
    return direct


def _hard_budget(team: Any, amount: str) -> Budget:
    Team.objects.filter(pk=team.pk).update(balance=Decimal("20"))
    return Budget.objects.create(team=team, amount=Decimal(amount), period=Budget.DAILY, is_hard=True)


def _spent(budget: Budget) -> Decimal:
    return BudgetSpend.objects.filter(budget=budget).aggregate(total=Sum("spent"))["total"] or Decimal(0)


def _search(client: openai.OpenAI, **extra: Any) -> Any:
    return client.responses.with_raw_response.create(
        model="gpt-4.1", input="What is new today?", tools=[{"type": "web_search"}], max_output_tokens=100, **extra
    )


def _gpt41(**usage: int) -> Decimal:
    return genai_price("openai", "gpt-4.1", **usage)


# --- Responses: a declared web search -----------------------------------------------------------------------


def test_declared_searches_are_held_and_charged_in_full(openai_client, openai_direct):
    openai_direct.script("gpt-4.1", ResponsesReply(text="Found.", prompt_tokens=50_000, completion_tokens=60,
                                                   web_searches=3))  # fmt: skip
    raw = _search(openai_client, max_tool_calls=3)
    assert raw.http_response.status_code == 200
    record = wait_for_record(raw.headers["x-request-id"])
    expected = _gpt41(input_tokens=50_000, output_tokens=60, web_searches=3)
    assert abs(record.cost - expected) < EXACT
    assert not record.tokens_clamped


def test_searches_that_would_pass_a_hard_budget_are_refused_before_the_call(openai_client, openai_direct, acme):
    # Three searches may cost 3 x ($0.01 + 100,000 prompt tokens at $2/M): held in full, past a $0.05 budget.
    budget = _hard_budget(acme, "0.05")
    openai_direct.script("gpt-4.1", ResponsesReply(text="Found.", prompt_tokens=50_000, completion_tokens=60,
                                                   web_searches=3))  # fmt: skip
    with pytest.raises(openai.APIStatusError) as refused:
        _search(openai_client, max_tool_calls=3)
    assert refused.value.status_code == 402
    assert refused.value.body["code"] == "budget_exceeded"
    assert openai_direct.requests_for("/v1/responses") == []
    assert _spent(budget) == 0 and not UsageRecord.objects.exists()


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_more_searches_than_allowed_are_cut_to_the_hold_within_a_hard_budget(
    openai_client, openai_direct, acme, stream
):
    # One search allowed: held for one (about $0.21); the upstream reports four and 300,000 prompt tokens ($0.64).
    budget = _hard_budget(acme, "0.30")
    openai_direct.script("gpt-4.1", ResponsesReply(text="Found.", prompt_tokens=300_000, completion_tokens=60,
                                                   web_searches=4))  # fmt: skip
    if stream:
        with openai_client.responses.stream(
            model="gpt-4.1", input="What is new today?", tools=[{"type": "web_search"}], max_output_tokens=100,
            max_tool_calls=1,
        ) as events:  # fmt: skip
            events.get_final_response()
        record = UsageRecord.objects.get()
    else:
        record = wait_for_record(_search(openai_client, max_tool_calls=1).headers["x-request-id"])
    assert record.tokens_clamped
    assert Decimal("0.2") < record.cost < Decimal("0.22")  # the hold, not the $0.64 reported
    assert record.cost < _gpt41(input_tokens=300_000, output_tokens=60, web_searches=4)
    assert -record.charge.amount == record.cost
    assert _spent(budget) == record.cost <= budget.amount
    assert not CreditHold.objects.exists()


def test_a_request_without_hosted_tools_holds_nothing_for_them(openai_client, openai_direct, acme):
    # Without the tool, the same request is held for its prompt and output only: it fits a $0.05 budget.
    _hard_budget(acme, "0.05")
    openai_direct.script("gpt-4.1", ResponsesReply(text="Hi.", prompt_tokens=20, completion_tokens=5))
    raw = openai_client.responses.with_raw_response.create(model="gpt-4.1", input="Hi", max_output_tokens=100)
    assert raw.http_response.status_code == 200


def test_the_output_cap_is_lowered_to_fit_beside_the_searches(openai_client, openai_direct, acme):
    # Three searches hold about $0.63; gpt-4.1's 32,768 output tokens ($0.26) do not fit beside them in $0.70.
    Team.objects.filter(pk=acme.pk).update(balance=Decimal("0.70"))
    openai_direct.script("gpt-4.1", ResponsesReply(text="Found.", prompt_tokens=900, completion_tokens=60,
                                                   web_searches=3))  # fmt: skip
    raw = openai_client.responses.with_raw_response.create(
        model="gpt-4.1", input="What is new today?", tools=[{"type": "web_search"}], max_tool_calls=3
    )
    lowered = int(raw.headers["x-llmhub-max-tokens-lowered"])
    assert 256 <= lowered < 32_768
    assert Decimal("0.63") + lowered * Decimal("8") / 1_000_000 <= Decimal("0.70")
    assert openai_direct.requests_for("/v1/responses")[-1].body["max_output_tokens"] == lowered
    assert not wait_for_record(raw.headers["x-request-id"]).tokens_clamped


# --- Anthropic: web search with max_uses --------------------------------------------------------------------


def _claude_search(hub_url: str, key: str, max_uses: int) -> httpx.Response:
    body = {
        "model": "claude-3-5-sonnet",
        "max_tokens": 1024,
        "messages": [{"role": "user", "content": "Paris weather?"}],
        "tools": [{"type": "web_search_20250305", "name": "web_search", "max_uses": max_uses}],
    }
    headers = {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return httpx.post(f"{hub_url}/messages", json=body, headers=headers, timeout=20)


def test_anthropic_searches_within_max_uses_are_charged_in_full(hub_url, alice, claude):
    claude.script(CLAUDE_UPSTREAM, Recorded(body=recorded_anthropic.web_search_message(searches=3)))
    response = _claude_search(hub_url, alice.key, max_uses=3)
    assert response.status_code == 200
    record = wait_for_record(response.headers["x-request-id"])
    expected = genai_price("anthropic", "claude-sonnet-4-5", input_tokens=10682, output_tokens=510, web_searches=3)
    assert abs(record.cost - expected) < EXACT
    assert not record.tokens_clamped


def test_anthropic_searches_past_max_uses_never_pass_the_hold_or_a_hard_budget(hub_url, alice, claude, acme):
    # max_uses 1: held for one search and 100,000 prompt tokens at $3/M (about $0.33); reported: 6 and 500,000.
    budget = _hard_budget(acme, "0.50")
    answer = recorded_anthropic.web_search_message(searches=6)
    answer["usage"]["input_tokens"] = 500_000
    claude.script(CLAUDE_UPSTREAM, Recorded(body=answer))
    response = _claude_search(hub_url, alice.key, max_uses=1)
    assert response.status_code == 200
    record = wait_for_record(response.headers["x-request-id"])
    assert record.tokens_clamped
    assert Decimal("0.32") < record.cost < Decimal("0.35")
    assert _spent(budget) == record.cost <= budget.amount


# --- Gemini: an audio part at the audio rate ----------------------------------------------------------------


def _listen(hub_url: str, key: str) -> httpx.Response:
    body = {"contents": [{"role": "user", "parts": [{"text": "What is said?"}, AUDIO]}]}
    return httpx.post(f"{hub_url}/models/gemini-2.0-flash:generateContent", json=body, params={"key": key}, timeout=20)


def _heard(audio: int) -> Recorded:
    return Recorded(body=recorded_gemini.answer("A dog barks.", recorded_gemini.usage_metadata(text=20, audio=audio,
                                                                                                output=4)))  # fmt: skip


def test_an_audio_prompt_is_held_at_the_audio_rate_and_charged_in_full(hub_url, alice, gemini):
    gemini.script("gemini-2.0-flash", _heard(150_000))
    response = _listen(hub_url, alice.key)
    assert response.status_code == 200, response.text
    record = wait_for_record(response.headers["x-request-id"])
    expected = genai_price("google", "gemini-2.5-flash", input_tokens=150_020, output_tokens=4,
                           input_audio_tokens=150_000)  # fmt: skip
    assert abs(record.cost - expected) < EXACT
    assert not record.tokens_clamped


def test_an_audio_prompt_that_could_pass_a_hard_budget_is_refused(hub_url, alice, gemini, acme):
    # One audio part may bill 200,000 tokens at $1/M: held as $0.20 (at the text rate it would be $0.06).
    budget = _hard_budget(acme, "0.15")
    gemini.script("gemini-2.0-flash", _heard(150_000))
    response = _listen(hub_url, alice.key)
    assert response.status_code == 402, response.text
    assert gemini.requests_for(":generateContent") == []
    assert _spent(budget) == 0


# --- the allowance, read from the declared tools ------------------------------------------------------------


def _allowance(body: dict[str, Any], wire: str = "responses", **params: Any) -> int:
    from llmhub.gateway.hosted_tools import hosted_call_allowance
    from llmhub.providers.base import ChatRequest, NativeRequest

    return hosted_call_allowance(ChatRequest(model="m", messages=[], params=params, native=NativeRequest(wire, body)))


def test_the_allowance_is_the_clients_limit_or_the_stated_default():
    from llmhub.gateway.hosted_tools import DEFAULT_HOSTED_CALLS, MAX_SERVER_TOOL_CALLS

    search, files = {"type": "web_search"}, {"type": "file_search", "vector_store_ids": ["vs_1"]}
    assert _allowance({"tools": [search]}) == DEFAULT_HOSTED_CALLS
    assert _allowance({"tools": [search, files]}) == 2 * DEFAULT_HOSTED_CALLS
    assert _allowance({"tools": [search, files], "max_tool_calls": 3}) == 3
    assert _allowance({"tools": [search], "max_tool_calls": 10**9}) == DEFAULT_HOSTED_CALLS
    anthropic = [{"type": "web_search_20250305", "name": "web_search", "max_uses": 10**9},
                 {"type": "web_fetch_20250910", "name": "web_fetch", "max_uses": 2}]  # fmt: skip
    assert _allowance({"tools": anthropic}, "anthropic") == MAX_SERVER_TOOL_CALLS
    assert _allowance({"tools": anthropic[1:]}, "anthropic") == 2


def test_function_tools_and_malformed_tools_allow_no_hosted_calls():
    function = {"type": "function", "name": "get_weather", "parameters": {}}
    assert _allowance({"tools": [function, "web_search", {"type": 5}, {"name": "no type"}]}) == 0
    assert _allowance({"tools": "web_search", "max_tool_calls": 4}) == 0
    assert _allowance({}) == 0
    assert _allowance({"tools": [{"googleSearch": {}}]}, "gemini") == 0  # billed per prompt, not per call


def test_chat_completions_web_search_options_allow_the_default():
    from llmhub.gateway.hosted_tools import DEFAULT_HOSTED_CALLS, hosted_call_allowance
    from llmhub.providers.base import ChatRequest

    request = ChatRequest(model="m", messages=[], params={"web_search_options": {}})
    assert hosted_call_allowance(request) == DEFAULT_HOSTED_CALLS
