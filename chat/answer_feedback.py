"""Thumbs up or down, with an optional note, on a chat answer: one per person and answer version, changeable;
and the team's counts per model that the leaderboard shows beside the compare rating."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils.translation import gettext as _

from chat.models import AnswerFeedback, Message
from llmhub.errors import InvalidRequest, NotFound

MAX_NOTE = 1000  # characters
RATINGS = {"up": True, "down": False}
UNRATEABLE = (Message.STREAMING, Message.ERROR)  # not an answer yet, or none at all


@dataclass
class Thumbs:
    """A model's feedback in one team: thumbs each way and what the rated answers cost."""

    up: int = 0
    down: int = 0
    rated_cost: Decimal = Decimal("0")

    @property
    def rated(self) -> int:
        return self.up + self.down

    @property
    def good_share(self) -> float | None:
        return self.up / self.rated if self.rated else None

    @property
    def cost_per_good_answer(self) -> Decimal | None:
        """What the rated answers of the model cost, per thumbs-up: a model liked rarely pays for the rest."""
        return self.rated_cost / self.up if self.up else None


def rating_of(feedback: AnswerFeedback | None) -> str | None:
    if feedback is None:
        return None
    return "up" if feedback.good else "down"


def feedback_json(feedback: AnswerFeedback | None) -> dict[str, Any]:
    return {"rating": rating_of(feedback), "note": feedback.note if feedback else ""}


def rateable(message: Message) -> bool:
    return message.role == Message.ASSISTANT and message.status not in UNRATEABLE


def owner_feedback(message: Message) -> AnswerFeedback | None:
    """The vote of the conversation's owner on this answer (what their open tabs show)."""
    if not rateable(message):
        return None
    return AnswerFeedback.objects.filter(message_id=message.id, user_id=F("message__conversation__owner_id")).first()


def _rateable_answer(user: Any, message_id: int) -> Message:
    """An answer in one of the user's conversations; others' answers are not found (their existence stays hidden)."""
    answer = Message.objects.filter(id=message_id, conversation__owner_id=getattr(user, "id", None)).first()
    if answer is None or answer.role != Message.ASSISTANT:
        raise NotFound(_("That answer does not exist or is not yours."))
    if not rateable(answer):
        raise InvalidRequest(_("Only a finished answer can be rated."), code="not_rateable")
    return answer


def parse_feedback(body: Any) -> tuple[bool | None, str]:
    """(good, note) from {"rating": "up" | "down" | null, "note": "…"}; a null rating takes the vote back."""
    if not isinstance(body, dict):
        raise InvalidRequest(_("Send a JSON object with a rating."))
    rating, note = body.get("rating"), body.get("note", "")
    if rating is not None and rating not in RATINGS:
        raise InvalidRequest(_("The rating is “up”, “down” or null."), param="rating")
    if not isinstance(note, str):
        raise InvalidRequest(_("The note is text."), param="note")
    note = note.strip()
    if len(note) > MAX_NOTE:
        raise InvalidRequest(_("A note is at most %(n)d characters.") % {"n": MAX_NOTE}, param="note")
    return (None if rating is None else RATINGS[rating]), note


def rate_answer(*, user: Any, message_id: int, good: bool | None, note: str = "") -> AnswerFeedback | None:
    """The user's vote on an answer, made or changed; `good=None` removes it (and its note)."""
    answer = _rateable_answer(user, message_id)
    with transaction.atomic():
        if good is None:
            AnswerFeedback.objects.filter(message=answer, user=user).delete()
            return None
        feedback, _created = AnswerFeedback.objects.update_or_create(
            message=answer, user=user, defaults={"good": good, "note": note}
        )
    return feedback


def feedback_of(user: Any, message_ids: list[int]) -> dict[int, AnswerFeedback]:
    """The user's votes on these answers, by answer id (one query for a whole conversation)."""
    found = AnswerFeedback.objects.filter(user=user, message_id__in=message_ids)
    return {f.message_id: f for f in found}


def thumbs_by_model(team_id: int) -> dict[str, Thumbs]:
    """Per model (the one that wrote the answer), thumbs on answers billed to the team and their cost.

    The cost counts each rated answer once, however many people rated it."""
    votes = (
        AnswerFeedback.objects.filter(message__conversation__team_id=team_id)
        .values("message__model")
        .annotate(up=Count("id", filter=Q(good=True)), down=Count("id", filter=Q(good=False)))
    )
    found = {row["message__model"]: Thumbs(row["up"], row["down"]) for row in votes}
    rated = Message.objects.filter(
        conversation__team_id=team_id, id__in=AnswerFeedback.objects.values("message_id")
    ).values("model")
    for row in rated.annotate(cost=Sum("cost")):
        found[row["model"]].rated_cost = row["cost"] or Decimal("0")
    return found
