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
    assert answers["gpt-4o-mini"].status == "error" and "Regenerate" in answers["gpt-4o-mini"].error
    assert done[answers["claude-3-5-sonnet"].id]["completion_tokens"] > 0
    records = [r async for r in UsageRecord.objects.filter(source="chat")]
    assert sorted(r.model_requested for r in records) == sorted(MODELS)
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
