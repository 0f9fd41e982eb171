"""Compare: one prompt to 2–4 models at once, each answer streamed and metered through the gateway.

A reload or second tab sees the text so far: finished answers from the database, running ones from the
process writing them (chat/catch_up.py), then the live deltas.
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from channels.layers import get_channel_layer
from django.db import transaction
from django.utils.translation import gettext as _

from billing.client_tools import BROWSER_CHAT
from chat import catch_up
from chat.conversations import MAX_MESSAGE_CHARS, team_for
from chat.generation import Outcome, stream_answer
from chat.live_render import live_deltas
from chat.markdown_render import render_markdown
from chat.message_view import format_cost
from chat.models import CompareAnswer, CompareRun, CompareVote
from llmhub.catalog import find_model, snapshot
from llmhub.errors import InvalidRequest, NotFound
from llmhub.gateway import Caller
from llmhub.infra.db_executor import run_db
from llmhub.providers.base import ChatRequest

MIN_MODELS, MAX_MODELS = 2, 4

FINAL = ("done", "cancelled", "error")


@dataclass
class _Running:
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    outcomes: dict[int, Outcome] = field(default_factory=dict)  # answers still being written, by id
    serving: asyncio.Task[None] | None = None


# Runs whose answers are being written in this process, by run id.
_runs: dict[int, _Running] = {}


def group_name(run_id: int) -> str:
    return f"compare-{run_id}"


@transaction.atomic
def create_run(user: Any, prompt: str, models: list[str], system_prompt: str = "", blind: bool = False) -> CompareRun:
    team = team_for(user)
    if team is None:
        raise InvalidRequest(_("You are not in a team yet, so nothing can be billed. Ask an admin to add you to one."))
    if not prompt.strip():
        raise InvalidRequest(_("Type a prompt to compare."))
    if len(prompt) > MAX_MESSAGE_CHARS:
        raise InvalidRequest(_("That prompt is too long."))
    chosen = list(dict.fromkeys(m for m in models if m))
    if not MIN_MODELS <= len(chosen) <= MAX_MODELS:
        raise InvalidRequest(_("Pick 2 to 4 different models."))
    catalog = snapshot().models
    names = [find_model(catalog, name).name for name in chosen]
    if blind:
        random.SystemRandom().shuffle(names)  # the column does not tell which model was picked first
    run = CompareRun.objects.create(owner=user, team=team, prompt=prompt, system_prompt=system_prompt, blind=blind)
    for position, name in enumerate(names):
        run.answers.create(position=position, model=name)
    return run


def owned_run(user: Any, run_id: int) -> CompareRun:
    run = CompareRun.objects.filter(id=run_id, owner_id=getattr(user, "id", None)).first()
    if run is None:
        raise NotFound(_("That comparison does not exist or is not yours."))
    return run


def letter(position: int) -> str:
    """A blind column's label: A, B, C, D."""
    return "ABCD"[position] if 0 <= position < MAX_MODELS else str(position + 1)


def answer_ids(run: CompareRun) -> list[dict[str, Any]]:
    hidden = run.hides_models
    return [{"id": a.id, "label": letter(a.position), "model": "" if hidden else a.model} for a in run.answers.all()]


def revealed_models(run: CompareRun) -> dict[str, str]:
    """Model by answer id, once the run's models may be shown."""
    return {} if run.hides_models else {str(a.id): a.model for a in run.answers.all()}


def answer_views(run: CompareRun | None) -> list[dict[str, Any]]:
    """The answers of a run for the compare page (also after a reload), best one marked, names hidden if blind."""
    if run is None:
        return []
    best = CompareVote.objects.filter(run=run).values_list("answer_id", flat=True).first()
    hidden = run.blind and best is None
    return [
        {
            "a": a,
            "model": "" if hidden else a.model,
            "label": letter(a.position),
            "html": render_markdown(a.content),
            "cost": format_cost(a.cost),
            "best": a.id == best,
        }
        for a in run.answers.all()
    ]


def may_open(user: Any, run_id: int) -> bool:
    return bool(user and user.is_authenticated) and CompareRun.objects.filter(id=run_id, owner=user).exists()


def _claim(run_id: int) -> list[tuple[int, str]] | None:
    """Mark the run started (once, whichever socket connects first) and return its answers."""
    if not CompareRun.objects.filter(id=run_id, started=False).update(started=True):
        return None
    CompareAnswer.objects.filter(run_id=run_id).update(status="streaming")
    return list(CompareAnswer.objects.filter(run_id=run_id).values_list("id", "model"))


def _request(run_id: int) -> tuple[Caller, list[dict[str, Any]], bool]:
    run = CompareRun.objects.get(id=run_id)
    messages = [{"role": "system", "content": run.system_prompt}] if run.system_prompt.strip() else []
    messages.append({"role": "user", "content": run.prompt})
    return (
        Caller(user_id=run.owner_id, team_id=run.team_id, source="chat", client_tool=BROWSER_CHAT),
        messages,
        run.blind,
    )


