"""Answer versions: regenerate and edit keep earlier answers, one shown at a time; the bill counts them all."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import QuerySet, Sum

from billing.models import UsageRecord
from chat.models import Conversation, Message
from llmhub.errors import InvalidRequest


def thread(conversation: Conversation) -> QuerySet[Message]:
    """The conversation as shown and sent as history: not dropped, the chosen version of each answer."""
    return conversation.messages.filter(dropped=False, shown=True)


def versions_by_question(conversation: Conversation) -> dict[int, list[int]]:
    """Ids of every kept answer to each user message, oldest first."""
    found: dict[int, list[int]] = {}
    rows = conversation.messages.filter(role=Message.ASSISTANT, dropped=False, reply_to__isnull=False)
    for answer_id, question_id in rows.order_by("id").values_list("id", "reply_to_id"):
        found.setdefault(question_id, []).append(answer_id)
    return found


def version_info(message: Message, versions: dict[int, list[int]] | None = None) -> dict[str, Any]:
    """{"ids": [...], "index": i} of an answer among its versions (index counts from 0)."""
    if message.reply_to_id is None:
        return {"ids": [message.id], "index": 0}
    if versions is None:
        ids = list(
            Message.objects.filter(reply_to_id=message.reply_to_id, role=Message.ASSISTANT, dropped=False)
            .order_by("id")
            .values_list("id", flat=True)
        )
    else:
        ids = versions.get(message.reply_to_id, [message.id])
    return {"ids": ids, "index": ids.index(message.id) if message.id in ids else len(ids) - 1}


def retire_answers(question: Message, *, new_wording: str | None = None) -> None:
    """A new answer to `question` is coming: its answers so far become hidden versions and any later
    turns leave the conversation (kept, dropped, for the bill and the exports)."""
    conversation_messages = Message.objects.filter(conversation_id=question.conversation_id, id__gt=question.id)
    conversation_messages.exclude(reply_to=question).update(dropped=True, shown=False)
    answers = Message.objects.filter(reply_to=question, role=Message.ASSISTANT)
    if new_wording is not None and new_wording != question.content:
        answers.filter(asked="").update(asked=question.content)
    answers.update(shown=False)


@transaction.atomic
def show_version(conversation: Conversation, answer_id: int) -> tuple[int | None, Message]:
    """Show another version of an answer; returns the id of the version hidden and the one shown."""
    answer = conversation.messages.filter(
        id=answer_id, role=Message.ASSISTANT, dropped=False, reply_to__isnull=False
    ).first()
    if answer is None:
        raise InvalidRequest("That version does not exist.")
    if conversation.messages.filter(status=Message.STREAMING).exists():
        raise InvalidRequest("An answer is still being written. Stop it first (Esc).")
    siblings = Message.objects.filter(reply_to_id=answer.reply_to_id, role=Message.ASSISTANT)
    hidden = siblings.filter(shown=True).exclude(id=answer.id).values_list("id", flat=True).first()
    siblings.exclude(id=answer.id).update(shown=False)
    Message.objects.filter(id=answer.id).update(shown=True)
    answer.shown = True
    return hidden, answer


def billed_total(conversation: Conversation) -> Decimal:
    """What the conversation's requests were billed, versions and removed turns included (the usage ledger)."""
    request_ids = conversation.messages.exclude(request_id="").values("request_id")
    total = UsageRecord.objects.filter(request_id__in=request_ids).aggregate(total=Sum("cost"))["total"]
    return total or Decimal("0")
