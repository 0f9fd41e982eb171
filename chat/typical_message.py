"""What one more message costs in a conversation: its prompt so far plus a typical question and answer,
priced exactly by the catalog's pricing function, and shown rounded to what a reader needs."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Avg

from chat.models import Message
from llmhub.catalog import Prices, cost_of
from llmhub.gateway import prompt_tokens_estimate
from llmhub.providers.base import Usage

TYPICAL_QUESTION_TOKENS = 100  # a short question, for a conversation with no answers to learn from
TYPICAL_ANSWER_TOKENS = 500
SMALLEST_SHOWN = Decimal("0.0001")


@dataclass(frozen=True)
class TypicalMessage:
    """The tokens of the next message here: the prompt (history so far and a question) and the answer."""

    history_tokens: int
    answer_tokens: int

    @property
    def usage(self) -> Usage:
        return Usage(prompt_tokens=self.history_tokens + TYPICAL_QUESTION_TOKENS, completion_tokens=self.answer_tokens)


def typical_message(conversation: Any = None, system: str | None = None) -> TypicalMessage:
    """The next message of `conversation` (None: a new chat). The history is what the last answer's request
    was billed for plus that answer (both go into the next prompt); the answer is the mean of its answers.
    `system`: the system prompt the first message will carry (a project's instructions), when known."""
    if conversation is None or conversation.pk is None:
        history = prompt_tokens_estimate([{"role": "system", "content": system}]) if system else 0
        return TypicalMessage(history, TYPICAL_ANSWER_TOKENS)
    answers = Message.objects.filter(
        conversation_id=conversation.pk, role=Message.ASSISTANT, shown=True, dropped=False, prompt_tokens__gt=0
    )
    last = answers.order_by("-id").values_list("prompt_tokens", "completion_tokens").first()
    if last is None:
        system = conversation.system_prompt if system is None else system
        history = prompt_tokens_estimate([{"role": "system", "content": system}]) if system else 0
        return TypicalMessage(history, TYPICAL_ANSWER_TOKENS)
    mean = answers.filter(completion_tokens__gt=0).aggregate(n=Avg("completion_tokens"))["n"]
    return TypicalMessage(last[0] + last[1], round(mean) if mean else TYPICAL_ANSWER_TOKENS)


def typical_cost(message: TypicalMessage, prices: Prices) -> Decimal:
    """The exact cost (the ledger's 8 places) of `message` at `prices`: tiers and per-request fees included."""
    return cost_of(message.usage, prices)


def approximately(cost: Decimal) -> str:
    """A cost as a reader takes it in: two significant figures under a dollar, cents above, a floor below."""
    if cost == 0:
        return "$0"
    if cost < SMALLEST_SHOWN:
        return f"< ${SMALLEST_SHOWN}"
    if cost >= 1:
        return f"${cost.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    exponent = cost.adjusted() - 1  # two significant figures
    rounded = cost.quantize(Decimal(1).scaleb(exponent), rounding=ROUND_HALF_UP)
    return f"${format(rounded, 'f')}"
