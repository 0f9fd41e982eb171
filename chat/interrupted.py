"""Answers whose writer died (crash, restart, deploy): found by a stale heartbeat, finalised as interrupted.

The process writing an answer touches `Message.heartbeat_at` every SAVE_EVERY_SECONDS, whichever process
or server that is; nothing else does. So an answer still `streaming` whose heartbeat is older than
STALE_AFTER_SECONDS has no live writer anywhere, and any process may close it. The text saved so far is
kept; billing is not touched (the gateway settles, or its hold expires, on its own).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from billing.models import UsageRecord
from chat.models import Message

SAVE_EVERY_SECONDS = 3.0
STALE_AFTER_SECONDS = 30.0  # ten missed heartbeats: a live writer is never this late
NOTE = "This answer was interrupted before it finished (the server restarted or lost it). Press Regenerate to write it again."


def _stale_before() -> datetime:
    return timezone.now() - timedelta(seconds=STALE_AFTER_SECONDS)


def _writerless(conversation_id: int, written_here: Collection[int]) -> list[Message]:
    found = Message.objects.filter(conversation_id=conversation_id, status=Message.STREAMING).exclude(
        id__in=list(written_here)
    )
    return list(found.filter(Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=_stale_before())))


def _metering(message: Message) -> None:
    """Copy tokens and cost from the usage record, if the gateway settled one (read only)."""
    record = UsageRecord.objects.filter(request_id=message.request_id).first() if message.request_id else None
    if record is not None:
        message.prompt_tokens, message.completion_tokens = record.prompt_tokens, record.completion_tokens
        message.cost = record.cost
        message.model = record.model_served or message.model


def finalise_interrupted(conversation_id: int, *, written_here: Collection[int] = ()) -> list[Message]:
    """Mark the conversation's writerless answers interrupted (text kept); return them."""
    closed = []
    for message in _writerless(conversation_id, written_here):
        _metering(message)
        # Conditional: a writer that was only slow, and finished meanwhile, keeps its own result.
        updated = Message.objects.filter(id=message.id, status=Message.STREAMING).update(
            status=Message.INTERRUPTED,
            error=NOTE,
            error_code="interrupted",
            prompt_tokens=message.prompt_tokens,
            completion_tokens=message.completion_tokens,
            cost=message.cost,
            model=message.model,
        )
        if updated:
            message.status, message.error, message.error_code = Message.INTERRUPTED, NOTE, "interrupted"
            closed.append(message)
    return closed


def seconds_until_stale(conversation_id: int, *, written_here: Collection[int] = ()) -> float | None:
    """When the next answer written elsewhere would count as writerless, if it stops beating; None if none."""
    beats = (
        Message.objects.filter(conversation_id=conversation_id, status=Message.STREAMING, heartbeat_at__isnull=False)
        .exclude(id__in=list(written_here))
        .values_list("heartbeat_at", flat=True)
    )
    known = [beat for beat in beats if beat is not None]
    if not known:
        return None
    oldest = min(known)
    return max(0.0, (oldest - _stale_before()).total_seconds())
