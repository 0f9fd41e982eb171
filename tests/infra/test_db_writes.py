"""The request path's database writes: group commit (writes queued together share one transaction,
each in its own savepoint) and, on SQLite, WAL checkpoints kept off the request threads."""

from __future__ import annotations

import asyncio
import threading
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db import connection

from billing.ledger import reserve_credits
from billing.models import CreditHold, Team
from llmhub.errors import InsufficientCredits
from llmhub.infra import sqlite_wal
from llmhub.infra.db_executor import close_db_connections, run_db, run_db_write

pytestmark = pytest.mark.django_db(transaction=True)
sqlite_only = pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's write-ahead log")


@pytest.fixture(autouse=True)
def fresh_pool(django_db_blocker):
    yield
    with django_db_blocker.unblock():
        close_db_connections()  # before the test database is flushed or dropped


def in_shared_transaction() -> bool:
    return bool(connection.in_atomic_block)


async def test_writes_queued_behind_a_running_one_commit_together_and_fail_alone(acme):
    gate = threading.Event()
    first = run_db_write(lambda: gate.wait(5))  # holds the database thread while the others queue
    await asyncio.sleep(0.05)
    queued: list[asyncio.Future[object]] = [
        run_db_write(reserve_credits, team_id=acme.pk, request_id="r1", amount=Decimal("30"), order=acme.pk),
        run_db_write(reserve_credits, team_id=acme.pk, request_id="r2", amount=Decimal("500"), order=acme.pk),
        run_db_write(reserve_credits, team_id=acme.pk, request_id="r3", amount=Decimal("20"), order=acme.pk),
        run_db_write(in_shared_transaction, order=acme.pk),
    ]
    gate.set()
    assert await first is True
    r1, r2, r3, shared = await asyncio.gather(*queued, return_exceptions=True)
    assert (r1, r3) == (None, None)
    assert isinstance(r2, InsufficientCredits)  # refused alone: its group-mates' holds still commit
    assert shared is True  # it ran inside the group's transaction
    holds = await sync_to_async(lambda: sorted(CreditHold.objects.values_list("request_id", flat=True)))()
    assert holds == ["r1", "r3"]
    team = await Team.objects.aget(pk=acme.pk)
    assert team.reserved == Decimal("50")


async def test_a_write_alone_runs_in_its_own_transaction(acme):
    assert await run_db_write(in_shared_transaction) is False
    await run_db_write(reserve_credits, team_id=acme.pk, request_id="alone", amount=Decimal("1"), order=acme.pk)
    assert await CreditHold.objects.filter(request_id="alone").aexists()


def autocheckpoint_setting() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_autocheckpoint")
        return int(cursor.fetchone()[0])


@sqlite_only
async def test_request_threads_leave_wal_checkpoints_to_the_background_thread(acme):
    assert await run_db(autocheckpoint_setting) == 0
    assert await sync_to_async(autocheckpoint_setting, thread_sensitive=False)() == 1000  # SQLite's default
    assert any(thread.name == "llmhub-sqlite-checkpoint" for thread in threading.enumerate())


@sqlite_only
def test_a_long_write_ahead_log_is_restarted_from_its_beginning(acme, monkeypatch):
    def write() -> None:
        acme.name = acme.name + "!"
        acme.save(update_fields=["name"])

    for _ in range(20):
        write()
    _, logged_before, _ = sqlite_wal.checkpoint_now()
    monkeypatch.setattr(sqlite_wal, "RESTART_AFTER_FRAMES", 10)
    sqlite_wal.checkpoint_and_restart_if_long()
    write()  # the first commit after a restart writes from the log's beginning
    _, logged_after, _ = sqlite_wal.checkpoint_now()
    assert logged_before >= 20 and logged_after < 5
