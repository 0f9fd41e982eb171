"""The credit hold and the settlement as one PostgreSQL statement each, for the database pool's pipeline.

On PostgreSQL every statement is a round trip, and the hold and the settlement took seven and nine of them
(BEGIN, the team's row lock, the reads and writes, COMMIT). Here each is one statement: data-modifying CTEs
that lock the team row, check, write and return what the caller needs. The pool sends a group's statements
in one pipeline (llmhub/infra/pg_pipeline.py), so concurrent requests share a round trip and a commit.

The guarantees are ledger.py's: the team row is locked before the balance is read, a hold never takes
more than is available, a settlement charges at most what the team has, records one usage row and one
charge, releases the hold, and moves the day's rollup in the same transaction. Each statement returns what
its `finish` needs to raise the same refusals and alerts ledger.py would.

Only the common case takes this path: a team without budgets (budget counters need more rows locked), where
nothing must be read first (the budgeted teams are known in this process). The builders return None
otherwise, and the caller takes the ledger.py way. `finish` never writes and does no I/O: where ledger.py
would write more (a low-balance alert to raise, budget counters to release) it raises `SlowWay`, and the
group is rolled back and each write runs its `fallback` (the ledger.py way, in its own transaction), as it
does when a statement fails (a second settlement of one request hits the unique request id).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from billing import budgets, ledger, orphans, rollups
from billing import ledger_rows as rows
from billing.models import CreditLedgerEntry, Team
from billing.money import to_usd
from billing.refusal_wording import insufficient_credits_message
from llmhub.errors import InsufficientCredits


class SlowWay(Exception):
    """This write needs what only the ledger.py way does: roll the group back and run each `fallback`."""


@dataclass
class Statement:
    """One write as a single statement: the SQL, its parameters, what to make of its result (`finish` gets
    it as `.row` and `.rowcount`, in the same transaction), and the same write the ledger.py way."""

    sql: str
    params: Sequence[Any]
    finish: Callable[[Any], Any]
    fallback: Callable[[], Any]


_HOLD_SQL = f"""
WITH t AS (SELECT balance, reserved FROM {rows.TEAM} WHERE id = %s FOR UPDATE),
h AS (
    INSERT INTO {rows.HOLD} (request_id, team_id, amount, created_at, expires_at, budget_spends, user_id, key_id,
        source, model_requested, model_served, provider, stream, prompt_tokens, completion_tokens, cost, seen_at,
        client_tool, dropped)
    SELECT %s::varchar, %s::bigint, %s::numeric, %s::timestamptz, %s::timestamptz, '[]'::jsonb, %s::bigint,
        %s::bigint, %s::varchar, %s::varchar, %s::varchar, %s::varchar, %s::boolean, %s::integer, 0,
        %s::numeric, %s::timestamptz, %s::varchar, %s::varchar
    FROM t WHERE t.balance - t.reserved >= %s::numeric
    ON CONFLICT (request_id) DO NOTHING
    RETURNING amount
),
moved AS (UPDATE {rows.TEAM} SET reserved = {rows.TEAM}.reserved + h.amount FROM h WHERE {rows.TEAM}.id = %s)
SELECT t.balance, t.reserved, EXISTS (SELECT 1 FROM h), EXISTS (SELECT 1 FROM {rows.HOLD} WHERE request_id = %s)
FROM t
"""


def hold(
    *,
    team_id: int,
    request_id: str,
    amount: Decimal,
    user_id: int | None,
    key_id: int | None,
    meter: ledger.HoldMeter | None,
) -> Statement | None:
    """`ledger.reserve_credits` as one statement, or None (free requests take no hold; budgeted teams)."""
    amount = to_usd(amount)

    def fallback() -> None:
        ledger.reserve_credits(
            team_id=team_id, request_id=request_id, amount=amount, user_id=user_id, key_id=key_id, meter=meter
        )

    budgeted = budgets.known_teams_with_budgets()
    if amount <= 0 or budgeted is None or team_id in budgeted:
        return None
    now = timezone.now()
    m = meter or ledger.HoldMeter()
    params = [
        team_id, request_id, team_id, f"{amount:f}", now, now + ledger.hold_ttl(), user_id, key_id, m.source,
        m.model_requested, m.model_served, m.provider, m.stream, m.prompt_tokens, f"{to_usd(m.cost):f}", now,
        m.client_tool, m.dropped, f"{amount:f}", team_id, request_id,
    ]  # fmt: skip

    def finish(result: Any) -> None:
        row = result.row
        if row is None:
            raise Team.DoesNotExist(f"team {team_id}")
        balance, reserved, held, existed = row
        if held or existed:
            return
        available = rows.money(balance) - rows.money(reserved)
        raise InsufficientCredits(
            insufficient_credits_message(hold=amount, available=available), available=available, hold=amount
        )

    return Statement(_HOLD_SQL, params, finish, fallback)


def _settle_sql() -> str:
    usage = ", ".join(["%s"] * len(rows.USAGE_COLUMNS))
    rollup = rollups.upsert_sql()
    return f"""
