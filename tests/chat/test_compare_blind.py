"""Blind compare hides model names until the vote; any column continues in the chat; past runs; stopped label."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from playwright.sync_api import expect

from chat.compare_runs import create_run
from chat.models import CompareAnswer, CompareRun, CompareVote, Conversation
from tests.chat.conftest import client_for, open_socket, session_cookie
from tests.fake_upstream import Reply
from tests.provider_env import clear_provider_env

pytestmark = pytest.mark.django_db(transaction=True)
MODELS = ["gpt-4o", "claude-3-5-sonnet"]


def grid_and_history(html: str) -> str:
    """The part of the compare page about the run (its columns and the past runs), not the model pickers."""
    return html[html.index('id="compare-grid"') :]


async def _finish_run(run, cookie) -> list[dict[str, Any]]:
    socket = await open_socket(f"/ws/compare/{run.id}/", cookie)
    assert (await socket.connect())[0]
    events: list[dict[str, Any]] = []
    while sum(e["kind"] == "done" for e in events) < len(MODELS):
        events.append(await socket.receive_json_from(timeout=10))
    await socket.disconnect()
    return events


async def test_blind_run_reveals_no_model_name_before_the_vote(chat_ready, alice):
    for model in MODELS:
        chat_ready.script(model, Reply(chunks=["A neutral ", "answer"], chunk_delay=0.05))
    client = await sync_to_async(client_for)(alice)
    created = await sync_to_async(client.post)(
        "/compare/new", {"prompt": "Hi", "model": MODELS, "blind": "1"}, secure=True
    )
    body = json.loads(created.content)
    assert body["blind"] is True and [a["label"] for a in body["answers"]] == ["A", "B"]
    assert not any(name in created.content.decode() for name in MODELS)
    run = await CompareRun.objects.aget(id=body["id"])
    events = await _finish_run(run, await sync_to_async(session_cookie)(alice))
    assert not any(name in json.dumps(events) for name in MODELS)
    page = (await sync_to_async(client.get)(f"/compare/{run.id}/", secure=True)).content.decode()
    assert "Model A" in page and not any(name in grid_and_history(page) for name in MODELS)


@pytest.fixture
def demo_answers(chat_ready, live_hub, settings):
    """No provider configured: every model answers from the hub's offline demo upstream, over real HTTP."""
    from llmhub import catalog

    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
    settings.DEMO_UPSTREAM_URL = live_hub.url + "/demo-upstream/v1"
    catalog.invalidate()
    yield
    catalog.invalidate()


async def test_blind_demo_answers_do_not_name_their_models(demo_answers, alice):
    run = await sync_to_async(create_run)(alice.user, "Hi", MODELS, blind=True)
    events = await _finish_run(run, await sync_to_async(session_cookie)(alice))
    assert not any(name in json.dumps(events) for name in MODELS)
    answers = [a async for a in CompareAnswer.objects.filter(run=run)]
    assert [a.status for a in answers] == ["done", "done"]
    assert all(a.content.startswith("**Demo mode**") for a in answers)  # still plainly the demo
    assert not any(name in a.content for a in answers for name in MODELS)
    assert answers[0].content != answers[1].content  # each model keeps its own voice


async def test_the_vote_reveals_the_model_names(chat_ready, alice):
    for model in MODELS:
        chat_ready.script(model, Reply(text="same"))
    run = await sync_to_async(create_run)(alice.user, "Hi", MODELS, blind=True)
    await _finish_run(run, await sync_to_async(session_cookie)(alice))
    first = await CompareAnswer.objects.aget(run=run, position=0)
    client = await sync_to_async(client_for)(alice)
    voted = await sync_to_async(client.post)(
        f"/compare/{run.id}/vote", json.dumps({"answer": first.id}), content_type="application/json", secure=True
    )
    assert json.loads(voted.content)["models"] == {
        str(a.id): a.model async for a in CompareAnswer.objects.filter(run=run)
    }
    page = (await sync_to_async(client.get)(f"/compare/{run.id}/", secure=True)).content.decode()
    assert all(name in grid_and_history(page) for name in MODELS)
    again = await open_socket(f"/ws/compare/{run.id}/", await sync_to_async(session_cookie)(alice))
    assert (await again.connect())[0]
    replayed = [await again.receive_json_from(timeout=2) for _ in MODELS]
    assert sorted(e["model"] for e in replayed) == sorted(MODELS)
    await again.disconnect()


def _finished_run(alice, *, blind: bool = False, status: str = "done") -> CompareRun:
    run = create_run(alice.user, "Explain recursion", MODELS, system_prompt="Be brief.", blind=blind)
    run.answers.update(status=status, content="It calls **itself**.")
    return run


