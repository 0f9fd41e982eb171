"""The ledger's two implementations agree: random sequences of holds, checkpoints, settlements (first and
repeated), releases and grants run through the Python path (billing/ledger.py, ledger_rows.py, orphans.py) on
one team, through the SQL statements pipelined on the event loop (billing/ledger_statements.py via
llmhub/infra/pg_pipeline.py) on another, and through a plain reference model; after every step the outcomes,
balances, holds, usage records and ledger rows are the same (TigerBeetle's reference-model testing).

PostgreSQL only (the SQL path is PostgreSQL's); LEDGER_DIFF_STEPS sets the steps per seed."""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from billing import budgets, ledger, ledger_statements, orphans
from billing.ledger import HoldMeter, UsageDraft
from billing.models import BillingAlert, CreditHold, CreditLedgerEntry, Team, UsageRecord
from billing.money import ZERO, to_usd
from llmhub.errors import HubError
from llmhub.infra import pg_pipeline
from llmhub.infra.db_executor import close_db_connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's"),
]

STEPS = int(os.environ.get("LEDGER_DIFF_STEPS", "400"))
METER = HoldMeter(source="api", model_requested="gpt-4o", model_served="gpt-4o", provider="aisa", prompt_tokens=12,
                  cost=Decimal("0.00003"))  # fmt: skip


@pytest.fixture(autouse=True)
def no_budgets(django_db_blocker, monkeypatch):
    # Budgeted teams take the ledger way on both paths: here no team has one, and this process knows it.
    monkeypatch.setattr(budgets, "known_teams_with_budgets", lambda: frozenset())
    yield
    with django_db_blocker.unblock():
        close_db_connections()


@dataclass
class Reference:
    """The money rules, plainly: what a team's books must be after each step."""

    balance: Decimal
    reserved: Decimal = ZERO
    holds: dict[str, Decimal] = field(default_factory=dict)
    settled: dict[str, tuple[Decimal, Decimal]] = field(default_factory=dict)  # request: (charged, balance after)

    def hold(self, rid: str, amount: Decimal) -> Any:
        amount = to_usd(amount)
        if amount <= ZERO or rid in self.holds:
            return None
        if self.balance - self.reserved < amount:
            return "InsufficientCredits"
        self.holds[rid] = amount
        self.reserved += amount
        return None

    def settle(self, rid: str, cost: Decimal) -> Any:
        if rid in self.settled:
            return self.settled[rid]
        self.reserved = max(self.reserved - self.holds.pop(rid, ZERO), ZERO)
        cost = to_usd(cost)
        charged = min(cost, max(self.balance - self.reserved, ZERO))
        self.balance -= charged
        self.settled[rid] = (charged, self.balance)
        return self.settled[rid]

    def release(self, rid: str) -> Any:
        if rid not in self.holds:
            return False
        self.reserved = max(self.reserved - self.holds.pop(rid), ZERO)
        return True

    def grant(self, amount: Decimal) -> None:
        self.balance += to_usd(amount)


def _draft(team: Team, user_id: int, rid: str, cost: Decimal, tokens: int) -> UsageDraft:
    return UsageDraft(request_id=rid, user_id=user_id, team_id=team.pk, key_id=None, model_requested="gpt-4o",
                      model_served="gpt-4o", provider="aisa", cost=cost, status="ok", prompt_tokens=12,
                      completion_tokens=tokens)  # fmt: skip


def _outcome(value: Any) -> Any:
    if isinstance(value, HubError):
        return type(value).__name__
    if isinstance(value, ledger.Settlement):
        return (value.charged, value.balance_after)
    return value


