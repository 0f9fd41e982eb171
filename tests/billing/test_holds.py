"""Credit holds: idempotent by request id, released by the sweep when a crashed process leaves them,
and a retry or a fallback never charges twice."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from decimal import Decimal

import httpx
import pytest
from django.core.management import call_command
from django.utils import timezone

from billing.ledger import release_expired_holds, reserve_credits, settle_usage
from billing.models import Budget, BudgetSpend, CreditHold, CreditLedgerEntry, UsageRecord
from llmhub.gateway import charging
from llmhub.infra.db_executor import close_db_connections, run_db
from tests.billing.conftest import draft_for
from tests.fake_upstream import Fail, Reply

LONG_AGO = timezone.now() - dt.timedelta(days=1)


@pytest.mark.django_db
def test_reserving_twice_holds_once(acme):
    for _ in range(2):
        reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.30"))
    acme.refresh_from_db()
    assert acme.reserved == Decimal("0.30")
    assert CreditHold.objects.count() == 1


@pytest.mark.django_db
def test_settling_twice_charges_once(alice, acme):
    reserve_credits(team_id=acme.pk, request_id="r1", amount=Decimal("0.30"))
    first = settle_usage(draft_for(alice, "r1", "0.10"))
    second = settle_usage(draft_for(alice, "r1", "0.25"))  # a late duplicate with another figure
    assert first == second and first.charged == Decimal("0.10")
    acme.refresh_from_db()
    assert (acme.balance, acme.reserved) == (Decimal("99.90"), Decimal("0"))
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1


@pytest.mark.django_db
def test_settle_without_a_hold_never_overdraws(alice, acme):
    settlement = settle_usage(draft_for(alice, "r1", "250"))
    assert settlement.charged == Decimal("100") and settlement.balance_after == 0
    assert "capped at available credit" in UsageRecord.objects.get().charge.memo


@pytest.mark.django_db
def test_release_holds_command_releases_expired_holds_and_their_budget_counts(alice, acme, capsys):
    Budget.objects.create(team=acme, amount=Decimal("10"), period=Budget.TOTAL)
    reserve_credits(team_id=acme.pk, request_id="crashed", amount=Decimal("0.40"), now=LONG_AGO)
    reserve_credits(team_id=acme.pk, request_id="in-flight", amount=Decimal("0.20"))
    call_command("release_holds")
    assert "released 1 expired hold" in capsys.readouterr().out
    acme.refresh_from_db()
    assert acme.reserved == Decimal("0.20")
    assert list(CreditHold.objects.values_list("request_id", flat=True)) == ["in-flight"]
    assert BudgetSpend.objects.get().reserved == Decimal("0.20")
    # The crashed request, should it ever report back, is still charged once and nothing goes negative.
    settle_usage(draft_for(alice, "crashed", "0.30"))
    acme.refresh_from_db()
    assert (acme.balance, acme.reserved) == (Decimal("99.70"), Decimal("0.20"))
    assert release_expired_holds() == 0


@pytest.mark.django_db(transaction=True)
def test_gateway_sweeps_expired_holds_without_cron(hub_url, upstream, alice, acme):
    reserve_credits(team_id=acme.pk, request_id="crashed", amount=Decimal("5"), now=LONG_AGO)
    charging.sweep_due_now()
    response = httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {alice.key}"},
        timeout=20,
    )
    assert response.status_code == 200
    deadline = time.monotonic() + 5
    while CreditHold.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not CreditHold.objects.exists()
    acme.refresh_from_db()
    assert acme.reserved == 0


@pytest.mark.django_db(transaction=True)
def test_sweep_runs_at_most_once_an_interval(settings, acme):
    settings.HOLD_SWEEP_INTERVAL_SECONDS = 3600

    async def admit_twice() -> None:
        for _ in range(2):
            charging.maybe_sweep()
            await charging.wait_for_background()
            await run_db(
                reserve_credits,
                team_id=acme.pk,
                request_id=f"late-{time.monotonic()}",
                amount=Decimal("1"),
                now=LONG_AGO,
            )

    charging.sweep_due_now()
    try:
        asyncio.run(admit_twice())
    finally:
        close_db_connections()
    assert CreditHold.objects.count() == 2  # the second admission within the hour did not sweep


@pytest.mark.django_db(transaction=True)
def test_retry_then_fallback_charges_once(hub_url, upstream, alice, acme):
    upstream.script("gpt-4.1", Fail(503), Fail(503))
    upstream.script("gpt-4o", Reply(text="from the fallback", prompt_tokens=10, completion_tokens=10))
    response = httpx.post(
        f"{hub_url}/chat/completions",
        json={"model": "gpt-4.1", "models": ["gpt-4o"], "messages": [{"role": "user", "content": "hi"}]},
        headers={"Authorization": f"Bearer {alice.key}"},
        timeout=20,
    )
    assert response.status_code == 200, response.text
    record = UsageRecord.objects.get()
    assert [a["status"] for a in record.attempts] == ["error", "error", "ok"]
    assert record.model_served == "gpt-4o"
    charge = CreditLedgerEntry.objects.get(kind="charge")
    assert charge.usage == record and -charge.amount == record.cost
    acme.refresh_from_db()
    assert (acme.balance, acme.reserved) == (Decimal("100") - record.cost, Decimal("0"))


@pytest.mark.django_db(transaction=True)
def test_client_gone_during_admission_gives_the_hold_back(alice, acme):
    async def admit_then_leave() -> None:
        admitting = asyncio.ensure_future(
            charging.admit(
                team_id=acme.pk,
                user_id=alice.user.pk,
                key_id=None,
                request_id="left-early",
                amount=Decimal("3"),
                prompt_tokens=5,
            )
        )
        await asyncio.sleep(0)  # admission is under way on the database pool
        admitting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await admitting
        # The admission's thread finishes taking the hold; then the release gives it back.
        seen = False
        for _ in range(200):
            await asyncio.sleep(0.01)
            held = await run_db(CreditHold.objects.exists)
            seen = seen or held
            if seen and not held:
                break
        await charging.wait_for_background()

    try:
        asyncio.run(admit_then_leave())
    finally:
        close_db_connections()
    acme.refresh_from_db()
    assert acme.reserved == 0 and not CreditHold.objects.exists()
    assert not UsageRecord.objects.exists()  # nothing was called, nothing is charged
