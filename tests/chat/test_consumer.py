"""The chat websocket: streaming, stop, refusals (no session, another's conversation, bad origin), 402, failure."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from billing.models import CreditHold, Team, UsageRecord
from chat.models import Message
from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.fake_upstream import Drop, Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def _connected(path: str, cookie: bytes):
    socket = await open_socket(path, cookie)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["kind"] == "state"
    return socket


async def test_answer_streams_token_by_token_then_is_saved(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(chunks=["Hel", "lo ", "**there**"], completion_tokens=3))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "Say hello", "model": "gpt-4o"})
    events = await events_until(socket, "done")
    kinds = [e["kind"] for e in events]
    assert kinds[0] == "turn" and kinds[-1] == "done"
    assert [e["text"] for e in events if e["kind"] == "delta"] == ["Hel", "lo ", "**there**"]
    done = events[-1]
    assert done["status"] == "done" and done["model"] == "gpt-4o"
    assert "<strong>there</strong>" in done["html"]
    assert done["completion_tokens"] == 3 and Decimal(done["cost"]) > 0
    answer = await Message.objects.aget(id=done["id"])
    assert (answer.content, answer.status, answer.model) == ("Hello **there**", "done", "gpt-4o")
    record = await UsageRecord.objects.aget(request_id=answer.request_id)
    assert record.source == "chat" and record.cost == answer.cost
    assert record.client_tool == "browser-chat"
    sent = chat_ready.requests_for("/chat/completions")[-1].body
    assert sent["messages"][-1] == {"role": "user", "content": "Say hello"}
    await socket.disconnect()


async def test_second_tab_sees_the_same_stream(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(chunks=["a", "b"], chunk_delay=0.05))
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    first = await _connected(f"/ws/chat/{conversation.id}/", cookie)
    second = await _connected(f"/ws/chat/{conversation.id}/", cookie)
    await first.send_json_to({"action": "send", "content": "hi"})
    seen = await events_until(second, "done")
    assert "".join(e["text"] for e in seen if e["kind"] == "delta") == "ab"
    await events_until(first, "done")
    await first.disconnect()
    await second.disconnect()


async def test_stop_before_first_token_cancels_upstream_and_bills_nothing_generated(chat_ready, alice, acme):
    chat_ready.script("gpt-4o", Reply(chunks=["late"], chunk_delay=5))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "slow please"})
    turn = (await events_until(socket, "turn"))[-1]
    await asyncio.sleep(0.3)
    await socket.send_json_to({"action": "stop"})
    done = (await events_until(socket, "done", timeout=3))[-1]
    assert done["status"] == "cancelled" and done["completion_tokens"] == 0
    answer = await Message.objects.aget(id=turn["answer"]["id"])
    assert answer.status == "cancelled"
    record = await UsageRecord.objects.aget(request_id=answer.request_id)
    assert record.status == "cancelled" and record.completion_tokens == 0
    assert not await CreditHold.objects.aexists()
    await socket.disconnect()


async def test_stop_mid_stream_keeps_partial_answer_and_bills_it(chat_ready, alice, acme):
    chat_ready.script("gpt-4o", Reply(chunks=[f" w{i}" for i in range(50)], chunk_delay=0.05, completion_tokens=50))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "count"})
    await events_until(socket, "delta")
    await events_until(socket, "delta")
    await socket.send_json_to({"action": "stop"})
    done = (await events_until(socket, "done", timeout=3))[-1]
    assert done["status"] == "cancelled"
    answer = await Message.objects.aget(id=done["id"])
    assert answer.content.startswith(" w0 w1") and len(answer.content.split()) < 50
    record = await UsageRecord.objects.aget(request_id=answer.request_id)
    assert record.status == "cancelled" and 0 < record.completion_tokens < 50
    assert answer.cost == record.cost > 0
    team = await Team.objects.aget(id=acme.id)
    assert team.balance == Decimal("100") - record.cost and team.reserved == 0
    await socket.disconnect()


async def test_a_second_send_while_streaming_is_refused_politely(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(chunks=["x"] * 5, chunk_delay=0.1))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "one"})
    await events_until(socket, "turn")
    await socket.send_json_to({"action": "send", "content": "two"})
    notice = (await events_until(socket, "notice"))[-1]
    assert "still being written" in notice["error"]
    await events_until(socket, "done")
    await socket.disconnect()


async def test_socket_without_session_is_refused(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", None)
    connected, code = await socket.connect()
    assert not connected and code == 4403


async def test_another_users_conversation_is_refused(chat_ready, alice, charlie, bob):
    conversation = await sync_to_async(new_conversation)(alice)
    for person in (charlie, bob):  # bob shares alice's team, and still may not read her chats
        socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(person))
        connected, code = await socket.connect()
        assert not connected and code == 4403


async def test_unknown_conversation_is_refused(chat_ready, alice):
    socket = await open_socket("/ws/chat/999999/", await sync_to_async(session_cookie)(alice))
    connected, code = await socket.connect()
    assert not connected and code == 4403


async def test_bad_origin_is_refused(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", cookie, origin=b"https://evil.example")
    connected, _ = await socket.connect()
    assert not connected


async def test_insufficient_credits_is_a_clear_message_in_the_conversation(chat_ready, alice, acme):
    await Team.objects.filter(id=acme.id).aupdate(balance=Decimal("0.000001"))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "hello"})
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "error"
    # The chat's plain words, not the API's ("Insufficient credits … max_tokens"), and a way to ask.
    assert done["error"].startswith(
        "This answer could cost up to $0.17; Acme has less than $0.01 left. Ask for credits"
    )
    assert "max_tokens" not in done["error"]
    assert done["refusal"]["ask_url"].startswith("/teams/acme/credits/ask/")
    answer = await Message.objects.aget(id=done["id"])
    assert answer.status == "error" and answer.error_code == "insufficient_credits"
    assert chat_ready.requests_for("/chat/completions") == []
    await socket.disconnect()


async def test_upstream_failure_mid_stream_keeps_partial_text_and_explains(chat_ready, alice):
    chat_ready.script("gpt-4o", Drop(after_chunks=2))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "one two three four five"})
    events = await events_until(socket, "done")
    done = events[-1]
    assert any(e["kind"] == "delta" for e in events)
    assert done["status"] == "error" and "Regenerate" in done["error"]
    answer = await Message.objects.aget(id=done["id"])
    assert answer.status == "error" and answer.content
    record = await UsageRecord.objects.aget(request_id=answer.request_id)
    assert record.status == "error"
    await socket.disconnect()


async def test_garbage_from_the_browser_is_an_unknown_action(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_to(text_data="{not json")
    assert (await socket.receive_json_from())["kind"] == "notice"
    await socket.send_json_to({"action": "send", "content": "x", "model": "no-such-model"})
    assert "not available" in (await socket.receive_json_from())["error"]
    await socket.disconnect()


async def test_reconnect_mid_stream_catches_up_then_sees_the_end(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(chunks=[f"w{i} " for i in range(12)], chunk_delay=0.1))
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", cookie)
    await socket.send_json_to({"action": "send", "content": "count"})
    await events_until(socket, "delta")
    await events_until(socket, "delta")
    await socket.disconnect()  # the browser lost its connection; the answer goes on
    await asyncio.sleep(0.3)
    again = await open_socket(f"/ws/chat/{conversation.id}/", cookie)
    assert (await again.connect())[0]
    state = await again.receive_json_from()
    assert state["kind"] == "state" and state["streaming"]["text"].startswith("w0 w1 ")
    done = (await events_until(again, "done"))[-1]
    assert done["status"] == "done"
    answer = await Message.objects.aget(id=done["id"])
    assert answer.content == "".join(f"w{i} " for i in range(12))
    await again.disconnect()


async def test_image_for_a_model_that_cannot_see_is_refused(chat_ready, alice):
    from tests.chat.test_attachments import PNG, data_url

    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to(
        {"action": "send", "content": "look", "model": "o1-mini", "images": [data_url("image/png", PNG)]}
    )
    notice = await socket.receive_json_from()
    assert notice["kind"] == "notice" and "cannot see images" in notice["error"]
    assert not await Message.objects.filter(conversation_id=conversation.id).aexists()
    await socket.disconnect()


async def test_rate_limited_upstream_says_to_wait_and_retry(chat_ready, alice, settings):
    settings.UPSTREAM_MAX_ATTEMPTS = 1
    from llmhub.models import CatalogModel

    async for model in CatalogModel.objects.all():  # the whole fallback chain is rate limited
        chat_ready.script(model.name, Fail(429, "slow down", headers={"Retry-After": "7"}))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "hello"})
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "error"
    assert done["error"].startswith("Too many requests right now. Wait about 7 seconds")
    assert "Regenerate" in done["error"]
    await socket.disconnect()


async def test_uploaded_image_travels_by_id_and_reaches_the_model_inline(chat_ready, alice):
    from chat.models import ChatImage
    from tests.chat.test_attachments import PNG, data_url, signed_in, upload

    chat_ready.script("gpt-4o", Reply(text="A pixel."))
    url = (await sync_to_async(lambda: upload(signed_in(alice), PNG))()).json()["url"]
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "what is it", "images": [url]})
    events = await events_until(socket, "done")
    assert events[0]["user"]["images"] == [url]  # every tab gets the URL, not the picture
    sent = chat_ready.requests_for("/chat/completions")[-1].body["messages"][-1]["content"]
    assert sent[1] == {"type": "image_url", "image_url": {"url": data_url("image/png", PNG)}}
    message = await Message.objects.aget(conversation_id=conversation.id, role="user")
    image = await ChatImage.objects.aget()
    assert message.parts == [{"type": "chat_image", "id": image.id}] and image.message_id == message.id
    await socket.disconnect()
    await conversation.adelete()
    assert not await ChatImage.objects.aexists()  # it goes with its conversation


async def test_someone_elses_or_an_already_sent_image_is_refused_in_the_page(chat_ready, alice, charlie):
    from tests.chat.test_attachments import PNG, signed_in, upload

    chat_ready.script("gpt-4o", Reply(text="ok"))
    theirs = (await sync_to_async(lambda: upload(signed_in(charlie), PNG))()).json()["url"]
    mine = (await sync_to_async(lambda: upload(signed_in(alice), PNG))()).json()["url"]
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "look", "images": [theirs]})
    notice = await socket.receive_json_from()
    assert notice["kind"] == "notice" and "no longer available" in notice["error"]
    await socket.send_json_to({"action": "send", "content": "look", "images": [mine]})
    await events_until(socket, "done")
    await socket.send_json_to({"action": "send", "content": "again", "images": [mine]})  # sent already
    assert "no longer available" in (await socket.receive_json_from())["error"]
    assert chat_ready.requests_for("/chat/completions")[-1].body["messages"][-1]["content"][0]["text"] == "look"
    await socket.disconnect()


async def test_a_message_that_cannot_be_stored_is_refused_with_a_notice(chat_ready, alice):
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    await socket.send_json_to({"action": "send", "content": "bad \u0000 byte", "model": "gpt-4o"})
    notice = (await events_until(socket, "notice"))[-1]
    assert "could not be saved" in notice["error"]
    assert not await Message.objects.filter(conversation_id=conversation.id).aexists()
    # The socket stays open: the next message goes through.
    chat_ready.script("gpt-4o", Reply(chunks=["ok"]))
    await socket.send_json_to({"action": "send", "content": "fine", "model": "gpt-4o"})
    assert (await events_until(socket, "done"))[-1]["status"] == "done"
    await socket.disconnect()


async def test_a_page_that_missed_deltas_asks_for_the_text_so_far(chat_ready, alice):
    chat_ready.script("gpt-4o", Reply(chunks=[f"w{i} " for i in range(12)], chunk_delay=0.1))
    conversation = await sync_to_async(new_conversation)(alice)
    cookie = await sync_to_async(session_cookie)(alice)
    socket = await _connected(f"/ws/chat/{conversation.id}/", cookie)
    await socket.send_json_to({"action": "send", "content": "count"})
    for _ in range(3):
        await events_until(socket, "delta")
    await socket.send_json_to({"action": "catch_up"})  # what the page sends after a gap in the deltas' n
    state = (await events_until(socket, "state"))[-1]
    assert state["streaming"]["text"].startswith("w0 w1 w2 ") and state["streaming"]["n"] >= 3
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "done"
    await socket.disconnect()