class Paths:
    """One step, three ways: the Python ledger on team `py`, the SQL statements on team `sql`, the reference."""

    def __init__(self, py: Team, sql: Team, user_id: int, start: Decimal) -> None:
        self.py, self.sql, self.user_id = py, sql, user_id
        self.reference = Reference(balance=start)

    async def _python(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return _outcome(await sync_to_async(fn)(*args, **kwargs))
        except HubError as exc:
            return _outcome(exc)

    async def _statement(self, statement: Any, fallback: Any) -> Any:
        try:
            if statement is None:  # what the gateway does: the ledger way
                return _outcome(await sync_to_async(fallback)())
            return _outcome(await pg_pipeline.run_statement(statement, order=self.sql.pk))
        except HubError as exc:
            return _outcome(exc)

    async def hold(self, n: int, amount: Decimal) -> tuple[Any, Any, Any]:
        facts: dict[str, Any] = dict(amount=amount, user_id=self.user_id, key_id=None, meter=METER)
        py = await self._python(ledger.reserve_credits, team_id=self.py.pk, request_id=f"py-{n}", **facts)
        sql_facts: dict[str, Any] = dict(team_id=self.sql.pk, request_id=f"sql-{n}", **facts)
        sql = await self._statement(ledger_statements.hold(**sql_facts), lambda: ledger.reserve_credits(**sql_facts))
        return py, sql, self.reference.hold(str(n), amount)

    async def settle(self, n: int, cost: Decimal, tokens: int) -> tuple[Any, Any, Any]:
        py = await self._python(ledger.settle_usage, _draft(self.py, self.user_id, f"py-{n}", cost, tokens))
        draft = _draft(self.sql, self.user_id, f"sql-{n}", cost, tokens)
        sql = await self._statement(ledger_statements.settlement(draft), lambda: ledger.settle_usage(draft))
        return py, sql, self.reference.settle(str(n), cost)

    async def checkpoint(self, n: int, cost: Decimal, tokens: int) -> tuple[Any, Any, Any]:
        progress: dict[str, Any] = dict(
            completion_tokens=tokens, cost=cost, model_served="gpt-4o-mini", provider="openai"
        )
        py = await self._python(orphans.checkpoint_hold, request_id=f"py-{n}", **progress)
        sql = await self._statement(ledger_statements.checkpoint(request_id=f"sql-{n}", **progress), None)
        return py, sql, int(str(n) in self.reference.holds)

    async def release(self, n: int) -> tuple[Any, Any, Any]:
        py = await self._python(ledger.release_hold, f"py-{n}")
        sql = await self._python(ledger.release_hold, f"sql-{n}")  # one implementation: the interleaving counts
        return py, sql, self.reference.release(str(n))

    async def grant(self, amount: Decimal) -> tuple[Any, Any, Any]:
        await self._python(ledger.grant_credits, team=self.py, amount=amount)
        await self._python(ledger.grant_credits, team=self.sql, amount=amount)
        self.reference.grant(amount)
        return None, None, None


def _books(team: Team, prefix: str) -> dict[str, Any]:
    """A team's books with its request ids' prefix taken off, to compare across teams."""
    team.refresh_from_db()

    def rid(value: str) -> str:
        return value.removeprefix(prefix)

    holds = sorted(
        (rid(h.request_id), h.amount, h.completion_tokens, h.cost, h.model_served, h.provider, h.prompt_tokens)
        for h in CreditHold.objects.filter(team=team)
    )
    usage = [
        (rid(u.request_id), u.cost, u.status, u.prompt_tokens, u.completion_tokens, u.model_served)
        for u in UsageRecord.objects.filter(team=team).order_by("id")
    ]
    rows = [
        (e.kind, e.amount, e.balance_after, e.memo, rid(e.usage.request_id) if e.usage else None)
        for e in CreditLedgerEntry.objects.filter(team=team).select_related("usage").order_by("id")
    ]
    alerts = BillingAlert.objects.filter(team=team).count()
    return {"balance": team.balance, "reserved": team.reserved, "holds": holds, "usage": usage, "ledger": rows,
            "alerts": alerts}  # fmt: skip


def _money(rng: random.Random, top: int) -> Decimal:
    return to_usd(Decimal(rng.randrange(0, top * 10**6)) / Decimal(10**6))


async def _step(paths: Paths, rng: random.Random, n: int) -> tuple[str, tuple[Any, Any, Any]]:
    """One random step on a random request among the last few (so settlements find holds, repeats happen)."""
    target = rng.randrange(max(0, n - 6), n + 1)
    kind = rng.choices(["hold", "settle", "checkpoint", "release", "grant"], weights=[5, 5, 2, 1, 1])[0]
    if kind == "hold":
        return kind, await paths.hold(target, _money(rng, rng.choice([1, 5, 40])))
    if kind == "settle":
        return kind, await paths.settle(target, _money(rng, rng.choice([1, 5, 60])), rng.randrange(0, 5_000))
    if kind == "checkpoint":
        return kind, await paths.checkpoint(target, _money(rng, 2), rng.randrange(0, 5_000))
    if kind == "release":
        return kind, await paths.release(target)
    return kind, await paths.grant(_money(rng, 20) + Decimal("0.01"))


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_python_and_sql_ledgers_agree_step_by_step(alice, seed):
    start = Decimal("50")
    teams = []
    for slug in ("py", "sql"):
        team = await Team.objects.acreate(slug=f"{slug}-{seed}", name=slug, low_balance_threshold=Decimal("20"))
        await sync_to_async(ledger.grant_credits)(team=team, amount=start)
        teams.append(team)
    paths = Paths(teams[0], teams[1], alice.user.pk, start)
    rng = random.Random(seed)
    slow_before = pg_pipeline.stats["slow"]
    for n in range(STEPS):
        kind, (py, sql, expected) = await _step(paths, rng, n)
        where = f"seed {seed}, step {n} ({kind})"
        assert py == sql, f"{where}: python {py!r}, sql {sql!r}"
        if kind in ("hold", "settle", "release"):
            assert py == expected, f"{where}: python {py!r}, reference {expected!r}"
        py_books = await sync_to_async(_books)(paths.py, "py-")
        sql_books = await sync_to_async(_books)(paths.sql, "sql-")
        assert py_books == sql_books, f"{where}: the books differ"
        reference = paths.reference
        assert (py_books["balance"], py_books["reserved"]) == (reference.balance, reference.reserved), where
        assert sorted(h[0] for h in py_books["holds"]) == sorted(reference.holds), where
    # The sequences crossed the low-balance threshold and repeated settlements: the slow way ran too.
    assert pg_pipeline.stats["slow"] > slow_before
