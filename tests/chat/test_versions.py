"""Regenerate and edit keep earlier answers as versions; the conversation total is what was billed."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.db.models import Sum
from django.test import Client
from playwright.sync_api import expect

from billing.models import UsageRecord
from chat.message_view import format_cost
from chat.models import Message
from chat.versions import billed_total
from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.chat.test_chat_browser import answers, finished, send
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def ledger_total(conversation) -> Decimal:
    request_ids = [m.request_id for m in Message.objects.filter(conversation=conversation) if m.request_id]
    return UsageRecord.objects.filter(request_id__in=request_ids).aggregate(t=Sum("cost"))["t"] or Decimal("0")


async def _three_versions(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(text="first take"), Reply(text="second take"), Reply(text="third take"))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    assert (await socket.connect())[0]
    await socket.send_json_to({"action": "send", "content": "Write a haiku"})
    await events_until(socket, "done")
    for _ in range(2):
        await socket.send_json_to({"action": "regenerate"})
        done = (await events_until(socket, "done"))[-1]
    return conversation, socket, done


async def test_regenerate_keeps_every_answer_as_a_version(chat_ready, alice):
    conversation, socket, done = await _three_versions(chat_ready, alice)
    kept = [m async for m in Message.objects.filter(conversation=conversation, role="assistant").order_by("id")]
    assert [m.content for m in kept] == ["first take", "second take", "third take"]
    assert [m.shown for m in kept] == [False, False, True]
    assert done["versions"] == {"ids": [m.id for m in kept], "index": 2}
    sent = chat_ready.requests_for("/chat/completions")[-1].body["messages"]
    assert sent == [{"role": "user", "content": "Write a haiku"}]  # earlier versions are not history
    await socket.disconnect()


async def test_the_conversation_total_is_the_sum_of_every_billed_turn(chat_ready, alice):
    conversation, socket, done = await _three_versions(chat_ready, alice)
    ledger = await sync_to_async(ledger_total)(conversation)
    assert await UsageRecord.objects.filter(source="chat").acount() == 3
    assert ledger > 0 and await sync_to_async(billed_total)(conversation) == ledger
    assert done["total"] == format_cost(ledger)
    shown_only = sum([m.cost async for m in Message.objects.filter(conversation=conversation, shown=True)], Decimal(0))
    assert ledger > shown_only  # what the old total showed: the regenerated answers were billed too
    await socket.disconnect()


async def test_a_chosen_version_survives_a_reload_and_becomes_the_history(chat_ready, alice):
    conversation, socket, _ = await _three_versions(chat_ready, alice)
    first = await Message.objects.filter(conversation=conversation, role="assistant").order_by("id").afirst()
    await socket.send_json_to({"action": "version", "message_id": first.id})
    event = await events_until(socket, "version")
    assert event[-1]["message"]["id"] == first.id and event[-1]["message"]["versions"]["index"] == 0
    client = Client()
    await sync_to_async(client.force_login)(alice.user)
    page = (await sync_to_async(client.get)(f"/c/{conversation.id}/", secure=True)).content.decode()
    assert "first take" in page and "third take" not in page and "1/3" in page
    chat_ready.script("gpt-4o", Reply(text="next"))
    await socket.send_json_to({"action": "send", "content": "Another"})
    await events_until(socket, "done")
    sent = chat_ready.requests_for("/chat/completions")[-1].body["messages"]
    assert [m["content"] for m in sent] == ["Write a haiku", "first take", "Another"]
    await socket.disconnect()


async def test_edit_keeps_the_earlier_answer_as_a_version_and_bills_the_removed_turns(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(text="answer one"), Reply(text="answer two"), Reply(text="answer edited"))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    assert (await socket.connect())[0]
    await socket.send_json_to({"action": "send", "content": "question one"})
    question = next(e for e in await events_until(socket, "done") if e["kind"] == "turn")["user"]
    await socket.send_json_to({"action": "send", "content": "question two"})
    await events_until(socket, "done")
    await socket.send_json_to({"action": "edit", "message_id": question["id"], "content": "question one, edited"})
    done = (await events_until(socket, "done"))[-1]
    assert len(done["versions"]["ids"]) == 2
    old = await Message.objects.aget(id=done["versions"]["ids"][0])
    assert (old.content, old.shown, old.dropped, old.asked) == ("answer one", False, False, "question one")
    assert await Message.objects.filter(conversation=conversation, dropped=True).acount() == 2  # the 2nd turn
    assert await sync_to_async(billed_total)(conversation) == await sync_to_async(ledger_total)(conversation)
    assert await UsageRecord.objects.filter(source="chat").acount() == 3
    await socket.disconnect()


async def test_someone_else_cannot_switch_versions(chat_ready, alice, charlie):
    conversation, socket, _ = await _three_versions(chat_ready, alice)
    first = await Message.objects.filter(conversation=conversation, role="assistant").order_by("id").afirst()
    intruder = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(charlie))
    connected, code = await intruder.connect()
    assert not connected and code == 4403
    from chat.chat_turns import show_version

    reply = await show_version(charlie.user, conversation.id, {"message_id": first.id})
    assert reply is not None and reply["kind"] == "notice"
    assert not (await Message.objects.aget(id=first.id)).shown
    await socket.disconnect()


async def test_exports_include_every_version(chat_ready, alice):
    conversation, socket, _ = await _three_versions(chat_ready, alice)
    await socket.disconnect()
    client = Client()
    await sync_to_async(client.force_login)(alice.user)
    markdown = (await sync_to_async(client.get)(f"/c/{conversation.id}/export.md", secure=True)).content.decode()
    assert "version 1 of 3" in markdown and "first take" in markdown and "third take" in markdown
    assert "version 3 of 3 (shown)" in markdown
    body = json.loads((await sync_to_async(client.get)(f"/c/{conversation.id}/export.json", secure=True)).content)
    versions = body["messages"][1]["versions"]
    assert [v["content"] for v in versions] == ["first take", "second take", "third take"]
    assert [v["shown"] for v in versions] == [False, False, True]
    assert Decimal(body["total_cost"]) == await sync_to_async(ledger_total)(conversation)


@pytest.mark.browser
def test_versions_in_the_browser_survive_a_reload(page_for, alice, upstream):
    upstream.script("gpt-4o-mini", Reply(text="take one"), Reply(text="take two"))
    page = page_for(alice)
    send(page, "Name a colour")
    finished(page, "take one")
    page.get_by_role("button", name="Regenerate").click()
    finished(page, "take two")
    answer = answers(page).last
    expect(answer.locator(".versions-count")).to_have_text("2/2")
    answer.get_by_role("button", name="Previous version").click()
    expect(answers(page).last).to_contain_text("take one")
    expect(answers(page).last.locator(".versions-count")).to_have_text("1/2")
    page.reload()
    expect(answers(page)).to_have_count(1)
    expect(answers(page).last).to_contain_text("take one")
    expect(answers(page).last.locator(".versions-count")).to_have_text("1/2")
    conversation = Message.objects.get(content="take one").conversation
    expect(page.locator("#total")).to_have_text(f"{format_cost(ledger_total(conversation))} total")
    answers(page).last.get_by_role("button", name="Next version").click()
    expect(answers(page).last).to_contain_text("take two")


async def test_a_garbage_version_request_is_a_notice_not_a_crash(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    assert (await socket.connect())[0]
    await socket.receive_json_from()  # state
    for junk in ("x", None, 10**12):
        await socket.send_json_to({"action": "version", "message_id": junk})
        assert (await socket.receive_json_from(timeout=5))["kind"] == "notice"
    await socket.disconnect()
