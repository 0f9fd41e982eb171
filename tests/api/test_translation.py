"""The translation modules on their own: round trips between formats, and the errors for what cannot map."""

from __future__ import annotations

from typing import Any

import pytest

from llmhub.api.formats.anthropic_request import from_anthropic_request
from llmhub.api.formats.anthropic_response import STOP_REASONS, message_to_anthropic, usage_to_anthropic
from llmhub.api.formats.gemini_request import from_gemini_request
from llmhub.api.formats.gemini_response import response_to_gemini
from llmhub.errors import InvalidRequest
from llmhub.providers import registry
from llmhub.providers.anthropic.request import to_anthropic_request
from llmhub.providers.anthropic.response import FINISH_REASONS, completion_from_anthropic, usage_from_anthropic
from llmhub.providers.base import ChatRequest, ProviderConfig, Target
from llmhub.providers.gemini.request import to_gemini_request
from llmhub.providers.gemini.response import completion_from_gemini, usage_from_gemini

OPENAI_TARGET = Target(ProviderConfig("openai", "openai", "http://127.0.0.1:9"), "gpt-4o")

CONVERSATION: list[dict[str, Any]] = [
    {"role": "system", "content": "Be brief."},
    {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is this, and the weather?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
        ],
    },
    {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": "weather", "arguments": '{"city":"Oslo"}'}}
        ],
    },
    {"role": "tool", "tool_call_id": "call_1", "content": '{"sky":"grey"}'},
]
TOOLS = [
    {"type": "function", "function": {"name": "weather", "description": "Weather", "parameters": {"type": "object"}}}
]


def test_openai_anthropic_openai_round_trip():
    request = ChatRequest(model="m", messages=CONVERSATION, params={"tools": TOOLS, "max_tokens": 99, "stop": ["X"]})
    native = to_anthropic_request(request, "claude", stream=False)
    back = from_anthropic_request(native)
    assert back.messages == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": CONVERSATION[1]["content"]},
        CONVERSATION[2],
        CONVERSATION[3],
    ]
    assert back.params["tools"] == TOOLS
    assert (back.params["max_tokens"], back.params["stop"]) == (99, ["X"])


def test_openai_gemini_openai_round_trip():
    request = ChatRequest(
        model="m", messages=CONVERSATION, params={"tools": TOOLS, "max_tokens": 99, "temperature": 0.3}
    )
    back = from_gemini_request(to_gemini_request(request), "models/gemini-2.0-flash", stream=False)
    assert back.model == "gemini-2.0-flash"
    assert back.messages[:2] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": CONVERSATION[1]["content"]},
    ]
    call = back.messages[2]["tool_calls"][0]
    assert (call["function"]["name"], call["function"]["arguments"]) == ("weather", '{"city":"Oslo"}')
    # Gemini has no call ids: the answer is paired with its call by name.
    assert back.messages[3] == {"role": "tool", "tool_call_id": call["id"], "content": '{"sky":"grey"}'}
    assert (back.params["max_tokens"], back.params["temperature"]) == (99, 0.3)


def test_stop_reason_tables_are_inverse():
    for openai_reason, anthropic_reason in STOP_REASONS.items():
        assert FINISH_REASONS[anthropic_reason] == openai_reason


def test_anthropic_usage_round_trip_keeps_cache_split():
    usage = usage_from_anthropic(
        {"input_tokens": 5, "output_tokens": 7, "cache_read_input_tokens": 100, "cache_creation_input_tokens": 20}
    )
    assert (usage.prompt_tokens, usage.cached_tokens, usage.cache_write_tokens) == (125, 100, 20)
    as_json = {
        "prompt_tokens": 125,
        "completion_tokens": 7,
        "prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 20},
    }
    assert usage_to_anthropic(as_json) == {
        "input_tokens": 5,
        "output_tokens": 7,
        "cache_read_input_tokens": 100,
        "cache_creation_input_tokens": 20,
    }


def test_gemini_usage_counts_thoughts_as_output():
    usage = usage_from_gemini(
        {"promptTokenCount": 50, "candidatesTokenCount": 10, "thoughtsTokenCount": 30, "cachedContentTokenCount": 40}
    )
    assert (usage.prompt_tokens, usage.completion_tokens, usage.reasoning_tokens, usage.cached_tokens) == (
        50,
        40,
        30,
        40,
    )


