"""Contract tests for the Gemini upstream adapter: the hub's OpenAI endpoint in front, generateContent behind."""

from __future__ import annotations

from decimal import Decimal

import openai
import pytest

from billing.models import CreditLedgerEntry, UsageRecord
from tests.fake_native import Blocked, NativeReply
from tests.fake_upstream import Drop, Fail, Garbage, Reply, Stall

pytestmark = pytest.mark.django_db(transaction=True)

FLASH = "gemini-2.0-flash"
PNG = "data:image/png;base64,iVBORw0KGgo="


def _sent(direct, method="generateContent"):
    return direct.requests_for(f"{FLASH}:{method}")[-1]


def _ask(client, **extra):
    return client.chat.completions.create(model=FLASH, messages=[{"role": "user", "content": "x"}], **extra)


def test_text_request_translated(openai_client, direct):
    openai_client.chat.completions.create(
        model=FLASH,
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}],
        temperature=0.7,
        top_p=0.9,
        max_tokens=1000,
        stop=["END"],
        n=2,
        seed=3,
        presence_penalty=0.5,
        response_format={"type": "json_object"},
    )
    sent = _sent(direct)
    assert sent.headers["x-goog-api-key"] == "fake-gemini-key"
    assert sent.body == {
        "contents": [{"role": "user", "parts": [{"text": "hi"}]}],
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "generationConfig": {
            "temperature": 0.7,
            "topP": 0.9,
            "candidateCount": 2,
            "presencePenalty": 0.5,
            "seed": 3,
            "maxOutputTokens": 1000,
            "stopSequences": ["END"],
            "responseMimeType": "application/json",
        },
    }


def test_images_as_inline_data_and_file_data(openai_client, direct):
    openai_client.chat.completions.create(
        model=FLASH,
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Compare"},
                    {"type": "image_url", "image_url": {"url": PNG}},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                ],
            }
        ],
    )
    assert _sent(direct).body["contents"][0]["parts"] == [
        {"text": "Compare"},
        {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
        {"fileData": {"mimeType": "image/png", "fileUri": "https://example.com/cat.png"}},
    ]


def test_tools_and_function_responses_translated(openai_client, direct):
    schema = {"type": "object", "properties": {"a": {"type": "number"}}, "additionalProperties": False}
    tool = {"type": "function", "function": {"name": "add", "description": "Add", "parameters": schema}}
    call = {"id": "call_1", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    openai_client.chat.completions.create(
        model=FLASH,
        messages=[
            {"role": "user", "content": "1+?"},
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_1", "content": "3"},
        ],
        tools=[tool],
        tool_choice="required",
    )
    body = _sent(direct).body
    declaration = {
        "name": "add",
        "description": "Add",
        "parameters": {"type": "object", "properties": {"a": {"type": "number"}}},
    }
    assert body["tools"] == [{"functionDeclarations": [declaration]}]
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "ANY"}}
    assert body["contents"][1:] == [
        {"role": "model", "parts": [{"functionCall": {"name": "add", "args": {"a": 1}}}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "add", "response": {"result": "3"}}}]},
    ]


def test_function_call_answer_becomes_tool_calls(openai_client, direct):
    call = {"id": "x", "type": "function", "function": {"name": "add", "arguments": '{"a": 1}'}}
    direct.script(FLASH, Reply(text="", tool_calls=[call]))
    choice = _ask(openai_client).choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.tool_calls[0].function.name == "add"
    assert choice.message.tool_calls[0].function.arguments == '{"a":1}'
    assert choice.message.tool_calls[0].id.startswith("call_")


def test_max_tokens_finish_is_length(openai_client, direct):
    direct.script(FLASH, Reply(text="cut", finish_reason="length"))
    assert _ask(openai_client).choices[0].finish_reason == "length"


def test_cached_and_thought_tokens_priced_exactly(openai_client, direct, acme):
    direct.script(
        FLASH,
        NativeReply(
            text="ok", prompt_tokens=10_000, cache_read_tokens=4000, completion_tokens=500, thoughts_tokens=200
        ),
    )
    long_prompt = [{"role": "user", "content": "x" * 10_000}]  # the hub bounds the reported prompt by its size
    usage = openai_client.chat.completions.create(model=FLASH, messages=long_prompt).usage.model_dump()
    # 6000 × $0.10 + 4000 × $0.025 + (500 + 200) × $0.40, per million = $0.00098
    assert Decimal(str(usage["cost"])) == Decimal("0.00098")
    assert (usage["prompt_tokens"], usage["completion_tokens"]) == (10_000, 700)
    assert usage["completion_tokens_details"]["reasoning_tokens"] == 200
    record = UsageRecord.objects.get()
    assert (record.cached_tokens, record.reasoning_tokens, record.provider) == (4000, 200, "gemini")
    acme.refresh_from_db()
    assert acme.balance == Decimal("100") - Decimal("0.00098")