WITH t AS (SELECT balance, reserved, low_balance_threshold FROM {rows.TEAM} WHERE id = %s FOR UPDATE),
h AS (DELETE FROM {rows.HOLD} WHERE request_id = %s RETURNING amount, budget_spends),
c AS (
    SELECT t.balance AS before, t.low_balance_threshold AS threshold,
        GREATEST(t.reserved - COALESCE((SELECT amount FROM h), 0), 0) AS reserved
    FROM t
),
k AS (SELECT c.*, LEAST(%s::numeric, GREATEST(c.before - c.reserved, 0)) AS charged FROM c),
u AS (INSERT INTO {rows.USAGE} ({", ".join(rows.USAGE_COLUMNS)}) VALUES ({usage}) RETURNING id),
r AS ({rollup}),
moved AS (
    UPDATE {rows.TEAM} SET balance = k.before - k.charged, reserved = k.reserved FROM k WHERE {rows.TEAM}.id = %s
),
l AS (
    INSERT INTO {rows.LEDGER} (team_id, kind, amount, balance_after, usage_id, memo, created_by_id, created_at)
    SELECT %s::bigint, %s::varchar, -k.charged, k.before - k.charged, u.id,
        CASE WHEN k.charged = %s::numeric THEN '' ELSE %s::varchar END, NULL, %s::timestamptz
    FROM k, u
    RETURNING id
)
SELECT u.id, k.charged, k.before, k.reserved, k.threshold, l.id, (SELECT amount FROM h), (SELECT budget_spends FROM h)
FROM k, u, l
"""


_SETTLE_SQL: str | None = None


def settlement(draft: ledger.UsageDraft) -> Statement | None:
    """`ledger.settle_usage` as one statement, or None (budgeted teams)."""
    global _SETTLE_SQL

    def fallback() -> ledger.Settlement:
        return ledger.settle_usage(draft)

    budgeted = budgets.known_teams_with_budgets()
    if budgeted is None or draft.team_id in budgeted:
        return None
    now = timezone.now()
    cost = to_usd(draft.cost)
    settled = ledger.settled_draft(draft, cost, now)
    usage = rows.usage_params(settled)
    params = [
        draft.team_id, draft.request_id, f"{cost:f}", *usage, *rollups.upsert_params(settled), draft.team_id,
        draft.team_id, CreditLedgerEntry.CHARGE, f"{cost:f}", f"capped at available credit (cost {cost})", now,
    ]  # fmt: skip
    if _SETTLE_SQL is None:
        _SETTLE_SQL = _settle_sql()

    def finish(result: Any) -> ledger.Settlement:
        row = result.row
        if row is None:
            raise Team.DoesNotExist(f"team {draft.team_id}")
        usage_id, charged, before, _reserved, threshold, _entry_id, _held, spends = row
        charged, before = rows.money(charged), rows.money(before)
        after = to_usd(before - charged)
        if isinstance(spends, str):  # a connection that hands jsonb back as text
            spends = json.loads(spends)
        if spends:
            raise SlowWay("the hold counted against budgets deleted since: their counters are released")
        if threshold is not None and before >= rows.money(threshold) > after:
            raise SlowWay("this charge crosses the team's low-balance threshold: the alert is raised")
        return ledger.Settlement(usage_id, charged, after, draft.prompt_tokens, draft.completion_tokens)

    return Statement(_SETTLE_SQL, params, finish, fallback)


_CHECKPOINT_SQL = (
    f"UPDATE {rows.HOLD} SET completion_tokens = %s, cost = %s::numeric, model_served = %s, provider = %s, "
    "seen_at = %s::timestamptz, expires_at = %s::timestamptz WHERE request_id = %s"
)


def checkpoint(
    *, request_id: str, completion_tokens: int, cost: Decimal, model_served: str, provider: str
) -> Statement:
    """`orphans.checkpoint_hold` as a pipelined statement; `finish` returns the rows updated (0 once settled)."""
    now = timezone.now()
    params = [completion_tokens, f"{to_usd(cost):f}", model_served, provider, now, now + ledger.hold_ttl(), request_id]

    def fallback() -> int:
        return orphans.checkpoint_hold(
            request_id=request_id, completion_tokens=completion_tokens, cost=cost, model_served=model_served,
            provider=provider, now=now,
        )  # fmt: skip

    return Statement(_CHECKPOINT_SQL, params, lambda result: int(result.rowcount), fallback)
