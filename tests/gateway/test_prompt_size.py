"""One measurement of a request's prompt (tokens.measure) gives the same estimates as measuring it piece by piece."""

from __future__ import annotations

from typing import Any

from llmhub.gateway.tokens import (
    MEDIA_PART_TOKENS_CEILING,
    body_tokens_ceiling,
    measure,
    prompt_tokens_ceiling,
    prompt_tokens_estimate,
)

TOOLS = [{"type": "function", "function": {"name": "read", "parameters": {"type": "object", "properties": {}}}}]
MESSAGES: list[dict[str, Any]] = [
    {"role": "system", "content": "You are terse."},
    {"role": "user", "content": [{"type": "text", "text": "What is in this picture? 你好"},
                                 {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]},
    {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "function": {"name": "read", "arguments": "{}"}}]},
    {"role": "tool", "tool_call_id": "c1", "content": "file contents"},
]  # fmt: skip


def test_the_estimates_match_the_piecewise_functions():
    params = {"tools": TOOLS, "temperature": 0.2}
    size = measure(MESSAGES, TOOLS, params)
    assert size.images == 1 and size.media == 0
    assert size.estimate == prompt_tokens_estimate(MESSAGES, TOOLS)
    assert size.sent_ceiling == prompt_tokens_ceiling(MESSAGES, params)


def test_a_passed_through_body_bounds_what_is_sent_and_its_media_count_in_its_turns_only():
    body = {
        "model": "claude-x",
        "system": "long " * 2000,  # only the client's body carries it: the bound follows the body
        "messages": [{"role": "user", "content": [{"type": "document", "source": {"type": "base64", "data": "JVBE"}}]}],
        # A tool schema that names media types is a description, not media the upstream reads.
        "tools": [{"name": "t", "input_schema": {"type": "object", "properties": {"a": {"type": "document"}}}}],
    }
    size = measure([{"role": "user", "content": "hi"}], None, {}, body)
    assert size.media == 1
    assert size.sent_ceiling == body_tokens_ceiling(body) + MEDIA_PART_TOKENS_CEILING
