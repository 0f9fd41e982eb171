"""/metrics: the Prometheus exposition after real traffic, parsed by prometheus-client's own parser."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections import defaultdict
from decimal import Decimal

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from billing.models import UsageRecord
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)
TOKEN = "scrape-secret"


def scrape(hub_url: str) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Sample name -> labels -> value."""
    response = httpx.get(hub_url.removesuffix("/v1") + "/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = defaultdict(dict)
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name][tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def total(samples, name: str, **labels: str) -> float:
    return float(sum(v for k, v in samples.get(name, {}).items() if set(labels.items()) <= set(k)))


@pytest.fixture
def metrics_token(settings):
    settings.METRICS_TOKEN = TOKEN


def _traffic(openai_client, upstream) -> None:
    upstream.script("gpt-4o", Reply(text="one two three", prompt_tokens=21, completion_tokens=7))
    openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "x"}])
    list(
        openai_client.chat.completions.create(model="gpt-4o", messages=[{"role": "user", "content": "y"}], stream=True)
    )
    upstream.script("gpt-4.1", Fail(500), Fail(500))
    openai_client.chat.completions.create(
        model="gpt-4.1", messages=[{"role": "user", "content": "z"}], extra_body={"models": ["gpt-4o"]}
    )


def test_metrics_totals_equal_the_usage_records(metrics_token, hub_url, openai_client, upstream, alice):
    before = scrape(hub_url)
    _traffic(openai_client, upstream)
    after = scrape(hub_url)
    records = list(UsageRecord.objects.all())
    assert len(records) == 3

    def delta(name: str, **labels: str) -> float:
        return total(after, name, **labels) - total(before, name, **labels)

    assert delta("llmhub_requests_total", endpoint="/v1/chat/completions", model="gpt-4o", status="ok") == 3
    assert delta("llmhub_tokens_total", model="gpt-4o", direction="input") == sum(r.prompt_tokens for r in records)
    assert delta("llmhub_tokens_total", model="gpt-4o", direction="output") == sum(r.completion_tokens for r in records)
    cost = sum((r.cost for r in records), Decimal(0))
    assert cost > 0
    assert delta("llmhub_cost_usd_total", team=str(alice.user.memberships.get().team_id)) == pytest.approx(float(cost))
    assert delta("llmhub_upstream_errors_total", provider="aisa", code="upstream_error") == 2
    assert delta("llmhub_request_duration_seconds_count", model="gpt-4o") == 3
    assert delta("llmhub_time_to_first_token_seconds_count", model="gpt-4o") == 1
    assert delta("llmhub_upstream_duration_seconds_count", provider="aisa") == 5


def test_metrics_show_open_holds_and_process_basics(metrics_token, hub_url):
    samples = scrape(hub_url)
    assert total(samples, "llmhub_credit_holds_open") == 0
    assert total(samples, "process_cpu_seconds_total") > 0


def test_metrics_refuse_a_missing_token(metrics_token, hub_url):
    response = httpx.get(hub_url.removesuffix("/v1") + "/metrics")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_metrics_token"


def test_metrics_refuse_a_wrong_token(metrics_token, hub_url, charlie):
    response = httpx.get(hub_url.removesuffix("/v1") + "/metrics", headers={"Authorization": f"Bearer {charlie.key}"})
    assert response.status_code == 401


WORKER = """
import django, os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmhub.settings")
django.setup()
from decimal import Decimal
from billing.ledger import UsageDraft
from llmhub.ops.metrics import record_settlement
record_settlement(UsageDraft(request_id="r", user_id=1, team_id=7, key_id=None, model_requested="gpt-4o",
    model_served="gpt-4o", provider="aisa", cost=Decimal("0.25"), status="ok", prompt_tokens=10))
"""


def test_workers_metrics_add_up_in_multiprocess_mode(tmp_path, monkeypatch):
    from llmhub.ops.metrics import exposition

    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for _worker in range(2):
        subprocess.run([sys.executable, "-c", WORKER], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(exposition().decode()):
        for sample in family.samples:
            samples[sample.name] += sample.value
    assert samples["llmhub_requests_total"] == 2
    assert samples["llmhub_tokens_total"] == 20
    assert samples["llmhub_cost_usd_total"] == pytest.approx(0.5)


def test_gemini_paths_are_one_endpoint_label():
    from llmhub.ops.metrics import endpoint_label

    assert endpoint_label("/v1beta/models/gemini-2.0-flash:generateContent") == "/v1beta/models/{model}:generateContent"
    assert endpoint_label("/v1/chat/completions") == "/v1/chat/completions"


def test_an_open_circuit_is_exported(two_deployments, metrics_token, hub_url, openai_client, alice):
    from tests.gateway.test_health_routing import ask

    two_deployments.script("gpt-4.1", *[Fail(500)] * 4)
    ask(openai_client), ask(openai_client)
    assert scrape(hub_url)["llmhub_circuit_state"][(("deployment", "gpt-4.1@aisa"),)] == 2


def _circuit(hub_url: str, deployment: str = "gpt-4.1@aisa") -> float | None:
    return scrape(hub_url)["llmhub_circuit_state"].get((("deployment", deployment),))


def test_the_circuit_gauge_shows_half_open_once_the_cooldown_is_over(
    two_deployments, metrics_token, hub_url, openai_client, alice
):
    from tests.gateway.test_health_routing import COOLDOWN, ask

    two_deployments.script("gpt-4.1", *[Fail(500)] * 4)
    ask(openai_client), ask(openai_client)
    assert _circuit(hub_url) == 2
    time.sleep(COOLDOWN + 0.1)  # no request since: the next one would be the probe
    assert _circuit(hub_url) == 1


def test_the_circuit_gauge_shows_closed_when_the_breakers_state_is_gone(
    two_deployments, metrics_token, hub_url, openai_client, alice
):
    from llmhub.gateway import forget_health
    from tests.gateway.test_health_routing import ask

    two_deployments.script("gpt-4.1", *[Fail(500)] * 4)
    ask(openai_client), ask(openai_client)
    assert _circuit(hub_url) == 2
    forget_health()  # as when the keys expire in Redis, or another worker's probe closed it there
    assert _circuit(hub_url) == 0
    assert ask(openai_client).provider == "aisa"  # the gateway agrees: the circuit is closed


def test_the_circuit_gauge_covers_every_configured_deployment(metrics_token, hub_url):
    from llmhub.ops.health_report import configured_deployments

    states = scrape(hub_url)["llmhub_circuit_state"]
    assert {dict(labels)["deployment"] for labels in states} == set(configured_deployments())
    assert set(states.values()) == {0}
