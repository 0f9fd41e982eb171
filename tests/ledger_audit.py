"""With AUDIT_LEDGER=1 (.ci/run sets it), every test that used the database ends with `audit_ledger` on the
books it left, before they are rolled back or flushed (all rules but balance-vs-ledger, see below); tests that
build a breach on purpose are marked `ledger_breach`. A breach fails the test that left it, naming it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

_audited: list[str] = []


def pytest_configure(config: Any) -> None:
    config.addinivalue_line("markers", "ledger_breach: builds broken books on purpose (skipped by the ledger audit)")


@pytest.fixture(autouse=True)
def _books_are_whole_after_each_test(request: Any) -> Iterator[None]:
    uses_db = request.node.get_closest_marker("django_db") is not None or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not os.environ.get("AUDIT_LEDGER") or not uses_db or request.node.get_closest_marker("ledger_breach"):
        yield
        return
    from django.utils import timezone

    from billing.audit import audit_ledger

    request.getfixturevalue("_django_db_helper")  # set up before this fixture, so torn down after the audit
    started = timezone.now()
    yield
    # Holds a test dated in the past (time travel) are not stale; a hold it took in real time and left is.
    # Many tests stage a low balance with a direct UPDATE (no ledger row), so "balance" is left to the full
    # audit (the command, and the chaos tests); every other rule holds after every test.
    breaches = [b for b in audit_ledger(holds_since=started) if b.rule != "balance"]
    named = "; ".join(str(b) for b in breaches[:10]) + (
        f"; and {len(breaches) - 10} more" if len(breaches) > 10 else ""
    )
    assert not breaches, f"audit_ledger: {named}"
    _audited.append(request.node.nodeid)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if os.environ.get("AUDIT_LEDGER"):
        terminalreporter.write_line(f"audit_ledger: the books of {len(_audited)} tests audited after each, all whole")
