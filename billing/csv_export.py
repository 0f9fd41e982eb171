"""CSV exports of usage records (the spend review's, a team's) and of refusals, streamed row by row, with
exact Decimal totals that match the ledger and every user-written text cell kept from being a formula."""

from __future__ import annotations

import csv
import itertools
from collections.abc import AsyncIterator, Iterator
from decimal import Decimal

from asgiref.sync import sync_to_async
from django.db.models import QuerySet
from django.http import StreamingHttpResponse

from billing.display import exact_amount
from billing.models import Refusal, UsageRecord
from billing.money import ZERO
from billing.reports import SpendFilter, spend_by

RECORD_HEADER = [
    "created_at_utc", "request_id", "team", "user", "key", "source", "client_tool", "model_requested", "model_served",
    "provider", "status", "error_code", "prompt_tokens", "completion_tokens", "cached_tokens",
    "reasoning_tokens", "cost_usd", "charged_usd", "upstream_cost_usd", "latency_ms",
]  # fmt: skip


class _Echo:
    def write(self, value: str) -> str:
        return value


def spreadsheet_text(value: str) -> str:
    """Neutralise spreadsheet formulas in text that came from users (key names, slugs, usernames, models)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def spreadsheet_texts(*values: str) -> list[str]:
    """Every text column of a row neutralised: slugs, usernames and ids can start with "=" or "-" too."""
    return [spreadsheet_text(value) for value in values]


def record_rows(records: QuerySet[UsageRecord]) -> Iterator[list[str]]:
    """One row per usage record (of selectors.usage_records or a narrower set), then a TOTAL row;
    charged_usd is the ledger's charge for the record."""
    yield RECORD_HEADER
    prompt = completion = 0
    cost = charged = ZERO
    for record in records.select_related("team", "user", "key", "charge").iterator(chunk_size=2000):
        row_charged = _charged(record)
        prompt += record.prompt_tokens
        completion += record.completion_tokens
        cost += record.cost
        charged += row_charged
        yield [
            record.created_at.isoformat(), *spreadsheet_texts(record.request_id, record.team.slug, record.user.username,
            record.key.prefix if record.key else "", record.source, record.client_tool, record.model_requested,
            record.model_served, record.provider, record.status, record.error_code),
            str(record.prompt_tokens), str(record.completion_tokens), str(record.cached_tokens),
            str(record.reasoning_tokens), exact_amount(record.cost), exact_amount(row_charged),
            "" if record.upstream_cost is None else exact_amount(record.upstream_cost), str(record.latency_ms),
        ]  # fmt: skip
    yield [
        "TOTAL",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        str(prompt),
        str(completion),
        "",
        "",
        exact_amount(cost),
        exact_amount(charged),
        "",
        "",
    ]


def _charged(record: UsageRecord) -> Decimal:
    try:
        return -record.charge.amount
    except UsageRecord.charge.RelatedObjectDoesNotExist:
        return ZERO  # synthetic records (generate_usage) carry no charge


REFUSAL_HEADER = ["created_at_utc", "request_id", "user", "key", "model", "status", "code", "message"]


def refusal_rows(refusals: QuerySet[Refusal]) -> Iterator[list[str]]:
    """One row per refused request: who, when, which key and model, and why (never charged, so no money)."""
    yield REFUSAL_HEADER
    for refusal in refusals.select_related("user", "key").iterator(chunk_size=2000):
        yield [
            refusal.created_at.isoformat(), *spreadsheet_texts(refusal.request_id, refusal.user.username if refusal.user else "",
            refusal.key.prefix if refusal.key else "", refusal.model), str(refusal.status),
            *spreadsheet_texts(refusal.code, refusal.message),
        ]  # fmt: skip


def breakdown_rows(spend: SpendFilter, dimension: str) -> Iterator[list[str]]:
    """One row per team, user, model, provider or tool, then a TOTAL row."""
    yield [dimension, "requests", "tokens", "cost_usd"]
    rows = spend_by(spend, dimension)
    for row in rows:
        yield [spreadsheet_text(row.label), str(row.requests), str(row.tokens), exact_amount(row.cost)]
    total = sum((row.cost for row in rows), ZERO)
    yield ["TOTAL", str(sum(r.requests for r in rows)), str(sum(r.tokens for r in rows)), exact_amount(total)]


async def _stream(rows: Iterator[list[str]]) -> AsyncIterator[str]:
    """Hand the rows to the server a thousand at a time. An async iterator, because under ASGI Django
    would read a sync one to the end into memory before sending a byte."""
    writer = csv.writer(_Echo())

    def next_lines() -> str:
        return "".join(writer.writerow(row) for row in itertools.islice(rows, 1000))

    # thread_sensitive: every chunk runs on the same thread, so the database cursor stays valid.
    while text := await sync_to_async(next_lines)():
        yield text


def csv_response(rows: Iterator[list[str]], filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(_stream(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
