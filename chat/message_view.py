"""How messages look to the browser: JSON for the socket and context for the templates."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from billing.display import exact_amount, format_usd
from chat.answer_feedback import feedback_json, owner_feedback, rateable
from chat.attachments import shown_urls
from chat.documents import shown_documents
from chat.markdown_render import render_markdown
from chat.models import AnswerFeedback, Message
from chat.provider_failures import fallback_note
from chat.versions import version_info


def format_cost(value: Decimal | int | None) -> str:
    """Dollars with enough places that a cheap answer does not show as $0.00."""
    amount = Decimal(value or 0)
    if amount == 0:
        return "$0"
    if abs(amount) >= Decimal("0.01"):
        return f"${amount:,.4f}".rstrip("0").rstrip(".") if abs(amount) < 1 else f"${amount:,.2f}"
    return f"${amount:.6f}".rstrip("0")


def format_credits(value: Decimal | int | None) -> str:
    """A team balance as the billing pages show it: cents at or above a dollar, four places below."""
    return format_usd(Decimal(value or 0))


def image_urls(message: Message) -> list[str]:
    return shown_urls(message)


def route_view(message: Message) -> dict[str, str] | None:
    """An auto-routed answer: the route asked for, the model the router chose and why."""
    if not message.routed_as:
        return None
    decision = message.route if isinstance(message.route, dict) else {}
    return {
        "asked": message.routed_as,
        "model": str(decision.get("model") or message.model),
        "reason": str(decision.get("reason") or ""),
    }


def message_json(
    message: Message,
    versions: dict[int, list[int]] | None = None,
    feedback: dict[int, AnswerFeedback] | None = None,
) -> dict[str, Any]:
    """`feedback`: the reader's votes by answer id, read once for a page; without it, the owner's is read."""
    body: dict[str, Any] = {
        "id": message.id,
        "role": message.role,
        "status": message.status,
        "model": message.model,
        "images": image_urls(message),
        "documents": shown_documents(message) if message.parts else [],
    }
    if message.role == Message.USER:
        body["content"] = message.content
    else:
        body["html"] = render_markdown(message.content)
        body.update(
            error=message.error,
            prompt_tokens=message.prompt_tokens,
            completion_tokens=message.completion_tokens,
            cost=exact_amount(message.cost),
            request_id=message.request_id,
            latency_ms=message.latency_ms,
            ttft_ms=message.ttft_ms,
            versions=version_info(message, versions),
            asked=message.asked,
            route=route_view(message),
            fallback_note=fallback_note(message.fallback),
            rateable=rateable(message),
            feedback=feedback_json(feedback.get(message.id) if feedback is not None else owner_feedback(message)),
            refusal=message.refusal if message.status == Message.ERROR else None,
            sources=message.sources or [],
        )
    return body


def message_context(
    message: Message,
    versions: dict[int, list[int]] | None = None,
    feedback: dict[int, AnswerFeedback] | None = None,
) -> dict[str, Any]:
    """A message for templates/chat/_message.html; `feedback`: the reader's votes by answer id."""
    info = version_info(message, versions) if message.role == Message.ASSISTANT else None
    ids: list[int] = info["ids"] if info else []
    index: int = info["index"] if info else 0
    return {
        "m": message,
        "route": route_view(message),
        "fallback_note": fallback_note(message.fallback),
        "versions": {
            "count": len(ids),
            "number": index + 1,
            "previous": ids[index - 1] if index > 0 else None,
            "next": ids[index + 1] if index + 1 < len(ids) else None,
        },
        "html": render_markdown(message.content) if message.role == Message.ASSISTANT else "",
        "images": image_urls(message),
        "documents": shown_documents(message) if message.parts else [],
        "sources": message.sources or [],
        "cost": format_cost(message.cost),
        "rateable": rateable(message),
        "feedback": feedback_json((feedback or {}).get(message.id)),
        "refusal": message.refusal if message.status == Message.ERROR else None,
    }
