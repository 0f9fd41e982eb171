"""Compare: one prompt to several models at once, every answer metered; the owner marks the best one."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async
from playwright.sync_api import expect

from billing.models import UsageRecord
from chat.compare_runs import create_run
from chat.models import CompareAnswer, CompareVote
from tests.chat.conftest import open_socket, session_cookie
from tests.chat.test_chat_browser import ARTIFACTS
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)
MODELS = ["gpt-4o", "claude-3-5-sonnet", "gpt-4o-mini"]


async def test_every_model_streams_at_once_and_is_metered(chat_ready, alice):
    for model in MODELS[:2]:
        chat_ready.script(model, Reply(chunks=[f"{model} ", "says ", "hi"], chunk_delay=0.1))
    chat_ready.script("gpt-4o-mini", Fail(503, "down"), Fail(503, "down"), Fail(503, "down"))
    run = await sync_to_async(create_run)(alice.user, "Say hi", MODELS)
    socket = await open_socket(f"/ws/compare/{run.id}/", await sync_to_async(session_cookie)(alice))
    assert (await socket.connect())[0]
    done: dict[int, dict[str, Any]] = {}
    order: list[tuple[str, int]] = []
    while len(done) < 3:
        event = await socket.receive_json_from(timeout=10)
        order.append((event["kind"], event["answer"]))
        if event["kind"] == "done":
            done[event["answer"]] = event
    answers = {a.model: a async for a in CompareAnswer.objects.filter(run=run)}
    first_done = order.index(("done", answers["gpt-4o"].id))
    # Interleaved: the second column streamed before the first had finished.
    assert ("delta", answers["claude-3-5-sonnet"].id) in order[:first_done]
    assert answers["gpt-4o"].content == "gpt-4o says hi" and answers["gpt-4o"].status == "done"
    assert answers["gpt-4o-mini"].status == "error" and "Regenerate" not in answers["gpt-4o-mini"].error
    assert "Run the comparison again" in answers["gpt-4o-mini"].error  # compare has no Regenerate button
    assert done[answers["claude-3-5-sonnet"].id]["completion_tokens"] > 0
    records = [r async for r in UsageRecord.objects.filter(source="chat")]
    assert sorted(r.model_requested for r in records) == sorted(MODELS)
    assert {r.client_tool for r in records} == {"browser-chat"}
    await socket.disconnect()


async def test_another_users_run_is_refused(chat_ready, alice, charlie):
    run = await sync_to_async(create_run)(alice.user, "Say hi", MODELS[:2])
    socket = await open_socket(f"/ws/compare/{run.id}/", await sync_to_async(session_cookie)(charlie))
    connected, code = await socket.connect()
    assert not connected and code == 4403
    assert not await CompareAnswer.objects.filter(run=run).exclude(status="pending").aexists()


@pytest.mark.browser
def test_three_model_compare_in_the_browser(page_for, alice, upstream):
    for model in MODELS:
        upstream.script(
            model, Reply(chunks=[f"**{model}**", " answers", " with a table:\n\n| x |\n|---|\n| 1 |"], chunk_delay=0.3)
        )
    page = page_for(alice)
    page.get_by_role("link", name="Compare").click()
    page.get_by_label("Prompt", exact=True).fill("Explain recursion briefly")
    for slot, model in enumerate(MODELS, start=1):
        page.get_by_label(f"Model {slot}").select_option(model)
    page.get_by_role("button", name="Compare").click()
    columns = page.locator(".compare-col")
    expect(columns).to_have_count(3)
    for column in columns.all():  # every column is streaming before any has finished
        expect(column.locator(".msg-body")).to_contain_text("answers", timeout=5000)
    assert page.locator(".compare-col[data-status='done']").count() == 0
    for column in columns.all():
        expect(column).to_have_attribute("data-status", "done", timeout=10000)
        expect(column.locator(".msg-meta")).to_contain_text("tokens")
        expect(column.locator("table")).to_be_visible()
    columns.nth(1).get_by_role("button", name="Mark best").click()
    expect(columns.nth(1)).to_contain_text("Best answer")
    vote = CompareVote.objects.get()
    assert vote.answer.model == "claude-3-5-sonnet" and vote.voter == alice.user
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "compare.png"), full_page=True)


async def test_a_socket_joining_mid_run_gets_the_text_so_far_then_the_rest(chat_ready, alice):
    words = [f"w{i} " for i in range(12)]
    chat_ready.script("gpt-4o", Reply(chunks=words, chunk_delay=0.1))
    chat_ready.script("claude-3-5-sonnet", Reply(text="quick"))
    run = await sync_to_async(create_run)(alice.user, "Count", MODELS[:2])
    cookie = await sync_to_async(session_cookie)(alice)
    first = await open_socket(f"/ws/compare/{run.id}/", cookie)
    assert (await first.connect())[0]
    slow = await CompareAnswer.objects.aget(run=run, model="gpt-4o")
    quick = await CompareAnswer.objects.aget(run=run, model="claude-3-5-sonnet")
    seen_quick_done = False
    for _ in range(200):  # until the quick answer is saved and the slow one is a few words in
        event = await first.receive_json_from(timeout=5)
        seen_quick_done |= event["kind"] == "done" and event["answer"] == quick.id
        if seen_quick_done and event["kind"] == "delta" and event["answer"] == slow.id and event["n"] >= 3:
            break
    second = await open_socket(f"/ws/compare/{run.id}/", cookie)  # a reload, or a second tab
    assert (await second.connect())[0]
    events = [await second.receive_json_from(timeout=5)]
    while events[-1]["kind"] != "done" or events[-1]["answer"] != slow.id:
        events.append(await second.receive_json_from(timeout=5))
    # The finished answer comes from the database, the running one from its writer: text so far, then deltas.
    assert events[0] == {**events[0], "kind": "done", "answer": quick.id, "status": "done"}
    state = next(e for e in events if e["kind"] == "state" and e["answer"] == slow.id)
    assert state["n"] >= 3 and state["text"] == "".join(words[: state["n"]])
    later = [e for e in events if e["kind"] == "delta" and e["answer"] == slow.id]
    shown = state["text"] + "".join(e["text"] for e in later if e["n"] > state["n"])
    assert shown == "".join(words)
    await first.disconnect()
    await second.disconnect()


async def test_a_socket_joining_a_finished_run_gets_only_the_saved_answers(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(text="one"))
    chat_ready.script("claude-3-5-sonnet", Reply(text="two"))
    run = await sync_to_async(create_run)(alice.user, "Hi", MODELS[:2])
    cookie = await sync_to_async(session_cookie)(alice)
    first = await open_socket(f"/ws/compare/{run.id}/", cookie)
    assert (await first.connect())[0]
    finished = 0
    while finished < 2:
        finished += (await first.receive_json_from(timeout=5))["kind"] == "done"
    await first.disconnect()
    again = await open_socket(f"/ws/compare/{run.id}/", cookie)
    assert (await again.connect())[0]
    replayed = [await again.receive_json_from(timeout=2) for _ in range(2)]
    assert sorted(e["html"] for e in replayed) == ["<p>one</p>\n", "<p>two</p>\n"]
    assert all(e["kind"] == "done" for e in replayed)
    assert await again.receive_nothing(timeout=0.5)  # no writer any more: nothing restarts, nothing is billed twice
    assert len(chat_ready.requests_for("/chat/completions")) == 2
    await again.disconnect()


@pytest.mark.browser
def test_reload_mid_compare_shows_the_text_so_far_then_continues(page_for, alice, upstream):
    words = [f"w{i} " for i in range(16)]
    upstream.script("gpt-4o", Reply(chunks=words, chunk_delay=0.25))
    upstream.script("claude-3-5-sonnet", Reply(chunks=words, chunk_delay=0.25))
    page = page_for(alice)
    page.goto("/compare/")
    page.get_by_label("Prompt", exact=True).fill("Count slowly")
    page.get_by_label("Model 1").select_option("gpt-4o")
    page.get_by_label("Model 2").select_option("claude-3-5-sonnet")
    page.get_by_role("button", name="Compare").click()
    columns = page.locator(".compare-col")
    expect(columns.first.locator(".msg-body")).to_contain_text("w3", timeout=5000)
    page.reload()
    for column in columns.all():  # at once, from the writer: not only what arrives after the reload
        expect(column.locator(".msg-body")).to_contain_text("w0 w1 w2 w3", timeout=2000)
        assert column.get_attribute("data-status") == "streaming"
    for column in columns.all():
        expect(column).to_have_attribute("data-status", "done", timeout=10000)
        expect(column.locator(".msg-body")).to_have_text("".join(words).strip())
    expect(page.get_by_role("button", name="Compare")).to_be_visible()
