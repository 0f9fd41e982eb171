"""Reads of the usage ledger for the API: one generation by request id, for its owner only."""

from __future__ import annotations

from typing import Any

from billing.models import UsageRecord


def generation_for(request_id: str, user_id: int) -> dict[str, Any] | None:
    record = UsageRecord.objects.filter(request_id=request_id, user_id=user_id).first()
    if record is None:
        return None
    return {
        "id": record.request_id,
        "created_at": record.created_at.isoformat(),
        "model_requested": record.model_requested,
        "model": record.model_served,
        "provider": record.provider,
        "stream": record.stream,
        "status": record.status,
        "error_code": record.error_code,
        "usage": {
            "prompt_tokens": record.prompt_tokens,
            "completion_tokens": record.completion_tokens,
            "total_tokens": record.total_tokens,
            "cached_tokens": record.cached_tokens,
            "reasoning_tokens": record.reasoning_tokens,
            "estimated": record.tokens_estimated,
        },
        "cost": record.cost,
        "upstream_cost": record.upstream_cost,
        "latency_ms": record.latency_ms,
        "ttft_ms": record.ttft_ms,
        "attempts": record.attempts,
        "route": record.route,
        "cache_hit": record.cache_hit,
    }
