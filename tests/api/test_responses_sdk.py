"""The official openai package's Responses API against the live hub: create, stream, follow-ups, storage."""

from __future__ import annotations

import json
from decimal import Decimal

import openai
import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)

WEATHER_TOOL = {
    "type": "function",
    "name": "get_weather",
    "description": "The weather in a city.",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}


def _tool_reply(arguments: str = '{"city": "Paris"}') -> Reply:
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": arguments}}
    return Reply(text="", tool_calls=[call], prompt_tokens=40, completion_tokens=10)


def test_create_with_a_function_tool_returns_a_function_call(openai_client, upstream):
    upstream.script("gpt-4.1", _tool_reply())
    response = openai_client.responses.create(
        model="gpt-4.1", input="Weather in Paris?", tools=[WEATHER_TOOL], tool_choice="auto"
    )
    call = response.output[0]
    assert (call.type, call.name, call.call_id) == ("function_call", "get_weather", "call_1")
    assert json.loads(call.arguments) == {"city": "Paris"}
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["tools"][0]["function"]["name"] == "get_weather"
    assert sent["tool_choice"] == "auto"


def test_create_carries_cost_and_credits_in_usage(openai_client, upstream, acme):
    upstream.script("gpt-4.1", Reply(text="Sunny.", prompt_tokens=50, completion_tokens=200))
    response = openai_client.responses.create(model="gpt-4.1", input="Weather?", instructions="Be brief.")
    assert response.output_text == "Sunny."
    usage = response.usage.model_dump()
    assert (usage["input_tokens"], usage["output_tokens"]) == (50, 200)
    assert Decimal(str(usage["cost"])) == Decimal("0.0017")
    acme.refresh_from_db()
    assert Decimal(str(usage["credits_remaining"])) == acme.balance
    assert UsageRecord.objects.get().status == "ok"
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["messages"][0] == {"role": "system", "content": "Be brief."}


def test_follow_up_with_previous_response_id_carries_the_conversation(openai_client, upstream):
    upstream.script("gpt-4.1", _tool_reply(), Reply(text="It is sunny in Paris."))
    first = openai_client.responses.create(model="gpt-4.1", input="Weather in Paris?", tools=[WEATHER_TOOL])
    second = openai_client.responses.create(
        model="gpt-4.1",
        previous_response_id=first.id,
        input=[{"type": "function_call_output", "call_id": "call_1", "output": '{"sky": "clear"}'}],
        tools=[WEATHER_TOOL],
    )
    assert second.output_text == "It is sunny in Paris."
    sent = upstream.requests_for("/chat/completions")[-1].body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assert sent[1]["tool_calls"][0]["id"] == "call_1"
    assert sent[2] == {"role": "tool", "tool_call_id": "call_1", "content": '{"sky": "clear"}'}


def test_stream_with_a_function_tool_sends_argument_deltas_and_completes(openai_client, upstream):
    upstream.script("gpt-4.1", _tool_reply())
    with openai_client.responses.stream(model="gpt-4.1", input="Weather?", tools=[WEATHER_TOOL]) as stream:
        kinds = [event.type for event in stream]
        final = stream.get_final_response()
    assert kinds[0] == "response.created"
    assert "response.function_call_arguments.delta" in kinds
    assert "response.output_item.done" in kinds
    assert kinds[-1] == "response.completed"
    assert json.loads(final.output[0].arguments) == {"city": "Paris"}
    assert Decimal(str(final.usage.model_dump()["cost"])) > 0


def test_stream_text_then_follow_up_by_previous_response_id(openai_client, upstream):
    upstream.script("gpt-4.1", Reply(text="Hello there friend"), Reply(text="Again."))
    with openai_client.responses.stream(model="gpt-4.1", input="Hi") as stream:
        deltas = [e.delta for e in stream if e.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == final.output_text == "Hello there friend"
    openai_client.responses.create(model="gpt-4.1", input="And again?", previous_response_id=final.id)
    sent = upstream.requests_for("/chat/completions")[-1].body["messages"]
    assert sent == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello there friend"},
        {"role": "user", "content": "And again?"},
    ]


