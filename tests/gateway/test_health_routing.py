"""Health-aware routing: two deployments of one model, a circuit breaker per deployment, 429 cooldowns."""

from __future__ import annotations

import time
from typing import Any

import pytest

from billing.models import UsageRecord
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)
COOLDOWN = 1.0  # the two_deployments fixture's (tests/conftest.py)


def ask(openai_client) -> UsageRecord:
    response = openai_client.chat.completions.with_raw_response.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "x"}]
    )
    return UsageRecord.objects.get(request_id=response.headers["x-request-id"])


def test_breaker_opens_moves_traffic_probes_and_closes(two_deployments, openai_client, alice):
    two_deployments.script("gpt-4.1", *[Fail(500)] * 5)
    first, second = ask(openai_client), ask(openai_client)
    assert [r.provider for r in (first, second)] == ["openai", "openai"]  # no client-visible error
    assert second.attempts[1]["breaker"] == "opened"

    while_open = ask(openai_client)
    assert while_open.attempts[0] == {
        "model": "gpt-4.1", "provider": "aisa", "status": "skipped", "code": "circuit_open", "ms": 0
    }  # fmt: skip
    assert while_open.provider == "openai"

    time.sleep(COOLDOWN + 0.1)
    failed_probe = ask(openai_client)
    assert [a.get("breaker") for a in failed_probe.attempts] == ["reopened", None]
    assert failed_probe.provider == "openai"

    time.sleep(COOLDOWN + 0.1)
    good_probe = ask(openai_client)  # the deployment recovered: the fake answers again
    assert (good_probe.provider, good_probe.attempts[0]["breaker"]) == ("aisa", "closed")
    assert ask(openai_client).attempts == [
        {"model": "gpt-4.1", "provider": "aisa", "status": "ok", "code": "", "ms": pytest.approx(0, abs=1000)}
    ]


def test_failures_under_the_minimum_keep_the_circuit_closed(two_deployments, openai_client, alice):
    two_deployments.script("gpt-4.1", Fail(500), Fail(500))
    ask(openai_client)
    assert ask(openai_client).provider == "aisa"


def test_429_keeps_a_deployment_aside_for_its_retry_after(two_deployments, openai_client, alice):
    two_deployments.script("gpt-4.1", Fail(429, "slow down", {"Retry-After": "1"}))
    limited = ask(openai_client)
    assert (limited.provider, limited.attempts[0]["breaker"]) == ("openai", "cooling_down")
    assert ask(openai_client).attempts[0]["code"] == "cooling_down"
    time.sleep(1.1)
    assert ask(openai_client).provider == "aisa"


def test_a_single_deployment_with_its_circuit_open_fails_fast(settings, upstream, openai_client, alice):
    import openai

    settings.BREAKER_MIN_REQUESTS = 2
    upstream.script("gpt-4o", Fail(500), Fail(500))
    with pytest.raises(openai.InternalServerError):
        openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    with pytest.raises(openai.APIStatusError) as refused:
        openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    assert refused.value.status_code == 503
    assert refused.value.body["code"] == "deployments_unavailable"


def test_priority_first_then_weight():
    from llmhub.gateway.health import ordered
    from llmhub.providers.base import ProviderConfig, Target

    def target(name: str, priority: int, weight: int) -> Target:
        return Target(ProviderConfig(name, "openai", "http://127.0.0.1:9"), "m", priority, weight)

    fallback, unweighted, weighted = target("c", 20, 100), target("a", 10, 0), target("b", 10, 100)
    for _ in range(20):
        assert ordered([fallback, unweighted, weighted]) == [weighted, unweighted, fallback]


def test_weights_share_traffic_within_a_priority():
    from collections import Counter

    from llmhub.gateway.health import ordered
    from llmhub.providers.base import ProviderConfig, Target

    heavy = Target(ProviderConfig("heavy", "openai", "http://127.0.0.1:9"), "m", 10, 300)
    light = Target(ProviderConfig("light", "openai", "http://127.0.0.1:9"), "m", 10, 100)
    firsts = Counter(ordered([light, heavy])[0].provider.name for _ in range(2000))
    assert 0.68 < firsts["heavy"] / 2000 < 0.82  # 3:1


def test_one_teams_failing_requests_open_the_circuit_for_that_team_alone(settings, upstream, hub_url, alice, charlie):
    """acme's requests make the upstream answer 500 while globex's succeed: acme is refused fast, globex keeps
    the model (before, acme alone opened the circuit for every team: 503 for the cooldown)."""
    import openai

    settings.BREAKER_MIN_REQUESTS = 4
    settings.BREAKER_ERROR_RATE = 0.5
    settings.BREAKER_COOLDOWN_SECONDS = 30.0
    acme = openai.OpenAI(api_key=alice.key, base_url=hub_url, max_retries=0, timeout=20)
    globex = openai.OpenAI(api_key=charlie.key, base_url=hub_url, max_retries=0, timeout=20)
    hello: Any = [{"role": "user", "content": "x"}]
    upstream.script("gpt-4o", Reply(text="fine"), Reply(text="fine"))
    for _ in range(2):
        assert globex.chat.completions.create(model="gpt-4o", messages=hello).choices[0].message.content == "fine"
    upstream.script("gpt-4o", *[Fail(500)] * 4)
    for _ in range(2):  # two attempts each (UPSTREAM_MAX_ATTEMPTS)
        with pytest.raises(openai.InternalServerError):
            acme.chat.completions.create(model="gpt-4o", messages=hello)
    with pytest.raises(openai.APIStatusError) as refused:
        acme.chat.completions.create(model="gpt-4o", messages=hello)
    assert (refused.value.status_code, refused.value.body["code"]) == (503, "deployments_unavailable")
    upstream.script("gpt-4o", Reply(text="still here"))
    assert globex.chat.completions.create(model="gpt-4o", messages=hello).choices[0].message.content == "still here"


def test_an_outage_failing_every_team_opens_the_circuit_for_all(settings, upstream, hub_url, alice, charlie):
    import openai

    settings.BREAKER_MIN_REQUESTS = 4
    settings.BREAKER_ERROR_RATE = 0.5
    settings.BREAKER_COOLDOWN_SECONDS = 30.0
    acme = openai.OpenAI(api_key=alice.key, base_url=hub_url, max_retries=0, timeout=20)
    globex = openai.OpenAI(api_key=charlie.key, base_url=hub_url, max_retries=0, timeout=20)
    hello: Any = [{"role": "user", "content": "x"}]
    upstream.script("gpt-4o", *[Fail(500)] * 4)
    for client in (globex, acme):
        with pytest.raises(openai.InternalServerError):
            client.chat.completions.create(model="gpt-4o", messages=hello)
    for client in (acme, globex):
        with pytest.raises(openai.APIStatusError) as refused:
            client.chat.completions.create(model="gpt-4o", messages=hello)
        assert refused.value.status_code == 503
