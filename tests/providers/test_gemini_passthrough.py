"""The body a Gemini upstream gets on passthrough: the client's own, the hub writing only its cap."""

from __future__ import annotations

from typing import Any

import pytest

from llmhub.providers.base import ChatRequest, NativeRequest
from llmhub.providers.gemini.passthrough import native_payload

HELLO = [{"role": "user", "parts": [{"text": "hi"}]}]


def _payload(body: dict[str, Any], cap: Any = None) -> dict[str, Any]:
    params = {} if cap is None else {"max_tokens": cap}
    return native_payload(ChatRequest(model="m", messages=[], params=params, native=NativeRequest("gemini", body)))


def test_without_a_held_cap_the_body_is_unchanged_but_the_model():
    body = {"model": "models/x", "contents": HELLO, "generationConfig": {"topK": 3}, "future": [1]}
    assert _payload(body) == {"contents": HELLO, "generationConfig": {"topK": 3}, "future": [1]}


@pytest.mark.parametrize(
    ("config", "written"),
    [
        (
            {"generationConfig": {"maxOutputTokens": 900, "topK": 3}},
            {"generationConfig": {"maxOutputTokens": 40, "topK": 3}},
        ),
        ({"generation_config": {"max_output_tokens": 900}}, {"generation_config": {"max_output_tokens": 40}}),
        ({"generation_config": {"temperature": 0}}, {"generation_config": {"temperature": 0, "maxOutputTokens": 40}}),
        ({}, {"generationConfig": {"maxOutputTokens": 40}}),
        ({"generationConfig": "not an object"}, {"generationConfig": {"maxOutputTokens": 40}}),
    ],
)
def test_the_held_cap_is_written_in_the_clients_spelling(config, written):
    assert _payload({"contents": HELLO, **config}, cap=40) == {"contents": HELLO, **written}


def test_a_cap_that_is_not_a_count_is_not_written():
    assert _payload({"contents": HELLO}, cap=True) == {"contents": HELLO}