def test_any_column_continues_in_the_chat(upstream, alice):
    run = _finished_run(alice)
    second = run.answers.get(position=1)
    response = client_for(alice).post(f"/compare/{run.id}/answers/{second.id}/continue", secure=True)
    assert response.status_code == 201
    conversation = Conversation.objects.get(id=response.json()["id"])
    assert conversation.owner == alice.user and conversation.model == second.model
    assert conversation.system_prompt == "Be brief."
    assert [(m.role, m.content) for m in conversation.messages.all()] == [
        ("user", "Explain recursion"),
        ("assistant", "It calls **itself**."),
    ]
    page = client_for(alice).get(response.json()["url"], secure=True).content.decode()
    assert "<strong>itself</strong>" in page and "$0 total" in page  # the comparison billed it already


def test_someone_else_cannot_continue_a_run(upstream, alice, charlie):
    run = _finished_run(alice)
    answer = run.answers.first()
    response = client_for(charlie).post(f"/compare/{run.id}/answers/{answer.id}/continue", secure=True)
    assert response.status_code == 404 and not Conversation.objects.exists()


def test_a_blind_column_continues_only_after_the_vote(upstream, alice):
    run = _finished_run(alice, blind=True)
    answer = run.answers.first()
    response = client_for(alice).post(f"/compare/{run.id}/answers/{answer.id}/continue", secure=True)
    assert response.status_code == 400 and "Mark the best answer" in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "body",
    [b"[1]", b'"x"', b'{"answer": [1]}', b'{"answer": "abc"}', b'{"answer": true}', b"\xff", b"[" * 100_000, b"{"],
)
def test_a_vote_with_a_body_no_page_sends_is_a_clear_400_and_counts_nothing(upstream, alice, body):
    run = _finished_run(alice, blind=True)
    response = client_for(alice).post(f"/compare/{run.id}/vote", body, content_type="application/json", secure=True)
    assert response.status_code == 400
    assert response.json()["error"]["code"] in ("invalid_json", "invalid_value")
    assert response.json()["error"]["type"] == "invalid_request_error" and response.json()["error"]["message"]
    assert not CompareVote.objects.exists()


def test_past_runs_are_listed_newest_first(upstream, alice, bob):
    older = _finished_run(alice)
    newer = create_run(alice.user, "Second question", MODELS, blind=True)
    create_run(bob.user, "Bob's own question", MODELS)
    page = client_for(alice).get("/compare/", secure=True).content.decode()
    listed = re.findall(r'<a href="/compare/(\d+)/"', page)
    assert listed == [str(newer.id), str(older.id)]
    assert "Bob&#x27;s own question" not in page and "blind, not marked yet" in page


def test_a_stopped_column_shows_a_stopped_label(upstream, alice):
    run = _finished_run(alice, status="cancelled")
    page = client_for(alice).get(f"/compare/{run.id}/", secure=True).content.decode()
    assert page.count('class="msg-note stopped-label">Stopped<') == 2


@pytest.mark.browser
def test_blind_compare_in_the_browser(page_for, alice, upstream):
    for model in MODELS:
        upstream.script(model, Reply(chunks=["Same ", "words"], chunk_delay=0.1))
    page = page_for(alice)
    page.goto("/compare/")
    page.get_by_label("Prompt", exact=True).fill("Say something")
    page.get_by_label("Model 1").select_option(MODELS[0])
    page.get_by_label("Model 2").select_option(MODELS[1])
    page.get_by_label(re.compile("^Blind")).check()
    page.get_by_role("button", name="Compare").click()
    columns = page.locator(".compare-col")
    expect(page.locator(".past-run-list a").first).to_have_text("Say something")  # listed at once
    expect(columns.first.locator("h2")).to_have_text("Model A")
    expect(columns.nth(1).locator("h2")).to_have_text("Model B")
    for column in columns.all():
        expect(column).to_have_attribute("data-status", "done", timeout=10000)
    grid_text = page.locator("#compare-grid").inner_text()
    assert not any(name in grid_text for name in MODELS)
    expect(page.get_by_role("button", name="Continue in chat")).to_have_count(0)
    columns.nth(1).get_by_role("button", name="Mark best").click()
    expect(columns.nth(1)).to_contain_text("Best answer")
    for column in columns.all():
        expect(column.locator(".col-model")).not_to_have_text("")
    assert sorted(columns.nth(i).locator(".col-model").inner_text() for i in range(2)) == sorted(MODELS)
    columns.nth(1).get_by_role("button", name="Continue in chat").click()
    page.wait_for_url(re.compile(r"/c/\d+/$"))
    expect(page.locator("article.msg-assistant")).to_contain_text("Same words")
