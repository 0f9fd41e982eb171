"""model: "auto" — cost-optimised routing: the decision, its record, its header, and team overrides."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from django.core.exceptions import ValidationError

from billing.models import UsageRecord
from billing.selectors import route_savings
from llmhub.gateway.route_scoring import score_request
from llmhub.models import CatalogModel, RoutingPolicy
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def _chat(hub_url, key, model, content, **extra):
    body = {"model": model, "messages": [{"role": "user", "content": content}], **extra}
    return httpx.post(f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=20)


def test_a_simple_question_goes_to_the_cheap_model_and_the_decision_is_recorded(hub_url, upstream, alice):
    upstream.script("gpt-4o-mini", Reply(text="Canberra.", prompt_tokens=100, completion_tokens=50))
    response = _chat(hub_url, alice.key, "auto", "What is the capital of Australia?")
    assert response.status_code == 200
    assert response.json()["model"] == "gpt-4o-mini" and response.headers["x-llmhub-model"] == "gpt-4o-mini"
    assert upstream.requests_for("/chat/completions")[-1].body["model"] == "gpt-4o-mini"
    record = UsageRecord.objects.get()
    assert (record.model_requested, record.model_served) == ("auto", "gpt-4o-mini")
    route = record.route
    assert {k: route[k] for k in ("tier", "task", "model", "baseline_model")} == {
        "tier": "fast",
        "task": "general",
        "model": "gpt-4o-mini",
        "baseline_model": "gpt-4.1",
    }
    assert "simple question" in route["reason"]
    # 100 × $0.15/M + 50 × $0.60/M paid; the same tokens on gpt-4.1: 100 × $2/M + 50 × $8/M.
    assert record.cost == Decimal("0.000045")
    assert Decimal(route["baseline_cost"]) == Decimal("0.0006")
    assert json.loads(response.headers["x-llmhub-route"]) == route


@pytest.mark.parametrize(
    "content,model,tier,task",
    [
        ("Write a Python function that merges two sorted lists and explain its complexity.", "deepseek-coder", "balanced", "code"),
        ("请解释一下区块链技术的基本原理和它的主要应用场景。", "qwen-max", "balanced", "chinese"),
        ("Prove by induction that 1 + 2 + ... + n = n(n+1)/2, rigorously.", "o3-mini", "strong", "reasoning"),
        ("Write a poem about autumn rain on a city street.", "claude-3-5-sonnet", "balanced", "creative"),
        ("Explain how vaccines train the immune system, in a few paragraphs.", "gpt-4.1", "balanced", "general"),
    ],
)  # fmt: skip
def test_tasks_and_tiers_pick_their_models(hub_url, upstream, alice, content, model, tier, task):
    response = _chat(hub_url, alice.key, "auto", content)
    assert response.status_code == 200, response.text
    route = json.loads(response.headers["x-llmhub-route"])
    assert (route["model"], route["tier"], route["task"]) == (model, tier, task)
    assert UsageRecord.objects.get().model_served == model


def test_an_image_goes_to_a_vision_model(hub_url, upstream, alice):
    content = [
        {"type": "text", "text": "Describe this picture."},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.jpg"}},
    ]
    response = _chat(hub_url, alice.key, "auto", content)
    assert response.status_code == 200
    assert json.loads(response.headers["x-llmhub-route"])["task"] == "vision"
    assert UsageRecord.objects.get().model_served == "gpt-4o"


@pytest.mark.parametrize(
    "model,served", [("auto:code", "deepseek-coder"), ("auto:chinese", "qwen-max"), ("auto:strong", "o3-mini")]
)
def test_a_client_can_ask_for_a_task_or_tier(hub_url, upstream, alice, model, served):
    response = _chat(hub_url, alice.key, model, "hi")
    assert response.status_code == 200
    assert response.json()["model"] == served
    assert UsageRecord.objects.get().route["model"] == served


def test_an_unknown_auto_route_is_a_400(hub_url, upstream, alice):
    response = _chat(hub_url, alice.key, "auto:poetry-slam", "hi")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_auto_route"
    assert response.json()["error"]["param"] == "model"
    assert upstream.received == [] and UsageRecord.objects.count() == 0


def test_streams_carry_the_route_header_and_record(hub_url, upstream, alice):
    body = {"model": "auto", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with httpx.stream(
        "POST", f"{hub_url}/chat/completions", json=body, headers={"Authorization": f"Bearer {alice.key}"}, timeout=20
    ) as response:
        assert json.loads(response.headers["x-llmhub-route"])["model"] == "gpt-4o-mini"
        assert b"[DONE]" in response.read()
    record = UsageRecord.objects.get()
    assert record.stream and record.route["model"] == "gpt-4o-mini"
    assert Decimal(record.route["baseline_cost"]) > record.cost


def test_a_team_policy_overrides_the_defaults_for_that_team_only(hub_url, upstream, alice, charlie, acme):
    RoutingPolicy.objects.create(team=acme, tier_models={"fast": "gemini-2.0-flash"}, task_routes={"code": "gpt-4.1"})
    assert _chat(hub_url, alice.key, "auto", "hi").json()["model"] == "gemini-2.0-flash"
    assert _chat(hub_url, alice.key, "auto:code", "hi").json()["model"] == "gpt-4.1"
    assert _chat(hub_url, charlie.key, "auto", "hi").json()["model"] == "gpt-4o-mini"


def test_a_policy_model_that_is_unavailable_is_replaced_by_a_capable_one(hub_url, upstream, alice, acme):
    RoutingPolicy.objects.create(team=acme, tier_models={"fast": "qwen-plus"})
    CatalogModel.objects.filter(name="qwen-plus").update(enabled=False)
    response = _chat(hub_url, alice.key, "auto", "hi")
    assert response.status_code == 200
    route = UsageRecord.objects.get().route
    assert route["model"] == response.json()["model"] != "qwen-plus"
    assert "qwen-plus unavailable" in route["reason"]


def test_route_savings_sums_baseline_minus_cost(hub_url, upstream, alice):
    upstream.script("gpt-4o-mini", Reply(text="a", prompt_tokens=100, completion_tokens=50))
    _chat(hub_url, alice.key, "auto", "hi")
    _chat(hub_url, alice.key, "gpt-4.1", "not routed")  # no route: no savings either way
    assert route_savings(UsageRecord.objects.all()) == Decimal("0.000555")  # 0.0006 - 0.000045


def test_policy_validation_names_bad_keys_and_models(upstream, acme):
    with pytest.raises(ValidationError) as caught:
        RoutingPolicy(team=acme, tier_models={"turbo": "gpt-4.1"}, task_routes={"code": "no-such-model"}).full_clean()
    assert set(caught.value.message_dict) == {"tier_models", "task_routes"}
    RoutingPolicy(team=acme, tier_models={"fast": "gpt-4o-mini"}, baseline_model="gpt-4o").full_clean()


def test_policy_is_in_the_admin():
    from django.contrib import admin

    assert RoutingPolicy in admin.site._registry


@pytest.mark.parametrize(
    "messages,tier,task",
    [
        ([{"role": "user", "content": "thanks!"}], "fast", "general"),
        ([{"role": "user", "content": "What does `git stash` do?"}], "fast", "code"),
        ([{"role": "user", "content": "你好"}], "fast", "chinese"),
        ([{"role": "user", "content": "Design a distributed consensus protocol and prove its safety."}], "strong", "reasoning"),
    ],
)  # fmt: skip
def test_scoring_examples(messages, tier, task):
    decision = score_request(messages)
    assert (decision.tier, decision.task) == (tier, task), decision.reason


def test_tools_and_conversation_depth_raise_the_tier():
    short = [{"role": "user", "content": "and then?"}]
    deep = [{"role": "user" if i % 2 == 0 else "assistant", "content": "more"} for i in range(8)] + short
    assert score_request(deep).score > score_request(short).score
    tools = {"tools": [{"type": "function", "function": {"name": "f", "parameters": {}}}]}
    assert score_request(short, tools).score == score_request(short).score + 1
