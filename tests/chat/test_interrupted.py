"""Answers left `streaming` by a dead process (crash, restart) are finalised as interrupted when the
conversation is opened; answers with a live writer, here or in another process, are left alone."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from billing.models import CreditHold, CreditLedgerEntry, Team, UsageRecord
from chat.interrupted import STALE_AFTER_SECONDS
from chat.models import Message
from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


def left_streaming(person, *, beat_seconds_ago: float, text: str = "Half an ans") -> Message:
    """What a process that died mid-answer leaves behind: the question, and an answer still `streaming`."""
    conversation = new_conversation(person, title="Stuck")
    conversation.messages.create(role=Message.USER, content="Tell me a story")
    answer: Message = conversation.messages.create(
        role=Message.ASSISTANT,
        model="gpt-4o",
        status=Message.STREAMING,
        content=text,
        heartbeat_at=timezone.now() - timedelta(seconds=beat_seconds_ago),
    )
    return answer


def billing_state(team_id: int) -> tuple[object, ...]:
    team = Team.objects.get(id=team_id)
    return team.balance, team.reserved, UsageRecord.objects.count(), CreditLedgerEntry.objects.count()


async def _connected(conversation_id: int, person):
    socket = await open_socket(f"/ws/chat/{conversation_id}/", await sync_to_async(session_cookie)(person))
    assert (await socket.connect())[0]
    assert (await socket.receive_json_from())["kind"] == "state"
    return socket


async def test_dead_writers_answer_is_finalised_on_connect_keeping_its_text(chat_ready, alice, acme):
    stuck = await sync_to_async(left_streaming)(alice, beat_seconds_ago=300)
    before = await sync_to_async(billing_state)(acme.id)
    socket = await _connected(stuck.conversation_id, alice)
    done = (await events_until(socket, "done", timeout=5))[-1]
    assert done["id"] == stuck.id and done["status"] == "interrupted"
    assert "Half an ans" in done["html"] and "Regenerate" in done["error"]
    assert done["credits_remaining"] is None
    saved = await Message.objects.aget(id=stuck.id)
    assert (saved.status, saved.content, saved.error_code) == ("interrupted", "Half an ans", "interrupted")
    assert await sync_to_async(billing_state)(acme.id) == before  # no charge, no refund, no usage record
    await socket.disconnect()


async def test_answer_with_a_fresh_heartbeat_is_left_to_its_writer(chat_ready, alice):
    # Another process is writing it: it beat a second ago.
    live = await sync_to_async(left_streaming)(alice, beat_seconds_ago=1)
    socket = await _connected(live.conversation_id, alice)
    assert await socket.receive_nothing(timeout=0.5)
    assert (await Message.objects.aget(id=live.id)).status == "streaming"
    # And one answer at a time holds across processes: a send waits for that writer.
    await socket.send_json_to({"action": "send", "content": "and another"})
    notice = await socket.receive_json_from()
    assert notice["kind"] == "notice" and "still being written" in notice["error"]
    assert await Message.objects.filter(conversation_id=live.conversation_id).acount() == 2
    await socket.disconnect()


async def test_open_page_sees_the_answer_interrupted_once_its_heartbeat_goes_stale(chat_ready, alice):
    stuck = await sync_to_async(left_streaming)(alice, beat_seconds_ago=STALE_AFTER_SECONDS - 1.5)
    socket = await _connected(stuck.conversation_id, alice)
    assert await socket.receive_nothing(timeout=0.5)  # not yet: its writer may only be late
    done = (await events_until(socket, "done", timeout=5))[-1]
    assert done["id"] == stuck.id and done["status"] == "interrupted"
    await socket.disconnect()


async def test_answer_written_by_this_process_is_never_finalised(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(chunks=[f"w{i} " for i in range(10)], chunk_delay=0.1))
    conversation = await sync_to_async(new_conversation)(alice)
    first = await _connected(conversation.id, alice)
    await first.send_json_to({"action": "send", "content": "count"})
    turn = (await events_until(first, "turn"))[-1]
    # Even with a heartbeat that looks dead (a stalled database), this process knows it is writing it.
    old = timezone.now() - timedelta(seconds=600)
    await Message.objects.filter(id=turn["answer"]["id"]).aupdate(heartbeat_at=old)
    second = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    assert (await second.connect())[0]
    state = await second.receive_json_from()
    assert state["streaming"]["id"] == turn["answer"]["id"]
    done = (await events_until(second, "done"))[-1]
    assert done["status"] == "done"
    assert (await Message.objects.aget(id=turn["answer"]["id"])).content == "".join(f"w{i} " for i in range(10))
    await first.disconnect()
    await second.disconnect()


async def test_regenerate_after_an_interruption_writes_the_answer_again(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(text="A whole story."))
    stuck = await sync_to_async(left_streaming)(alice, beat_seconds_ago=300)
    socket = await _connected(stuck.conversation_id, alice)
    await events_until(socket, "done")
    await socket.send_json_to({"action": "regenerate", "model": "gpt-4o"})
    events = await events_until(socket, "done")
    assert events[0]["kind"] == "turn" and events[0]["dropped_after"] < stuck.id
    assert events[-1]["status"] == "done" and "A whole story." in events[-1]["html"]
    assert not (await Message.objects.aget(id=stuck.id)).shown  # kept for the bill, no longer shown
    sent = chat_ready.requests_for("/chat/completions")[-1].body["messages"]
    assert sent == [{"role": "user", "content": "Tell me a story"}]  # the broken half is not sent
    await socket.disconnect()


def test_page_load_finalises_and_shows_the_note(upstream, alice, charlie, acme):
    stuck = left_streaming(alice, beat_seconds_ago=300)
    before = billing_state(acme.id)
    outsider = Client()
    outsider.force_login(charlie.user)
    assert outsider.get(f"/c/{stuck.conversation_id}/", secure=True).status_code == 404
    assert Message.objects.get(id=stuck.id).status == "streaming"  # charlie's visit changed nothing
    owner = Client()
    owner.force_login(alice.user)
    page = owner.get(f"/c/{stuck.conversation_id}/", secure=True).content.decode()
    assert "This answer was interrupted" in page and "Half an ans" in page and "Still being written" not in page
    assert Message.objects.get(id=stuck.id).status == "interrupted"
    body = owner.get(f"/c/{stuck.conversation_id}/messages", secure=True).json()
    assert body["messages"][-1]["status"] == "interrupted"
    assert billing_state(acme.id) == before
    assert not CreditHold.objects.exists()


@pytest.mark.browser
def test_interrupted_answer_in_the_browser_then_regenerate(page_for, alice, upstream):
    upstream.script("gpt-4o", Reply(text="The full story, this time."))
    stuck = left_streaming(alice, beat_seconds_ago=300)
    page = page_for(alice)
    page.goto(f"/c/{stuck.conversation_id}/")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_contain_text("Half an ans")
    expect(answer).to_contain_text("This answer was interrupted")
    answer.get_by_role("button", name="Regenerate").click()
    expect(page.locator("article.msg-assistant")).to_have_count(1)
    expect(page.locator("article.msg-assistant").last).to_contain_text("The full story, this time.", timeout=10000)
    expect(page.locator("article.msg-assistant").last).to_have_attribute("data-status", "done")
    shown = Message.objects.get(conversation_id=stuck.conversation_id, role="assistant", shown=True)
    assert shown.status == "done" and Decimal(shown.cost) > 0  # the interrupted one is kept, not shown
