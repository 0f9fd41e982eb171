"""Live search of a person's own conversations (titles and message text), with a snippet around the match.

Snippets are plain-text segments, the match flagged; the page builds them with textContent and <mark>, so
no user text is ever parsed as HTML. icontains on both databases; the result count is bounded.
"""

from __future__ import annotations

import re
from typing import Any

from django.db.models import Max, Q

from chat.models import Conversation, Message

MAX_QUERY_CHARS = 200
MAX_RESULTS = 20
CONTEXT_CHARS = 60

Segments = list[dict[str, Any]]


def clean_query(query: str) -> str:
    """Whitespace collapsed, NULs (which PostgreSQL cannot compare) dropped, cut to a sane length."""
    return " ".join(query.replace("\x00", "").split())[:MAX_QUERY_CHARS]


def marked(text: str, query: str, context: int | None = None) -> Segments:
    """`text` as segments with the first match of `query` flagged; around it `context` characters each side
    (cut at a space when one is near) with ellipses, or all of `text` when `context` is None."""
    found = re.search(re.escape(query), text, re.IGNORECASE) if query else None
    if found is None:
        head = text if context is None else text[: context * 2]
        return [{"text": head + ("…" if len(head) < len(text) else ""), "mark": False}]
    start, end = found.span()
    before, after = text[:start], text[end:]
    if context is not None:
        if len(before) > context:
            cut = before[-context:]
            before = "…" + (cut.split(" ", 1)[1] if " " in cut[:15] else cut)
        if len(after) > context:
            cut = after[:context]
            after = (cut.rsplit(" ", 1)[0] if " " in cut[-15:] else cut) + "…"
    segments = [
        {"text": before, "mark": False},
        {"text": text[start:end], "mark": True},
        {"text": after, "mark": False},
    ]
    return [s for s in segments if s["text"]]


def _one_line(text: str) -> str:
    return " ".join(text.split())


def search_conversations(user: Any, query: str) -> list[dict[str, Any]]:
    """The user's conversations whose title or (kept) message text holds `query`, newest first."""
    query = clean_query(query)
    if not query:
        return []
    mine = Conversation.objects.filter(owner_id=getattr(user, "id", None))
    messages = Message.objects.filter(conversation__in=mine, dropped=False, content__icontains=query)
    found = list(
        mine.filter(Q(title__icontains=query) | Q(id__in=messages.values("conversation_id"))).only("id", "title")[
            :MAX_RESULTS
        ]
    )
    # The newest matching message of each conversation found: at most MAX_RESULTS texts are read.
    newest = (
        messages.filter(conversation_id__in=[c.id for c in found])
        .values("conversation_id")
        .annotate(newest=Max("id"))
        .values_list("newest", flat=True)
    )
    texts = dict(Message.objects.filter(id__in=list(newest)).values_list("conversation_id", "content"))
    return [
        {
            "id": conversation.id,
            "url": f"/c/{conversation.id}/",
            "title": marked(str(conversation), query),
            "snippet": marked(_one_line(texts[conversation.id]), query, CONTEXT_CHARS)
            if conversation.id in texts
            else [],
        }
        for conversation in found
    ]
