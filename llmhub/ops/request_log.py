"""With LOG_FORMAT=json, each settled request logs one JSON line (formatter: llmhub.ops.json_logs) with its
request id, team, user, the tool that sent it, model, status, tokens, cost and latency."""

from __future__ import annotations

import logging

from billing.ledger import UsageDraft

log = logging.getLogger("llmhub.requests")


def log_settlement(draft: UsageDraft) -> None:
    """The request's one line (at INFO on `llmhub.requests`)."""
    if not log.isEnabledFor(logging.INFO):
        return
    fields = {
        "request_id": draft.request_id,
        "team": draft.team_id,
        "user": draft.user_id,
        "key": draft.key_id,
        "source": draft.source,
        "client_tool": draft.client_tool,
        "dropped": draft.dropped,
        "model": draft.model_served or draft.model_requested,
        "provider": draft.provider,
        "status": draft.status,
        "error_code": draft.error_code,
        "prompt_tokens": draft.prompt_tokens,
        "completion_tokens": draft.completion_tokens,
        "cost": str(draft.cost),
        "latency_ms": draft.latency_ms,
        "ttft_ms": draft.ttft_ms,
    }
    log.info("request settled", extra={"fields": fields})
