"""PostgreSQL: credit holds and settlements as single statements, pipelined in groups on the event loop's own
connection (llmhub/infra/pg_pipeline.py, billing/ledger_statements.py) — with ledger.py's guarantees."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from billing import budgets, ledger_statements
from billing.ledger import HoldMeter, Settlement, UsageDraft
from billing.models import BillingAlert, CreditHold, CreditLedgerEntry, Team, UsageDailyRollup, UsageRecord
from llmhub.errors import InsufficientCredits
from llmhub.infra import pg_pipeline
from llmhub.infra.db_executor import close_db_connections

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the pipeline is PostgreSQL's"),
]


@pytest.fixture(autouse=True)
def fresh_pipeline(django_db_blocker, monkeypatch):
    # No team has a budget here, and this process knows it: the budgeted teams' cache lives 5 s and other
    # workers' budget changes reset it (the holds would then go the ledger way, as they should).
    monkeypatch.setattr(budgets, "known_teams_with_budgets", lambda: frozenset())
    before = dict(pg_pipeline.stats)
    yield before
    with django_db_blocker.unblock():
        close_db_connections()  # before the test database is flushed or dropped


def hold(team: Team, request_id: str, amount: str) -> asyncio.Future[object]:
    statement = ledger_statements.hold(
        team_id=team.pk, request_id=request_id, amount=Decimal(amount), user_id=None, key_id=None, meter=None
    )
    assert statement is not None, "a team without budgets holds in one statement"
    return pg_pipeline.run_statement(statement, order=team.pk)


def settle(team: Team, user_id: int, request_id: str, cost: str) -> asyncio.Future[Settlement]:
    draft = UsageDraft(request_id=request_id, user_id=user_id, team_id=team.pk, key_id=None,
                       model_requested="gpt-4o-mini", cost=Decimal(cost), status="ok", prompt_tokens=10,
                       completion_tokens=5)  # fmt: skip
    statement = ledger_statements.settlement(draft)
    assert statement is not None
    return pg_pipeline.run_statement(statement, order=team.pk)


def grew(before: dict[str, int], name: str) -> int:
    return pg_pipeline.stats[name] - before[name]


async def test_concurrent_holds_share_groups_and_never_overdraw(acme, fresh_pipeline):
    results = await asyncio.gather(*(hold(acme, f"h{i}", "7") for i in range(30)), return_exceptions=True)
    refused = [r for r in results if isinstance(r, InsufficientCredits)]
    assert len(refused) == 16 and results.count(None) == 14  # $100 holds 14 × $7, not a cent more
    team = await Team.objects.aget(pk=acme.pk)
    assert (team.balance, team.reserved) == (Decimal("100"), Decimal("98"))
    assert await CreditHold.objects.filter(team=acme).acount() == 14
    assert grew(fresh_pipeline, "writes") == 30 and grew(fresh_pipeline, "slow") == 0
    assert grew(fresh_pipeline, "groups") < 30  # writes that queued meanwhile went together


async def test_a_second_hold_of_one_request_is_the_first(acme):
    assert await hold(acme, "same", "5") is None
    assert await hold(acme, "same", "5") is None
    team = await Team.objects.aget(pk=acme.pk)
    assert team.reserved == Decimal("5")


async def test_settlements_charge_once_each_and_release_their_holds(acme, alice, fresh_pipeline):
    await asyncio.gather(*(hold(acme, f"s{i}", "2") for i in range(10)))
    settled = await asyncio.gather(*(settle(acme, alice.user.pk, f"s{i}", "0.5") for i in range(10)))
    assert {s.charged for s in settled} == {Decimal("0.5")}
    team = await Team.objects.aget(pk=acme.pk)
    assert (team.balance, team.reserved) == (Decimal("95"), Decimal("0"))
    assert await UsageRecord.objects.filter(team=acme).acount() == 10
    assert await CreditLedgerEntry.objects.filter(team=acme, kind="charge").acount() == 10
    assert not await CreditHold.objects.filter(team=acme).aexists()
    assert grew(fresh_pipeline, "slow") == 0


async def test_a_settlement_sent_twice_in_one_group_is_charged_once(acme, alice, fresh_pipeline):
    await hold(acme, "twice", "3")
    first, second = await asyncio.gather(
        settle(acme, alice.user.pk, "twice", "1.25"), settle(acme, alice.user.pk, "twice", "1.25")
    )
    assert first.usage_id == second.usage_id
    assert grew(fresh_pipeline, "slow") == 2  # the unique request id refused the second: both went the slow way
    team = await Team.objects.aget(pk=acme.pk)
    assert (team.balance, team.reserved) == (Decimal("98.75"), Decimal("0"))
    assert await CreditLedgerEntry.objects.filter(team=acme, kind="charge").acount() == 1


async def test_a_charge_beyond_the_balance_is_capped_at_what_is_left(acme, alice):
    await hold(acme, "big", "1")
    settled = await settle(acme, alice.user.pk, "big", "250")
    assert settled.charged == Decimal("100") and settled.balance_after == Decimal("0")
    entry = await CreditLedgerEntry.objects.aget(team=acme, kind="charge")
    assert entry.memo == "capped at available credit (cost 250.00000000)"


async def test_crossing_the_low_balance_threshold_goes_the_slow_way_and_alerts(acme, alice, fresh_pipeline):
    await Team.objects.filter(pk=acme.pk).aupdate(low_balance_threshold=Decimal("90"))
    await hold(acme, "low", "20")
    await settle(acme, alice.user.pk, "low", "15")
    assert grew(fresh_pipeline, "slow") == 1
    assert await BillingAlert.objects.filter(team=acme, kind=BillingAlert.LOW_BALANCE).acount() == 1
    assert (await Team.objects.aget(pk=acme.pk)).balance == Decimal("85")


async def test_a_lost_connection_is_replaced_and_the_write_still_lands(acme, alice):
    await hold(acme, "before", "1")
    writer = pg_pipeline._writers[id(asyncio.get_running_loop())]
    assert writer.conn is not None
    pid = writer.conn.info.backend_pid
    await sync_to_async(_terminate)(pid)
    await hold(acme, "after", "1")  # this group failed on the dead connection, then went the slow way
    assert await CreditHold.objects.filter(request_id="after").aexists()
    await hold(acme, "again", "1")  # and the next group has a new connection
    assert writer.conn is not None and writer.conn.info.backend_pid != pid


def _terminate(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


async def test_budgeted_teams_take_the_ledger_way(acme, monkeypatch):
    from billing.models import Budget

    monkeypatch.undo()  # the real cache of budgeted teams
    await sync_to_async(Budget.objects.create)(team=acme, amount=Decimal("50"), period="monthly")
    await sync_to_async(budgets.budgets_for)(team_id=acme.pk, user_id=None, key_id=None)
    facts = dict(team_id=acme.pk, request_id="b", amount=Decimal("1"), user_id=None, key_id=None, meter=None)
    assert ledger_statements.hold(**facts) is None  # fmt: skip
    budgets.forget_budgeted_teams()
    assert ledger_statements.hold(**facts) is None  # not known without a query: the ledger way too


async def _writer_busy() -> pg_pipeline._LoopWriter:
    writer = pg_pipeline._writers[id(asyncio.get_running_loop())]
    for _ in range(1000):
        if writer.inflight:
            return writer
        await asyncio.sleep(0)
    raise AssertionError("the group never went in flight")


async def test_writes_cut_off_by_the_loops_shutdown_still_land_once_through_the_pool(acme, alice):
    queued = hold(acme, "cut-before", "5")
    pg_pipeline._writers[id(asyncio.get_running_loop())].task.cancel()  # cancelled before it even started
    assert await asyncio.wait_for(queued, 10) is None  # bounded: a write left owed would wait forever

    in_flight = hold(acme, "cut-during", "5")
    (await _writer_busy()).task.cancel()  # cancelled while the group is with the server
    assert await asyncio.wait_for(in_flight, 10) is None

    settling = settle(acme, alice.user.pk, "cut-during", "2")
    (await _writer_busy()).task.cancel()
    assert (await asyncio.wait_for(settling, 10)).charged == Decimal("2")

    team = await Team.objects.aget(pk=acme.pk)
    assert (team.balance, team.reserved) == (Decimal("98"), Decimal("5"))  # one hold each, one charge
    assert await CreditLedgerEntry.objects.filter(team=acme, kind="charge").acount() == 1
    assert await hold(acme, "after-the-cut", "1") is None  # a new connection serves the next group


async def test_the_client_tool_is_written_on_the_hold_the_record_and_its_rollup_bucket(acme, alice, fresh_pipeline):
    meter = HoldMeter(model_requested="gpt-4o-mini", prompt_tokens=10, client_tool="codex")
    statement = ledger_statements.hold(
        team_id=acme.pk, request_id="tool-1", amount=Decimal("1"), user_id=alice.user.pk, key_id=None, meter=meter
    )
    assert statement is not None
    await pg_pipeline.run_statement(statement, order=acme.pk)
    assert (await CreditHold.objects.aget(request_id="tool-1")).client_tool == "codex"
    for request_id, tool in (("tool-1", "codex"), ("tool-2", "claude-code"), ("tool-3", "codex")):
        draft = UsageDraft(request_id=request_id, user_id=alice.user.pk, team_id=acme.pk, key_id=None,
                           model_requested="gpt-4o-mini", cost=Decimal("0.5"), status="ok", client_tool=tool)  # fmt: skip
        settlement = ledger_statements.settlement(draft)
        assert settlement is not None
        await pg_pipeline.run_statement(settlement, order=acme.pk)
    assert (await UsageRecord.objects.aget(request_id="tool-2")).client_tool == "claude-code"
    buckets = {row.client_tool: row.requests async for row in UsageDailyRollup.objects.filter(team=acme)}
    assert buckets == {"codex": 2, "claude-code": 1}
    assert grew(fresh_pipeline, "slow") == 0


async def test_what_was_dropped_is_written_on_the_hold_and_the_record(acme, alice, fresh_pipeline):
    meter = HoldMeter(model_requested="gpt-4o-mini", prompt_tokens=10, dropped="thinking,tools.cache_control")
    statement = ledger_statements.hold(
        team_id=acme.pk, request_id="drop-1", amount=Decimal("1"), user_id=alice.user.pk, key_id=None, meter=meter
    )
    assert statement is not None
    await pg_pipeline.run_statement(statement, order=acme.pk)
    assert (await CreditHold.objects.aget(request_id="drop-1")).dropped == "thinking,tools.cache_control"
    for request_id, dropped in (("drop-1", "thinking,tools.cache_control"), ("drop-2", "")):
        draft = UsageDraft(request_id=request_id, user_id=alice.user.pk, team_id=acme.pk, key_id=None,
                           model_requested="gpt-4o-mini", cost=Decimal("0.5"), status="ok", dropped=dropped)  # fmt: skip
        settlement = ledger_statements.settlement(draft)
        assert settlement is not None
        await pg_pipeline.run_statement(settlement, order=acme.pk)
    notes = {row.request_id: row.dropped async for row in UsageRecord.objects.filter(team=acme)}
    assert notes == {"drop-1": "thinking,tools.cache_control", "drop-2": ""}
    assert grew(fresh_pipeline, "slow") == 0
