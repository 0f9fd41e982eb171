"""The staff provider-health page: stats from the usage records, breaker state and history, a test button."""

from __future__ import annotations

import pytest

from tests.fake_upstream import Fail
from tests.gateway.test_health_routing import ask

pytestmark = pytest.mark.django_db(transaction=True)


def row_of(page: str, deployment: str) -> str:
    start = page.index(f'<tr data-deployment="{deployment}">')
    return page[start : page.index("</tr>", start)]


def test_health_page_shows_an_open_circuit_and_its_errors(two_deployments, openai_client, alice, client, staff):
    two_deployments.script("gpt-4.1", *[Fail(500)] * 4)
    ask(openai_client), ask(openai_client), ask(openai_client)
    client.force_login(staff.user)
    page = client.get("/staff/health/").content.decode()
    failing = row_of(page, "gpt-4.1@aisa")
    assert 'data-state="open"' in failing
    assert 'data-label="Attempts">4</td>' in failing  # attempts, all failed
    assert "0%" in failing
    assert 'data-state="closed"' in row_of(page, "gpt-4.1@openai")
    assert "100%" in row_of(page, "gpt-4.1@openai")
    assert "<code>upstream_error</code>" in page
    assert "4/4 failed" in page  # the breaker's history says why it opened


def test_health_page_shows_a_closed_circuit_after_recovery(
    two_deployments, openai_client, alice, client, staff, settings
):
    import time

    two_deployments.script("gpt-4.1", *[Fail(500)] * 4)
    ask(openai_client), ask(openai_client)
    time.sleep(settings.BREAKER_COOLDOWN_SECONDS + 0.1)
    ask(openai_client)  # the probe succeeds
    client.force_login(staff.user)
    page = client.get("/staff/health/").content.decode()
    assert 'data-state="closed"' in row_of(page, "gpt-4.1@aisa")
    assert "probe succeeded" in page


def test_test_button_calls_the_deployment(upstream, client, staff):
    client.force_login(staff.user)
    response = client.post("/staff/health/test/", {"deployment": "gpt-4o@aisa"}, follow=True)
    page = response.content.decode()
    assert "gpt-4o@aisa answered in" in page
    assert upstream.requests_for("/chat/completions")[-1].body["max_tokens"] == 1
    assert "test ok in" in page


def test_test_button_reports_a_failing_deployment(upstream, client, staff):
    upstream.script("gpt-4o", Fail(500), Fail(500))
    client.force_login(staff.user)
    page = client.post("/staff/health/test/", {"deployment": "gpt-4o@aisa"}, follow=True).content.decode()
    assert "gpt-4o@aisa failed after" in page


def test_test_button_refuses_an_unknown_deployment(upstream, client, staff):
    client.force_login(staff.user)
    page = client.post("/staff/health/test/", {"deployment": "nope@nowhere"}, follow=True).content.decode()
    assert "No such deployment" in page


def test_charlie_cannot_see_the_health_page(client, charlie):
    client.force_login(charlie.user)
    assert client.get("/staff/health/").status_code == 403


def test_charlie_cannot_press_the_test_button(upstream, client, charlie):
    client.force_login(charlie.user)
    assert client.post("/staff/health/test/", {"deployment": "gpt-4o@aisa"}).status_code == 403
    assert upstream.requests_for("/chat/completions") == []


def test_signed_out_visitors_are_sent_to_log_in(client, db):
    response = client.get("/staff/health/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def _settled(person, request_id: str, **facts):
    from decimal import Decimal

    from billing.ledger import UsageDraft, settle_usage
    from billing.models import HubKey

    key = HubKey.objects.filter(user=person.user).first()
    draft = UsageDraft(
        request_id=request_id, user_id=person.user.pk, team_id=key.team_id, key_id=key.pk,
        model_requested="gpt-4o", model_served="gpt-4o", provider="openai", cost=Decimal("0.01"),
        **{"status": "ok", **facts},
    )  # fmt: skip
    settle_usage(draft)


def test_health_shows_time_to_headers_first_token_and_full_duration_apart(alice, client, staff):
    # A 12 s stream whose headers came after 2 ms and first token after 800 ms; a 3.1 s plain answer.
    attempt = {"model": "gpt-4o", "provider": "openai", "status": "ok", "code": ""}
    _settled(alice, "req-stream", stream=True, attempts=[{**attempt, "ms": 2}], ttft_ms=800, latency_ms=12_000)
    _settled(alice, "req-plain", attempts=[{**attempt, "ms": 3000}], latency_ms=3100)
    _settled(alice, "req-failed", attempts=[{**attempt, "status": "error", "ms": 5}], latency_ms=60_000, status="error")
    client.force_login(staff.user)
    row = row_of(client.get("/staff/health/").content.decode(), "gpt-4o@openai")
    assert 'data-stat="headers">2 ms / 3.0 s</td>' in row  # the ok attempts, to the response headers
    assert 'data-stat="ttft">800 ms / 800 ms</td>' in row  # streams only
    assert 'data-stat="duration">3.1 s / 12.0 s</td>' in row  # answered requests, the failed one left out
    chinese = client.get("/staff/health/", HTTP_ACCEPT_LANGUAGE="zh-Hans").content.decode()
    assert "至响应头 p50 / p95" in chinese and "首个令牌 p50 / p95" in chinese and "完整耗时 p50 / p95" in chinese
