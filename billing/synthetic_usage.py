"""Synthetic usage records for benchmarks and demos: realistic mixes, written in fast batches.

Generated records are not charged (no credit-ledger rows, balances untouched): never run this on a
database whose spend matters. Their rollups are added, so dashboards show them.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.utils import timezone

from billing.keys import issue_key
from billing.models import HubKey, Membership, Team, UsageRecord
from billing.money import MILLION, to_usd
from billing.rollups import Bucket, Sums, accumulate, add_buckets, hub_day, is_price_mismatch, routing_savings

# (model, provider, input $/1M, output $/1M, weight): a plausible mix, cheap models used most.
MODELS = [
    ("gpt-4o-mini", "openai", Decimal("0.15"), Decimal("0.60"), 30),
    ("gpt-4o", "openai", Decimal("2.50"), Decimal("10"), 12),
    ("claude-sonnet-4", "anthropic", Decimal("3"), Decimal("15"), 14),
    ("claude-haiku-3.5", "anthropic", Decimal("0.80"), Decimal("4"), 12),
    ("gemini-2.5-flash", "gemini", Decimal("0.30"), Decimal("2.50"), 16),
    ("gemini-2.5-pro", "gemini", Decimal("1.25"), Decimal("10"), 6),
    ("deepseek-chat", "deepseek", Decimal("0.27"), Decimal("1.10"), 8),
    ("llama-3.1-8b", "ollama", Decimal("0"), Decimal("0"), 2),
]
COLUMNS = [
    "request_id",
    "created_at",
    "user_id",
    "team_id",
    "key_id",
    "source",
    "model_requested",
    "model_served",
    "provider",
    "stream",
    "prompt_tokens",
    "completion_tokens",
    "cached_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "images",
    "tokens_estimated",
    "tokens_clamped",
    "cost",
    "upstream_cost",
    "latency_ms",
    "ttft_ms",
    "status",
    "error_code",
    "attempts",
    "route",
    "cache_hit",
    "client_tool",
]
# (tool, weight): which tools the synthetic requests come from.
TOOLS = [("claude-code", 25), ("codex", 15), ("openai-python", 25), ("opencode", 8), ("gemini-cli", 7), ("curl", 5),
         ("other", 15)]  # fmt: skip
BATCH = 10_000


@dataclass(frozen=True)
class Author:
    team_id: int
    user_id: int
    key_id: int | None


def synthetic_authors(*, teams: int = 4, users_per_team: int = 10) -> list[Author]:
    """Teams synthetic-1..N with users synthetic-T-U (one key each), created if missing."""
    users = get_user_model().objects
    authors = []
    for t in range(1, teams + 1):
        team, _ = Team.objects.get_or_create(slug=f"synthetic-{t}", defaults={"name": f"Synthetic {t}"})
        for u in range(1, users_per_team + 1):
            user, created = users.get_or_create(username=f"synthetic-{t}-{u}")
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            role = Membership.ADMIN if u == 1 else Membership.MEMBER
            Membership.objects.get_or_create(user=user, team=team, defaults={"role": role})
            key = (
                HubKey.objects.filter(user=user, team=team).first() or issue_key(user=user, team=team, name="bench")[0]
            )
            authors.append(Author(team.pk, user.pk, key.pk))
    return authors


def team_authors(team: Team) -> list[Author]:
    """Every member of an existing team, with one of their keys when they have one."""
    authors = []
    for membership in Membership.objects.filter(team=team):
        key = HubKey.objects.filter(user_id=membership.user_id, team=team, revoked_at__isnull=True).first()
        authors.append(Author(team.pk, membership.user_id, key.pk if key else None))
    return authors


def _record(rng: random.Random, author: Author, now: dt.datetime, days: int) -> tuple[list[Any], Bucket, Sums]:
    model, provider, price_in, price_out, _ = rng.choices(MODELS, weights=[m[4] for m in MODELS])[0]
    created = now - dt.timedelta(seconds=rng.random() * days * 86400)
    prompt, completion = int(rng.lognormvariate(6.5, 1.0)), int(rng.lognormvariate(5.5, 0.9))
    roll = rng.random()
    status = "ok" if roll < 0.95 else ("error" if roll < 0.98 else "cancelled")
    if status == "error":
        completion = 0
    cost = to_usd((prompt * price_in + completion * price_out) / MILLION)
    upstream_cost = None
    if rng.random() < 0.3:
        upstream_cost = cost if rng.random() < 0.97 else to_usd(cost * Decimal("1.05"))
    route = None
    if rng.random() < 0.1:
        route = {"mode": "auto", "reason": "synthetic", "baseline_model": "gpt-4o", "baseline_cost": str(cost * 3)}
    tool = rng.choices(TOOLS, weights=[t[1] for t in TOOLS])[0][0]
    row = [
        f"gen-{uuid.uuid4().hex}",
        created,
        author.user_id,
        author.team_id,
        author.key_id,
        "api",
        model,
        model if status != "error" else "",
        provider,
        rng.random() < 0.6,
        prompt,
        completion,
        0,
        0,
        0,
        0,
        False,
        False,
        cost,
        upstream_cost,
        int(rng.lognormvariate(6.8, 0.6)),
        None,
        status,
        "upstream_error" if status == "error" else "",
        "[]",
        json.dumps(route) if route else None,
        False,
        tool,
    ]
    bucket = (hub_day(created), author.team_id, author.user_id, author.key_id, model, provider, tool)
    sums = Sums(
        requests=1,
        errors=int(status != "ok"),
        prompt_tokens=prompt,
        completion_tokens=completion,
        cost=cost,
        savings=routing_savings(route, cost),
        price_mismatches=int(is_price_mismatch(cost, upstream_cost)),
    )
    return row, bucket, sums


def _write_batch(rows: list[list[Any]]) -> None:
    table = UsageRecord._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY is several times faster than INSERT for a million rows.
            with cursor.cursor.copy(f"COPY {table} ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        ops = connection.ops
        created_at = COLUMNS.index("created_at")
        for row in rows:
            row[created_at] = ops.adapt_datetimefield_value(row[created_at])
        placeholders = ", ".join(["%s"] * len(COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(COLUMNS)}) VALUES ({placeholders})", rows)


def generate_usage(
    count: int,
    *,
    authors: list[Author],
    days: int = 90,
    seed: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Write `count` synthetic records spread over the last `days` days, plus their rollups."""
    if not authors:
        raise ValueError("no users to attribute usage to")
    rng = random.Random(seed)
    now = timezone.now()
    written = 0
    buckets: dict[Bucket, Sums] = {}  # a million records fall into a few tens of thousands of buckets
    with transaction.atomic():
        for size in _batch_sizes(count):
            rows = []
            for _ in range(size):
                row, bucket, sums = _record(rng, rng.choice(authors), now, days)
                rows.append(row)
                accumulate(buckets, bucket, sums)
            _write_batch(rows)
            written += size
            if progress:
                progress(written)
        add_buckets(buckets)
    return written


def _batch_sizes(count: int) -> Iterator[int]:
    while count > 0:
        yield min(BATCH, count)
        count -= BATCH