def test_anthropic_message_through_openai_to_gemini():
    """A Claude answer with a tool call, rendered to a Gemini client, keeps text, call and stop reason."""
    claude = {
        "id": "msg_1",
        "model": "claude",
        "content": [
            {"type": "text", "text": "Looking."},
            {"type": "tool_use", "id": "tu_1", "name": "weather", "input": {"city": "Oslo"}},
        ],
        "stop_reason": "tool_use",
    }
    openai_body = completion_from_anthropic(claude, "anthropic") | {
        "usage": {"prompt_tokens": 3, "completion_tokens": 4}
    }
    gemini = response_to_gemini(openai_body, "req_1")
    assert gemini["candidates"][0]["content"]["parts"] == [
        {"text": "Looking."},
        {"functionCall": {"id": "tu_1", "name": "weather", "args": {"city": "Oslo"}}},
    ]
    assert gemini["candidates"][0]["finishReason"] == "STOP"
    back = message_to_anthropic(completion_from_gemini(gemini, "g", "gemini") | {"usage": {}}, "req_2")
    assert back["content"][1] == {"type": "tool_use", "id": "tu_1", "name": "weather", "input": {"city": "Oslo"}}
    assert back["stop_reason"] == "tool_use"


def test_broken_tool_arguments_from_a_model_are_kept_raw():
    body = {"choices": [{"message": {"tool_calls": [{"id": "c", "function": {"name": "f", "arguments": "{oops"}}]}}]}
    assert message_to_anthropic(body, "req_1")["content"][0]["input"] == {"_raw_arguments": "{oops"}


@pytest.mark.parametrize(
    ("body", "param"),
    [
        ({"model": "m", "messages": [{"role": "user", "content": "x"}]}, "max_tokens"),
        ({"model": "m", "max_tokens": 0, "messages": [{"role": "user", "content": "x"}]}, "max_tokens"),
        ({"model": "m", "max_tokens": 5, "messages": [{"role": "system", "content": "x"}]}, "messages"),
        ({"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": 5}]}, "messages[0]"),
        ({"model": "m", "max_tokens": 5, "messages": []}, "messages"),
        (
            {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "x"}], "temperature": 9},
            "temperature",
        ),
        ({"model": 5, "max_tokens": 5, "messages": [{"role": "user", "content": "x"}]}, "model"),
    ],
)
def test_hostile_anthropic_bodies(body, param):
    with pytest.raises(InvalidRequest) as caught:
        from_anthropic_request(body)
    assert caught.value.param == param


def test_data_url_must_be_base64():
    request = ChatRequest(
        model="m",
        messages=[{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:image/png,raw"}}]}],
    )
    with pytest.raises(InvalidRequest, match="base64"):
        to_anthropic_request(request, "claude", stream=False)
    with pytest.raises(InvalidRequest, match="base64"):
        to_gemini_request(request)


def test_function_response_without_call_is_refused():
    body = {"contents": [{"role": "user", "parts": [{"functionResponse": {"name": "f", "response": {}}}]}]}
    with pytest.raises(InvalidRequest, match="no earlier model turn made"):
        from_gemini_request(body, "gpt-4o", stream=False)


def _anthropic_body(content):
    return {"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": content}]}


@pytest.mark.parametrize(
    ("translate", "message"),
    [
        (
            lambda: to_anthropic_request(
                ChatRequest(model="m", messages=[{"role": "user", "content": "x"}], params={"top_logprobs": 2}),
                "c",
                stream=False,
            ),
            "'top_logprobs' cannot be translated to the Anthropic format; remove it or choose a model served by an "
            "OpenAI-compatible provider.",
        ),
        (
            lambda: to_gemini_request(
                ChatRequest(
                    model="m",
                    messages=[{"role": "user", "content": [{"type": "text", "text": "x"}, {"type": "input_audio"}]}],
                )
            ),
            "A 'input_audio' content part cannot be translated: messages[0].content[1].",
        ),
        (
            lambda: from_anthropic_request(
                _anthropic_body(
                    [{"type": "tool_result", "tool_use_id": "t", "content": [{"type": "document", "source": {}}]}]
                )
            ),
            "A 'document' block inside tool_result cannot be translated: messages[0].content[0].content[0].",
        ),
        (
            # Noted on the request, raised only when the chosen upstream is not Gemini (which gets the body as is).
            lambda: registry.adapter_for_call(
                OPENAI_TARGET,
                from_gemini_request(
                    {"contents": [{"role": "user", "parts": [{"text": "x"}]}], "cachedContent": "c/1"},
                    "m",
                    stream=False,
                ),
            ),
            "cachedContent (Gemini context caching) cannot be translated: cachedContent.",
        ),
    ],
)
def test_documented_refusals(translate, message):
    with pytest.raises(InvalidRequest) as caught:
        translate()
    assert caught.value.message == message
    assert caught.value.status == 400