def test_text_format_json_schema_becomes_response_format(openai_client, upstream):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    upstream.script("gpt-4.1", Reply(text='{"n": 3}'))
    openai_client.responses.create(
        model="gpt-4.1",
        input="A number",
        max_output_tokens=50,
        temperature=0.3,
        text={"format": {"type": "json_schema", "name": "num", "schema": schema, "strict": True}},
    )
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["response_format"]["json_schema"] == {"name": "num", "schema": schema, "strict": True}
    assert (sent["max_tokens"], sent["temperature"]) == (50, 0.3)


def test_retrieve_input_items_and_delete_a_stored_response(openai_client, upstream):
    created = openai_client.responses.create(model="gpt-4.1", input="Hi")
    assert openai_client.responses.retrieve(created.id).output_text == created.output_text
    items = openai_client.responses.input_items.list(created.id)
    assert items.data[0].content[0].text == "Hi"
    openai_client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        openai_client.responses.retrieve(created.id)


def test_charlie_cannot_read_or_continue_alices_response(openai_client, upstream, hub_url, charlie):
    created = openai_client.responses.create(model="gpt-4.1", input="secret")
    other = openai.OpenAI(api_key=charlie.key, base_url=hub_url, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        other.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        other.responses.create(model="gpt-4.1", input="more", previous_response_id=created.id)


# What Codex CLI 0.171 sends: its own metadata, MCP tools grouped in a namespace, a hosted web search, and
# current fields the canonical (chat completions) form has no place for.
NAMESPACE_TOOL = {
    "type": "namespace",
    "name": "mcp__files",
    "description": "The files server.",
    "tools": [
        {"type": "function", "name": "read", "parameters": {"type": "object", "properties": {}}},
        {"type": "custom", "name": "apply_patch", "description": "A freeform patch."},
    ],
}
CODEX_FIELDS = {
    "client_metadata": {"session": "s1"},
    "context_management": [{"type": "compaction", "compact_threshold": 1000}],
}


def _codex_request(client, **extra):
    return client.responses.with_raw_response.create(
        model="gpt-4.1",
        input="Read the file.",
        tools=[WEATHER_TOOL, NAMESPACE_TOOL, {"type": "web_search"}],
        prompt_cache_key="codex-session-1",
        prompt_cache_retention="24h",
        service_tier="flex",
        max_tool_calls=3,
        include=["reasoning.encrypted_content"],
        truncation="disabled",
        reasoning={"effort": "low", "summary": "auto"},
        extra_body=CODEX_FIELDS,
        **extra,
    )


DROPPED = [
    "client_metadata",
    "context_management",
    "include",
    "max_tool_calls",
    "tools.custom",
    "tools.web_search",
    "reasoning.summary",
]


def test_codex_fields_are_accepted_and_what_is_not_carried_is_named(openai_client, upstream):
    upstream.script("gpt-4.1", Reply(text="Done."))
    raw = _codex_request(openai_client)
    assert raw.parse().output_text == "Done."
    assert sorted(raw.headers["x-llmhub-dropped"].split(",")) == sorted(DROPPED)
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert [t["function"]["name"] for t in sent["tools"]] == ["get_weather", "mcp__files__read"]
    # The fields that change what the request costs reach a chat-completions upstream under the same names.
    assert (sent["prompt_cache_key"], sent["prompt_cache_retention"], sent["service_tier"]) == (
        "codex-session-1",
        "24h",
        "flex",
    )
    assert sent["reasoning_effort"] == "low"
    assert not {"client_metadata", "context_management", "include", "max_tool_calls"} & set(sent)


def test_a_stream_names_what_was_dropped_in_its_headers(openai_client, upstream):
    upstream.script("gpt-4.1", Reply(text="Done."))
    raw = _codex_request(openai_client, stream=True)
    assert sorted(raw.headers["x-llmhub-dropped"].split(",")) == sorted(DROPPED)
    events = [event.type for event in raw.parse()]
    assert events[-1] == "response.completed"


def test_a_plain_request_names_nothing_dropped(openai_client, upstream):
    raw = openai_client.responses.with_raw_response.create(model="gpt-4.1", input="Hi", store=False)
    assert "x-llmhub-dropped" not in raw.headers


def test_a_namespaced_function_call_comes_back_with_its_namespace(openai_client, upstream):
    call = {"id": "call_9", "type": "function", "function": {"name": "mcp__files__read", "arguments": "{}"}}
    upstream.script("gpt-4.1", Reply(tool_calls=[call]), Reply(text="Read it."))
    first = openai_client.responses.create(model="gpt-4.1", input="Read.", tools=[NAMESPACE_TOOL])
    item = first.output[0].model_dump()
    assert (item["type"], item["name"], item["namespace"]) == ("function_call", "read", "mcp__files")
    # Codex replays the call (with its namespace) and its output in the next request's input.
    openai_client.responses.create(
        model="gpt-4.1",
        store=False,
        tools=[NAMESPACE_TOOL],
        input=[
            {
                "type": "function_call",
                "call_id": "call_9",
                "name": "read",
                "namespace": "mcp__files",
                "arguments": "{}",
            },
            {"type": "function_call_output", "call_id": "call_9", "output": "contents"},
            {"type": "web_search_call", "id": "ws_1", "status": "completed", "action": {"type": "search"}},
        ],
    )
    sent = upstream.requests_for("/chat/completions")[-1].body["messages"]
    assert sent[0]["tool_calls"][0]["function"]["name"] == "mcp__files__read"
    assert sent[1] == {"role": "tool", "tool_call_id": "call_9", "content": "contents"}


def test_a_streamed_namespaced_call_carries_its_namespace(openai_client, upstream):
    call = {"id": "call_9", "type": "function", "function": {"name": "mcp__files__read", "arguments": "{}"}}
    upstream.script("gpt-4.1", Reply(tool_calls=[call]))
    with openai_client.responses.stream(model="gpt-4.1", input="Read.", tools=[NAMESPACE_TOOL]) as stream:
        final = stream.get_final_response()
    item = final.output[0].model_dump()
    assert (item["name"], item["namespace"]) == ("read", "mcp__files")


def test_a_malformed_namespace_is_refused_by_name(openai_client, upstream):
    with pytest.raises(openai.BadRequestError) as caught:
        openai_client.responses.create(model="gpt-4.1", input="hi", tools=[{"type": "namespace", "tools": []}])
    assert caught.value.body["param"] == "tools[0]"
    assert upstream.requests_for("/chat/completions") == []


def test_stored_responses_stay_with_the_team_they_were_made_for(openai_client, upstream, hub_url, alice, globex):
    """alice moves from acme to globex: her globex key cannot read, continue or delete what she stored for acme."""
    from billing.keys import issue_key
    from billing.models import Membership

    created = openai_client.responses.create(model="gpt-4.1", input="acme's plans")
    Membership.objects.filter(user=alice.user).delete()
    Membership.objects.create(user=alice.user, team=globex, role="member")
    _, globex_key = issue_key(user=alice.user, team=globex, name="alice at globex")
    moved = openai.OpenAI(api_key=globex_key, base_url=hub_url, max_retries=0)
    with pytest.raises(openai.NotFoundError):
        moved.responses.retrieve(created.id)
    with pytest.raises(openai.NotFoundError):
        moved.responses.create(model="gpt-4.1", input="more", previous_response_id=created.id)
    with pytest.raises(openai.NotFoundError):
        moved.responses.delete(created.id)


def test_a_dropped_name_cannot_inject_a_header(openai_client, upstream):
    raw = openai_client.responses.with_raw_response.create(
        model="gpt-4.1", input="hi", store=False, tools=[{"type": "évil\r\nx-injected: 1"}]
    )
    assert raw.headers["x-llmhub-dropped"] == "tools.?vil??x-injected??1"
    assert "x-injected" not in raw.headers
