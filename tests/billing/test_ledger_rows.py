"""The usage row has one source (the model), and the raw-driver statements production runs write it whole."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from django.db import connection
from django.db.backends.utils import CursorWrapper
from django.test.utils import CaptureQueriesContext

from billing import ledger_rows
from billing.ledger import UsageDraft, settle_usage
from billing.models import UsageRecord
from tests.billing.conftest import draft_for

pytestmark = pytest.mark.django_db


def test_the_usage_row_is_every_stored_field_of_the_model():
    stored = [f.column for f in UsageRecord._meta.concrete_fields if not f.primary_key]
    assert stored == ledger_rows.USAGE_COLUMNS


def test_a_usage_draft_carries_every_field_of_the_usage_row():
    draft_fields = {f.name for f in dataclasses.fields(UsageDraft)}
    missing = [name for name, _ in ledger_rows.USAGE_PARAMS if name not in draft_fields]
    assert missing == []


def test_unwatched_statements_go_straight_to_the_driver(alice):
    assert not connection.queries_logged and not connection.execute_wrappers
    with connection.cursor() as cursor:
        assert ledger_rows.execute(cursor, "SELECT 1", []) is cursor.cursor


def test_watched_statements_go_through_djangos_cursor(alice):
    with CaptureQueriesContext(connection) as captured, connection.cursor() as cursor:
        assert isinstance(ledger_rows.execute(cursor, "SELECT 1", []), CursorWrapper)
    assert captured.captured_queries


def test_a_settlement_on_the_driver_path_stores_every_field(alice):
    assert not connection.queries_logged
    draft = draft_for(
        alice, "req_raw", "0.00123456", source="chat", provider="openai", stream=True, prompt_tokens=11,
        completion_tokens=22, cached_tokens=3, cache_write_tokens=2, reasoning_tokens=5, images=1,
        tokens_estimated=True, upstream_cost=Decimal("0.0012"), latency_ms=321, ttft_ms=45, error_code="x",
        attempts=[{"model": "gpt-4.1", "status": "ok"}], route={"mode": "auto", "baseline_cost": "0.01"},
        cache_hit=True,
    )  # fmt: skip
    settlement = settle_usage(draft)
    record = UsageRecord.objects.get(pk=settlement.usage_id)
    for name, _ in ledger_rows.USAGE_PARAMS:
        if name != "created_at":
            assert getattr(record, name) == getattr(draft, name), name
    assert record.created_at is not None
    assert (settlement.prompt_tokens, settlement.completion_tokens) == (11, 22)
