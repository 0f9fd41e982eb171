"""Contract tests for the Anthropic upstream adapter: the hub's OpenAI endpoint in front, Messages API behind."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.conftest import serve_direct
from tests.fake_native import NativeReply
from tests.fake_upstream import Drop, Fail, Garbage, Reply

pytestmark = pytest.mark.django_db(transaction=True)

CLAUDE = "claude-3-5-sonnet-20241022"
PNG = "data:image/png;base64,iVBORw0KGgo="


def _sent(direct):
    return direct.requests_for("/anthropic/v1/messages")[-1]


def test_text_request_translated(openai_client, direct):
    openai_client.chat.completions.create(
        model="claude-3-5-sonnet",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": "Answer in English."},
            {"role": "user", "content": "hi"},
        ],
        temperature=1.5,
        top_p=0.9,
        stop="END",
        user="u-7",
    )
    sent = _sent(direct)
    assert sent.headers["x-api-key"] == "fake-anthropic-key"
    assert sent.headers["anthropic-version"] == "2023-06-01"
    assert sent.body == {
        "model": CLAUDE,
        "system": "Be brief.\n\nAnswer in English.",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
        "max_tokens": 4096,  # Anthropic requires it: defaulted
        "temperature": 1.0,  # Claude's range ends at 1
        "top_p": 0.9,
        "stop_sequences": ["END"],
        "metadata": {"user_id": "u-7"},
    }


def test_max_tokens_forwarded(openai_client, direct):
    openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "hi"}], max_completion_tokens=77
    )
    assert _sent(direct).body["max_tokens"] == 77


def test_images_as_base64_and_url_sources(openai_client, direct):
    openai_client.chat.completions.create(
        model="claude-3-5-sonnet",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Compare"},
                    {"type": "image_url", "image_url": {"url": PNG}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
                ],
            }
        ],
    )
    assert _sent(direct).body["messages"][0]["content"] == [
        {"type": "text", "text": "Compare"},
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="}},
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.jpg"}},
    ]


def test_tools_and_tool_results_translated(openai_client, direct):
    tool = {"type": "function", "function": {"name": "add", "description": "Add", "parameters": {"type": "object"}}}
    call = {"id": "toolu_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 2}'}}
    openai_client.chat.completions.create(
        model="claude-3-5-sonnet",
        messages=[
            {"role": "user", "content": "1+2?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "toolu_1", "content": "3"},
            {"role": "user", "content": "and then?"},
        ],
        tools=[tool],
        tool_choice={"type": "function", "function": {"name": "add"}},
        parallel_tool_calls=False,
    )
    body = _sent(direct).body
    assert body["tools"] == [{"name": "add", "description": "Add", "input_schema": {"type": "object"}}]
    assert body["tool_choice"] == {"type": "tool", "name": "add", "disable_parallel_tool_use": True}
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "1+2?"}]},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "toolu_1", "name": "add", "input": {"a": 1, "b": 2}}],
        },
        {
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_1", "content": "3"},
                {"type": "text", "text": "and then?"},
            ],
        },
    ]


def test_tool_use_answer_becomes_tool_calls(openai_client, direct):
    call = {"id": "toolu_9", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    direct.script(CLAUDE, Reply(text="", tool_calls=[call]))
    response = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}]
    )
    choice = response.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    assert choice.message.tool_calls[0].id == "toolu_9"
    assert choice.message.tool_calls[0].function.arguments == '{"a":1}'


@pytest.mark.parametrize(("finish", "expected"), [("length", "length"), ("stop", "stop")])
def test_stop_reasons_map(openai_client, direct, finish, expected):
    direct.script(CLAUDE, Reply(text="cut", finish_reason=finish))
    response = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}]
    )
    assert response.choices[0].finish_reason == expected


def test_cache_tokens_priced_exactly(openai_client, direct, acme):
    direct.script(
        CLAUDE,
        NativeReply(
            text="ok", prompt_tokens=1000, cache_read_tokens=2000, cache_write_tokens=500, completion_tokens=300
        ),
    )
    long_prompt = [{"role": "user", "content": "x" * 3_500}]  # the hub bounds the reported prompt by its size
    response = openai_client.chat.completions.create(model="claude-3-5-sonnet", messages=long_prompt)
    usage = response.usage.model_dump()
    # 1000 × $3 + 2000 × $0.30 + 500 × $3.75 + 300 × $15, per million = $0.009975
    assert Decimal(str(usage["cost"])) == Decimal("0.009975")
    assert usage["prompt_tokens"] == 3500  # canonical prompt tokens include cache reads and writes
    details = usage["prompt_tokens_details"]
    assert (details["cached_tokens"], details["cache_write_tokens"]) == (2000, 500)
    record = UsageRecord.objects.get()
    assert (record.prompt_tokens, record.cached_tokens, record.cache_write_tokens) == (3500, 2000, 500)
    assert (record.provider, record.cost) == ("anthropic", Decimal("0.009975"))
    acme.refresh_from_db()
    assert acme.balance == Decimal("100") - Decimal("0.009975")


def test_stream_text_and_cache_usage(openai_client, direct):
    direct.script(
        CLAUDE,
        NativeReply(
            chunks=["Hel", "lo", "!"], text="Hello!", prompt_tokens=10, cache_read_tokens=100, completion_tokens=3
        ),
    )
    stream = openai_client.chat.completions.create(
        model="claude-3-5-sonnet",
        messages=[{"role": "user", "content": "x"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello!"
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    usage = chunks[-1].usage.model_dump()
    # 10 × $3 + 100 × $0.30 + 3 × $15, per million
    assert Decimal(str(usage["cost"])) == Decimal("0.000105")
    assert usage["prompt_tokens"] == 110
    assert direct.requests_for("/anthropic/v1/messages")[-1].body["stream"] is True


def test_stream_tool_call_assembled_from_input_json_deltas(openai_client, direct):
    call = {"id": "toolu_5", "type": "function", "function": {"name": "add", "arguments": '{"a": 1, "b": 22}'}}
    direct.script(CLAUDE, Reply(text="", tool_calls=[call]))
    chunks = list(
        openai_client.chat.completions.create(
            model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}], stream=True
        )
    )
    fragments = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert fragments[0].id == "toolu_5" and fragments[0].function.name == "add"
    assert "".join(f.function.arguments or "" for f in fragments) == '{"a": 1, "b": 22}'
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_mid_stream_error_event_ends_stream_and_bills_once(openai_client, direct):
    direct.script(CLAUDE, NativeReply(chunks=["a", "b"], text="ab", stream_error="overloaded_error"))
    stream = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIError, match="overloaded_error"):
        list(stream)
    record = UsageRecord.objects.get()
    assert (record.status, record.error_code) == ("error", "upstream_unavailable")
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


@pytest.mark.parametrize(
    ("fail", "status"),
    [(Fail(400, "messages: bad"), 400), (Fail(401, "invalid x-api-key"), 502), (Fail(429, "slow"), 429)],
)
def test_upstream_errors_mapped(openai_client, direct, fail, status):
    direct.script(CLAUDE, fail, fail)
    with pytest.raises(openai.APIStatusError) as caught:
        openai_client.chat.completions.create(model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == status
    # The hub's own words and the upstream's status, never the upstream's text.
    assert fail.message not in caught.value.message
    assert str(fail.status) in caught.value.message


def test_overloaded_529_retried_then_served(openai_client, direct):
    direct.script(CLAUDE, Fail(529, "Overloaded"))
    response = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}]
    )
    assert response.choices[0].message.content == f"Hello from fake {CLAUDE}."
    assert [a["status"] for a in UsageRecord.objects.get().attempts] == ["error", "ok"]


def test_garbage_and_dropped_streams_are_upstream_errors(openai_client, direct):
    direct.script(CLAUDE, Garbage(), Garbage())
    with pytest.raises(openai.APIStatusError) as caught:
        openai_client.chat.completions.create(model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}])
    assert caught.value.status_code == 502
    direct.script(CLAUDE, Drop(after_chunks=2))
    stream = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}], stream=True
    )
    with pytest.raises(openai.APIError):
        list(stream)


def test_aisa_failure_falls_back_to_direct_anthropic(openai_client, upstream, settings):
    serve_direct(settings, upstream, keep_aisa=True)
    upstream.script("claude-3-5-sonnet", Fail(503, "down"), Fail(503, "down"))
    response = openai_client.chat.completions.create(
        model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}]
    )
    assert response.choices[0].message.content == f"Hello from fake {CLAUDE}."
    record = UsageRecord.objects.get()
    assert [a["provider"] for a in record.attempts] == ["aisa", "aisa", "anthropic"]
    assert record.provider == "anthropic"


@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"n": 2}, "n"),
        ({"logprobs": True}, "logprobs"),
        ({"response_format": {"type": "json_object"}}, "response_format"),
    ],
)
def test_untranslatable_parameters_are_clear_400s(openai_client, direct, extra, param):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(
            model="claude-3-5-sonnet", messages=[{"role": "user", "content": "x"}], **extra
        )
    assert caught.value.body["param"] == param
    assert "cannot be translated to the Anthropic format" in caught.value.body["message"]
    assert direct.requests_for("/anthropic/v1/messages") == []
    assert UsageRecord.objects.get().cost == 0
