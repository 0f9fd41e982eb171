"""Conversation exports: Markdown for reading, JSON for tools."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpResponse

from billing.display import exact_amount
from chat.models import Conversation, Message


def as_markdown(conversation: Conversation) -> str:
    lines = [f"# {conversation.title or 'Conversation'}", ""]
    if conversation.system_prompt:
        lines += ["> System: " + conversation.system_prompt.replace("\n", "\n> "), ""]
    for message in conversation.messages.all():
        if message.role == Message.USER:
            lines += ["## You", "", message.content, ""]
        else:
            lines += [f"## {message.model or 'Assistant'}", "", message.content, ""]
            if message.status == Message.ERROR:
                lines += [f"*Error: {message.error}*", ""]
            elif message.status == Message.CANCELLED:
                lines += ["*Stopped before the end.*", ""]
            elif message.status == Message.INTERRUPTED:
                lines += ["*Interrupted before the end.*", ""]
    return "\n".join(lines)


def as_json(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "title": conversation.title,
        "system_prompt": conversation.system_prompt,
        "model": conversation.model,
        "temperature": conversation.temperature,
        "max_tokens": conversation.max_tokens,
        "created_at": conversation.created_at.isoformat(),
        "messages": [
            {
                "role": m.role,
                "content": m.content,
                "parts": m.parts,
                "model": m.model,
                "status": m.status,
                "error": m.error,
                "request_id": m.request_id,
                "prompt_tokens": m.prompt_tokens,
                "completion_tokens": m.completion_tokens,
                "cost": exact_amount(m.cost),
                "latency_ms": m.latency_ms,
                "created_at": m.created_at.isoformat(),
            }
            for m in conversation.messages.all()
        ],
    }


def export_response(conversation: Conversation, fmt: str) -> HttpResponse:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", conversation.title or "conversation").strip("-")[:50] or "conversation"
    if fmt == "md":
        response = HttpResponse(as_markdown(conversation), content_type="text/markdown; charset=utf-8")
    elif fmt == "json":
        body = json.dumps(as_json(conversation), indent=2, ensure_ascii=False)
        response = HttpResponse(body, content_type="application/json")
    else:
        raise Http404("Export as .md or .json.")
    response["Content-Disposition"] = f'attachment; filename="{slug}.{fmt}"'
    return response
