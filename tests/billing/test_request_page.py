"""One request's page: its owner, their team admin and staff see it; anyone else gets 404."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.models import UsageRecord
from billing.selectors import unit_prices

pytestmark = pytest.mark.django_db

ATTEMPTS = [
    {"model": "gpt-4o", "provider": "openai", "status": "error", "code": "upstream_timeout", "ms": 1500},
    {"model": "claude-sonnet-4", "provider": "anthropic", "status": "ok", "code": "", "ms": 420},
]


def _record(spend, person):
    return spend(
        person, "0.0025", model_requested="auto", model="claude-sonnet-4", provider="anthropic",
        prompt_tokens=1000, completion_tokens=0, latency_ms=1940, ttft_ms=610, attempts=ATTEMPTS,
        route={"mode": "auto", "reason": "short factual question", "tier": "fast"},
    )  # fmt: skip


def _as(client, person):
    client.force_login(person.user)
    return client


def test_owner_sees_every_detail_of_their_request(client, bob, spend):
    record = _record(spend, bob)
    page = _as(client, bob).get(f"/requests/{record.request_id}/").content.decode()
    for shown in [record.request_id, "auto", "claude-sonnet-4", "upstream_timeout", "anthropic",
                  "short factual question", "610 ms", "1.9 s", "1,000", "$0.0025", "$2.50 per 1M tokens"]:  # fmt: skip
        assert shown in page, shown


def test_team_admin_sees_a_members_request(client, alice, bob, spend):
    record = _record(spend, bob)
    assert _as(client, alice).get(f"/requests/{record.request_id}/").status_code == 200


def test_staff_see_any_request(client, staff, charlie, spend):
    record = _record(spend, charlie)
    assert _as(client, staff).get(f"/requests/{record.request_id}/").status_code == 200


def test_a_teammate_who_is_not_admin_gets_404(client, alice, bob, spend):
    record = _record(spend, alice)
    assert _as(client, bob).get(f"/requests/{record.request_id}/").status_code == 404


def test_an_outsider_gets_404(client, charlie, bob, spend):
    record = _record(spend, bob)
    assert _as(client, charlie).get(f"/requests/{record.request_id}/").status_code == 404
    assert client.get("/requests/no-such-request/").status_code == 404


def test_usage_tables_link_to_the_request_page(client, staff, bob, spend):
    record = _record(spend, bob)
    link = f'href="/requests/{record.request_id}/"'
    assert link in _as(client, bob).get("/usage/").content.decode()
    assert link in _as(client, staff).get("/staff/spend/records/").content.decode()


def test_price_is_shown_only_when_the_cost_pins_it_down():
    def record(**fields):
        return UsageRecord(**{"cost": Decimal("0.0025"), "prompt_tokens": 1000, "completion_tokens": 0, **fields})

    assert unit_prices(record()).input == Decimal("2.5")
    assert unit_prices(record(completion_tokens=10)) is None  # input and output mixed: not separable
    assert unit_prices(record(cached_tokens=10)) is None
    assert unit_prices(record(cost=Decimal("0.00000001"), prompt_tokens=3)) is None  # not exact