async def join(run_id: int, channel_name: str) -> list[dict[str, Any]]:
    """A socket opened the run: start it if nobody has; return its finished answers, and have the process
    writing the others send this socket their text so far."""
    await start(run_id)
    await catch_up.ask(group_name(run_id), channel_name)
    return await run_db(_finished_events, run_id)


async def start(run_id: int) -> None:
    answers = await run_db(_claim, run_id)
    if not answers:
        return
    caller, messages, blind = await run_db(_request, run_id)
    outcomes = {answer_id: Outcome(model=model) for answer_id, model in answers}
    running = _runs[run_id] = _Running(outcomes=outcomes)
    running.serving = await catch_up.serve(group_name(run_id), "compare.event", lambda: _snapshot(running))
    for answer_id, model in answers:
        request = ChatRequest(model, messages, stream=True)
        task = asyncio.ensure_future(_answer(run_id, answer_id, caller, request, running.outcomes[answer_id], blind))
        task.add_done_callback(lambda _t: _forget_if_done(run_id))
        running.tasks.append(task)


def _snapshot(running: _Running) -> list[dict[str, Any]]:
    events = []
    for answer_id, outcome in list(running.outcomes.items()):
        parts = list(outcome.parts)
        text = "".join(parts)
        events.append(
            {"kind": "state", "answer": answer_id, "text": text, "html": render_markdown(text), "n": len(parts)}
        )
    return events


def _forget_if_done(run_id: int) -> None:
    running = _runs.get(run_id)
    if running is not None and all(task.done() for task in running.tasks):
        _runs.pop(run_id, None)
        if running.serving is not None:
            running.serving.cancel()


def stop(run_id: int) -> None:
    for task in _runs[run_id].tasks if run_id in _runs else []:
        task.cancel()


async def _send(run_id: int, event: dict[str, Any]) -> None:
    await get_channel_layer().group_send(group_name(run_id), {"type": "compare.event", "event": event})


async def _answer(
    run_id: int, answer_id: int, caller: Caller, request: ChatRequest, outcome: Outcome, blind: bool
) -> None:
    live, on_delta = live_deltas(outcome.parts, partial(_send, run_id), {"answer": answer_id})

    try:
        await stream_answer(caller, request, outcome, on_delta)
    except asyncio.CancelledError:
        pass
    finally:
        live.close()
        outcome.error = for_compare(outcome.error)
        await asyncio.shield(_finish(run_id, answer_id, outcome, blind))


def _save(answer_id: int, outcome: Outcome) -> None:
    CompareAnswer.objects.filter(id=answer_id).update(
        content=outcome.text,
        status=outcome.status,
        error=outcome.error,
        request_id=outcome.request_id,
        prompt_tokens=outcome.prompt_tokens,
        completion_tokens=outcome.completion_tokens,
        cost=outcome.cost,
        latency_ms=outcome.latency_ms,
        ttft_ms=outcome.ttft_ms,
    )


def for_compare(error: str) -> str:
    """The chat's errors say "press Regenerate"; compare has no such button, it runs again."""
    return error.replace("Press Regenerate to try again", "Run the comparison again").replace(
        "then press Regenerate", "then run the comparison again"
    )


def _done_event(answer_id: int, outcome: Outcome, blind: bool) -> dict[str, Any]:
    event = {"kind": "done", "answer": answer_id, "html": render_markdown(outcome.text), **outcome.as_json()}
    if blind:
        event["model"] = ""
        for name in sorted({outcome.model, *snapshot().models}, key=len, reverse=True):
            if name and name in event["error"]:  # a provider's message may name the model
                event["error"] = event["error"].replace(name, "this model")
    return event


def _finished_events(run_id: int) -> list[dict[str, Any]]:
    """Done events of the run's finished answers, from the database, for a socket that joined late."""
    events = []
    hidden = CompareRun.objects.get(id=run_id).hides_models
    for a in CompareAnswer.objects.filter(run_id=run_id, status__in=FINAL):
        outcome = Outcome(
            text=a.content,
            status=a.status,
            error=a.error,
            model=a.model,
            prompt_tokens=a.prompt_tokens,
            completion_tokens=a.completion_tokens,
            cost=a.cost,
            latency_ms=a.latency_ms,
            ttft_ms=a.ttft_ms,
        )
        events.append(_done_event(a.id, outcome, hidden))
    return events


async def _finish(run_id: int, answer_id: int, outcome: Outcome, blind: bool) -> None:
    await run_db(_save, answer_id, outcome)
    running = _runs.get(run_id)
    if running is not None:
        running.outcomes.pop(answer_id, None)  # saved: a late socket now reads it from the database
    hidden = blind and await run_db(lambda: CompareRun.objects.get(id=run_id).hides_models)
    await _send(run_id, _done_event(answer_id, outcome, hidden))


def vote(user: Any, run_id: int, answer_id: int) -> CompareVote:
    """Mark the best answer of the user's own run (marking again changes the mark)."""
    run = owned_run(user, run_id)
    answer = run.answers.filter(id=answer_id, status="done").first()
    if answer is None:
        raise InvalidRequest(_("Only a finished answer of this comparison can be marked best."))
    vote, _created = CompareVote.objects.update_or_create(run=run, defaults={"answer": answer, "voter": user})
    return vote