def test_gemini_schema_cleaning_keeps_parameters_named_like_keywords():
    schema = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"strict": {"type": "boolean"}, "opts": {"type": "object", "additionalProperties": True}},
    }
    tools = [{"type": "function", "function": {"name": "f", "parameters": schema}}]
    sent = to_gemini_request(
        ChatRequest(model="m", messages=[{"role": "user", "content": "x"}], params={"tools": tools})
    )
    assert sent["tools"][0]["functionDeclarations"][0]["parameters"] == {
        "type": "object",
        "properties": {"strict": {"type": "boolean"}, "opts": {"type": "object"}},
    }


@pytest.mark.parametrize(
    "translate",
    [
        lambda: from_anthropic_request(_anthropic_body([{"type": "image", "source": "a string"}])),
        lambda: from_gemini_request(
            {"contents": [{"role": "model", "parts": [{"functionCall": "f"}]}]}, "m", stream=False
        ),
        lambda: from_gemini_request(
            {"contents": [{"parts": [{"text": "x"}]}], "tools": [{"functionDeclarations": ["f"]}]}, "m", stream=False
        ),
        lambda: to_anthropic_request(
            ChatRequest(model="m", messages=[{"role": "user", "content": "x"}], params={"tools": [{"function": {}}]}),
            "c",
            stream=False,
        ),
        lambda: to_gemini_request(
            ChatRequest(model="m", messages=[{"role": "assistant", "content": "x", "tool_calls": ["call"]}])
        ),
    ],
)
def test_malformed_pieces_are_400_not_crashes(translate):
    with pytest.raises(InvalidRequest) as caught:
        translate()
    assert caught.value.code == "malformed_request"


def test_images_a_tool_returned_follow_its_result():
    screenshot = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": "AAAA"}}
    result = {"type": "tool_result", "tool_use_id": "t1", "content": [screenshot]}
    body = {
        "model": "m",
        "max_tokens": 5,
        "messages": [
            {"role": "user", "content": "shoot"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "t1", "name": "screen", "input": {}}]},
            {"role": "user", "content": [result, {"type": "text", "text": "what do you see?"}]},
        ],
    }
    messages = from_anthropic_request(body).messages
    assert messages[2] == {
        "role": "tool",
        "tool_call_id": "t1",
        "content": "(the tool returned images, attached below)",
    }
    assert messages[3] == {
        "role": "user",
        "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}},
            {"type": "text", "text": "what do you see?"},
        ],
    }


@pytest.mark.django_db(transaction=True)
def test_hub_level_errors_speak_the_paths_format(hub_url, alice, settings):
    import httpx

    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    root = hub_url.removesuffix("/v1")
    big = b'{"pad": "' + b"x" * 4096 + b'"}'
    anthropic = httpx.post(f"{root}/v1/messages", content=big, headers={"x-api-key": alice.key})
    assert anthropic.status_code == 413 and anthropic.json()["type"] == "error"
    gemini = httpx.post(f"{root}/v1beta/models/gemini-2.0-flash:generateContent", content=big,
                        headers={"x-goog-api-key": alice.key})  # fmt: skip
    assert gemini.status_code == 413 and gemini.json()["error"]["code"] == 413
    unknown = httpx.get(f"{root}/v1beta/nothing-here", headers={"x-goog-api-key": alice.key})
    assert unknown.status_code == 404 and unknown.json()["error"]["status"] == "NOT_FOUND"
