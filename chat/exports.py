"""Conversation exports: Markdown for reading, JSON for tools; both include every version of an answer."""

from __future__ import annotations

import json
import re
from typing import Any

from django.http import Http404, HttpResponse

from billing.display import exact_amount
from chat.documents import shown_documents
from chat.models import Conversation, Message
from chat.versions import billed_total, thread

ENDINGS = {
    Message.ERROR: None,
    Message.CANCELLED: "*Stopped before the end.*",
    Message.INTERRUPTED: "*Interrupted before the end.*",
}


def _versions(conversation: Conversation) -> dict[int, list[Message]]:
    found: dict[int, list[Message]] = {}
    for answer in conversation.messages.filter(role=Message.ASSISTANT, dropped=False, reply_to__isnull=False):
        found.setdefault(answer.reply_to_id or 0, []).append(answer)
    return found


def _answer_lines(message: Message, heading: str) -> list[str]:
    lines = [heading, ""]
    if message.asked:
        lines += [f"*Answer to an earlier wording: {message.asked}*", ""]
    lines += [message.content, ""]
    if message.status == Message.ERROR:
        lines += [f"*Error: {message.error}*", ""]
    elif ENDINGS.get(message.status):
        lines += [str(ENDINGS[message.status]), ""]
    return lines


def as_markdown(conversation: Conversation) -> str:
    lines = [f"# {conversation.title or 'Conversation'}", ""]
    if conversation.system_prompt:
        lines += ["> System: " + conversation.system_prompt.replace("\n", "\n> "), ""]
    versions = _versions(conversation)
    for message in thread(conversation):
        if message.role == Message.USER:
            lines += ["## You", "", message.content, ""]
            attached = [f"{d['name']} ({d['size_label']})" for d in shown_documents(message)]
            if attached:
                lines += [f"*Attached: {', '.join(attached)}*", ""]
            continue
        kept = versions.get(message.reply_to_id or 0, [message])
        if len(kept) < 2:
            lines += _answer_lines(message, f"## {message.model or 'Assistant'}")
            continue
        for number, version in enumerate(kept, start=1):
            shown = " (shown)" if version.id == message.id else ""
            lines += _answer_lines(
                version, f"## {version.model or 'Assistant'} — version {number} of {len(kept)}{shown}"
            )
    return "\n".join(lines)


def _message_json(m: Message) -> dict[str, Any]:
    return {
        "role": m.role,
        "content": m.content,
        "parts": m.parts,
        "sources": m.sources or [],
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


def as_json(conversation: Conversation) -> dict[str, Any]:
    versions = _versions(conversation)
    messages = []
    for m in thread(conversation):
        body = _message_json(m)
        if m.role == Message.ASSISTANT:
            kept = versions.get(m.reply_to_id or 0, [m])
            body["versions"] = [{**_message_json(v), "asked": v.asked, "shown": v.id == m.id} for v in kept]
        messages.append(body)
    return {
        "id": conversation.id,
        "title": conversation.title,
        "system_prompt": conversation.system_prompt,
        "model": conversation.model,
        "temperature": conversation.temperature,
        "max_tokens": conversation.max_tokens,
        "created_at": conversation.created_at.isoformat(),
        "total_cost": exact_amount(billed_total(conversation)),
        "messages": messages,
        "removed": [_message_json(m) for m in conversation.messages.filter(dropped=True)],
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
