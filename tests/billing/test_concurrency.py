"""The money guarantee under real concurrency: 50 requests at a team whose credits cover about 10.

Threads each with their own database connection call reserve/settle directly; then 50 concurrent HTTP
requests go through the live hub. Either way: no negative balance, every record charged exactly once,
the charges add up to the balance's fall, and the rest are refused with 402.
"""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal
from typing import Any

import httpx
import pytest
from django.db import connection
from django.db.models import Sum

from billing.budgets import BudgetExceeded
from billing.ledger import grant_credits, reserve_credits, settle_usage
from billing.models import Budget, CreditHold, CreditLedgerEntry, Team, UsageRecord
from llmhub.catalog import snapshot, worst_case_cost
from llmhub.errors import InsufficientCredits
from llmhub.gateway.tokens import prompt_tokens_ceiling
from tests.billing.conftest import draft_for
from tests.fake_upstream import Reply, Stall

pytestmark = pytest.mark.django_db(transaction=True)

REQUESTS = 50


def set_balance(team: Team, amount: Decimal) -> None:
    team.refresh_from_db()
    grant_credits(team=team, amount=amount - team.balance, kind="adjust", memo="test: set balance")


def run_in_threads(work, count: int = REQUESTS) -> list[Any]:
    """Run work(i) in `count` threads released together; each thread uses (and closes) its own connection."""
    start = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - kept as the result, which the test asserts on
            results[i] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def assert_books_balance(team: Team, start_balance: Decimal, charged_records: int) -> None:
    team.refresh_from_db()
    assert team.balance >= 0
    assert team.reserved == 0
    assert not CreditHold.objects.exists()
    records = UsageRecord.objects.filter(team=team)
    assert records.count() == charged_records
    charges = CreditLedgerEntry.objects.filter(team=team, kind=CreditLedgerEntry.CHARGE)
    # Exactly one charge per record, each for the record's cost.
    assert charges.count() == charged_records
    assert sorted(charges.values_list("usage_id", flat=True)) == sorted(records.values_list("pk", flat=True))
    for record in records.select_related("charge"):
        assert record.charge.amount == -record.cost
    assert -charges.aggregate(total=Sum("amount"))["total"] == start_balance - team.balance


def test_threads_never_overdraw_and_charge_each_record_once(alice, acme):
    hold, cost = Decimal("0.10"), Decimal("0.095")
    set_balance(acme, Decimal("1.00"))  # covers 10 holds; 11 charges would need $1.045

    def request(i: int) -> str:
        request_id = f"req_thread_{i}"
        try:
            reserve_credits(team_id=acme.pk, request_id=request_id, amount=hold, user_id=alice.user.pk)
        except InsufficientCredits as exc:
            return exc.code
        # A retried settlement (as a fallback or a reconnect might cause) must not charge twice.
        first = settle_usage(draft_for(alice, request_id, cost))
        again = settle_usage(draft_for(alice, request_id, cost))
        assert first == again
        return "ok"

    results = run_in_threads(request)
    assert [r for r in results if not isinstance(r, str)] == []
    # A refusal means holds and charges already cover more than $0.90, so at least 10 got in; at most 10 fit.
    assert results.count("ok") == 10
    assert results.count("insufficient_credits") == REQUESTS - 10
    assert_books_balance(acme, Decimal("1.00"), 10)
    assert acme.balance == Decimal("1.00") - 10 * cost


def test_threads_never_overshoot_a_team_budget(alice, acme):
    Budget.objects.create(team=acme, amount=Decimal("0.50"), period=Budget.MONTHLY, alert_at_percent=None)

    def request(i: int) -> str:
        request_id = f"req_budget_{i}"
        try:
            reserve_credits(team_id=acme.pk, request_id=request_id, amount=Decimal("0.10"), user_id=alice.user.pk)
        except BudgetExceeded as exc:
            return exc.code
        settle_usage(draft_for(alice, request_id, "0.095"))
        return "ok"

    results = run_in_threads(request)
    assert results.count("ok") == 5
    assert results.count("budget_exceeded") == REQUESTS - 5
    assert_books_balance(acme, Decimal("100"), 5)
    spend = Budget.objects.get().spends.get()
    assert (spend.spent, spend.reserved) == (Decimal("0.475"), Decimal("0"))


def test_concurrent_settlements_of_one_request_charge_once(alice, acme):
    reserve_credits(team_id=acme.pk, request_id="req_once", amount=Decimal("0.10"))
    results = run_in_threads(lambda i: settle_usage(draft_for(alice, "req_once", "0.07")), count=10)
    assert len(set(results)) == 1 and results[0].charged == Decimal("0.07")
    assert_books_balance(acme, Decimal("100"), 1)


def test_fifty_concurrent_http_requests_never_overdraw(hub_url, alice, acme, upstream, wide_db_pool):
    messages = [{"role": "user", "content": "hi"}]
    prices = snapshot().models["gpt-4.1"].prices
    hold = worst_case_cost(
        prompt_tokens=prompt_tokens_ceiling(messages), max_output_tokens=1000, images=0, prices=prices
    )
    set_balance(acme, 10 * hold)
    # Each answer costs a little less than its hold and arrives after a pause, so holds overlap.
    for _ in range(REQUESTS):
        upstream.script("gpt-4.1", Stall(0.2, then=Reply(text="ok", prompt_tokens=9, completion_tokens=950)))

    async def fire() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=REQUESTS)
        async with httpx.AsyncClient(timeout=60, limits=limits) as client:
            body = {"model": "gpt-4.1", "messages": messages, "max_tokens": 1000}
            headers = {"Authorization": f"Bearer {alice.key}"}
            calls = [client.post(f"{hub_url}/chat/completions", json=body, headers=headers) for _ in range(REQUESTS)]
            return await asyncio.gather(*calls)

    responses = asyncio.run(fire())
    statuses = [r.status_code for r in responses]
    assert statuses.count(200) == 10, statuses
    assert statuses.count(402) == REQUESTS - 10
    for refused in (r for r in responses if r.status_code == 402):
        assert refused.json()["error"]["code"] == "insufficient_credits"
    assert_books_balance(acme, 10 * hold, 10)
    served = [r.json() for r in responses if r.status_code == 200]
    assert sum(Decimal(str(b["usage"]["cost"])) for b in served) == 10 * hold - acme.balance
