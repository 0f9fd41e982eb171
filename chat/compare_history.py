"""Compare beyond one run: the list of past runs, and continuing any answer as a chat conversation."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction

from chat.compare_runs import owned_run
from chat.conversations import auto_title, teams_of
from chat.models import CompareRun, CompareVote, Conversation, Message
from llmhub.errors import InvalidRequest

RECENT_RUNS = 30


@dataclass
class PastRun:
    id: int
    title: str
    created_at: Any
    models: list[str]  # empty while a blind run has no vote
    winner: str
    blind: bool


def past_runs(user: Any, limit: int = RECENT_RUNS) -> list[PastRun]:
    """The user's recent compare runs, newest first, with their models (unless blind and unvoted)."""
    runs = list(CompareRun.objects.filter(owner=user).prefetch_related("answers")[:limit])
    votes = dict(CompareVote.objects.filter(run__in=runs).values_list("run_id", "answer__model"))
    found = []
    for run in runs:
        hidden = run.blind and run.id not in votes
        models = [] if hidden else [a.model for a in run.answers.all()]
        found.append(PastRun(run.id, auto_title(run.prompt), run.created_at, models, votes.get(run.id, ""), run.blind))
    return found


@transaction.atomic
def continue_in_chat(user: Any, run_id: int, answer_id: int) -> Conversation:
    """A new conversation holding the run's prompt and this answer, with the answer's model, to go on from.

    The answer was billed by the comparison, so the new conversation starts at $0 (its total is its own
    requests). A blind run's models stay hidden until its vote, so its answers continue only after it.
    """
    run = owned_run(user, run_id)
    answer = run.answers.filter(id=answer_id, status="done").first()
    if answer is None:
        raise InvalidRequest("Only a finished answer of this comparison can be continued in the chat.")
    if run.hides_models:
        raise InvalidRequest("Mark the best answer first: that reveals which model wrote each one.")
    if run.team not in teams_of(user):
        raise InvalidRequest("You are no longer in the team this comparison was billed to.")
    conversation = Conversation.objects.create(
        owner=user,
        team=run.team,
        model=answer.model,
        system_prompt=run.system_prompt,
        title=auto_title(run.prompt),
    )
    question = conversation.messages.create(role=Message.USER, content=run.prompt)
    conversation.messages.create(
        role=Message.ASSISTANT,
        content=answer.content,
        model=answer.model,
        reply_to=question,
        prompt_tokens=answer.prompt_tokens,
        completion_tokens=answer.completion_tokens,
    )
    return conversation