def test_stream_text_usage_and_alt_sse(openai_client, direct):
    direct.script(FLASH, Reply(chunks=["Hel", "lo"], text="Hello", prompt_tokens=8, completion_tokens=2))
    chunks = list(_ask(openai_client, stream=True, stream_options={"include_usage": True}))
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == "Hello"
    # 8 × $0.10 + 2 × $0.40, per million
    assert Decimal(str(chunks[-1].usage.model_dump()["cost"])) == Decimal("0.0000016")
    assert direct.requests_for(f"{FLASH}:streamGenerateContent")
    assert UsageRecord.objects.get().completion_tokens == 2  # the last usageMetadata, not a sum of them


def test_stream_function_call(openai_client, direct):
    call = {"id": "x", "type": "function", "function": {"name": "add", "arguments": '{"a": 2}'}}
    direct.script(FLASH, Reply(text="Adding.", tool_calls=[call]))
    chunks = list(_ask(openai_client, stream=True))
    fragments = [tc for c in chunks if c.choices for tc in c.choices[0].delta.tool_calls or []]
    assert [(f.function.name, f.function.arguments) for f in fragments] == [("add", '{"a":2}')]
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


@pytest.mark.parametrize("stream", [False, True])
def test_blocked_prompt_is_clear_400(openai_client, direct, stream):
    direct.script(FLASH, Blocked(prompt=True))
    with pytest.raises(openai.BadRequestError) as caught:
        result = _ask(openai_client, stream=stream)
        list(result) if stream else None
    assert caught.value.body["code"] == "content_blocked"
    assert "Gemini blocked this prompt (blockReason SAFETY)" in caught.value.body["message"]
    assert UsageRecord.objects.get().cost == 0


def test_answer_withheld_for_safety_is_clear_400(openai_client, direct):
    direct.script(FLASH, Blocked(prompt=False))
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(openai_client)
    assert "Gemini withheld the answer (finishReason SAFETY)" in caught.value.body["message"]


def test_mid_stream_error_chunk_ends_stream_and_bills_once(openai_client, direct):
    direct.script(FLASH, NativeReply(chunks=["a", "b"], text="ab", stream_error="UNAVAILABLE"))
    with pytest.raises(openai.APIError, match="UNAVAILABLE"):
        list(_ask(openai_client, stream=True))
    record = UsageRecord.objects.get()
    assert record.status == "error"
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


@pytest.mark.parametrize(
    ("fail", "status"), [(Fail(400, "bad contents"), 400), (Fail(403, "key denied"), 502), (Fail(429, "quota"), 429)]
)
def test_upstream_errors_mapped(openai_client, direct, fail, status):
    direct.script(FLASH, fail, fail)
    with pytest.raises(openai.APIStatusError) as caught:
        _ask(openai_client)
    assert caught.value.status_code == status
    # The hub's own words and the upstream's status, never the upstream's text.
    assert fail.message not in caught.value.message
    assert str(fail.status) in caught.value.message


def test_garbage_and_dropped_streams_are_upstream_errors(openai_client, direct):
    direct.script(FLASH, Garbage(), Garbage())
    with pytest.raises(openai.APIStatusError) as caught:
        _ask(openai_client)
    assert caught.value.status_code == 502
    direct.script(FLASH, Drop(after_chunks=1))
    with pytest.raises(openai.APIError):
        list(_ask(openai_client, stream=True))


def test_tool_result_without_matching_call_is_400(openai_client, direct):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.chat.completions.create(
            model=FLASH,
            messages=[{"role": "user", "content": "x"}, {"role": "tool", "tool_call_id": "nope", "content": "3"}],
        )
    assert "does not match a tool call" in caught.value.body["message"]


def test_logit_bias_is_untranslatable(openai_client, direct):
    with pytest.raises(openai.BadRequestError) as caught:
        _ask(openai_client, logit_bias={"42": 5})
    assert caught.value.body["message"].startswith("'logit_bias' cannot be translated to the Gemini format")


def test_stalled_upstream_times_out_as_504(openai_client, direct):
    direct.script(FLASH, Stall(3), Stall(3))
    with pytest.raises(openai.APIStatusError) as caught:
        _ask(openai_client)
    assert caught.value.status_code == 504
    assert UsageRecord.objects.get().error_code == "upstream_timeout"


def test_json_of_the_wrong_shape_is_an_upstream_error(openai_client, direct):
    direct.script(FLASH, Garbage(b'{"candidates": ["nope"]}'), Garbage(b'{"candidates": [{"content": 5}]}'))
    with pytest.raises(openai.APIStatusError) as caught:
        _ask(openai_client)
    assert caught.value.status_code == 502
    assert "returned a malformed response (at candidates.0.content)" in caught.value.message
