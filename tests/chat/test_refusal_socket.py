"""Refusals over the chat websocket: the structured payload (code, team name, amounts as strings, reset time
ISO, the buttons' targets), kept on the answer, and "Use a cheaper model" answered on that model."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async

from billing.models import Budget, Team
from chat.models import Message
from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def _connected(conversation, person):
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(person))
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["kind"] == "state"
    return socket


async def test_out_of_credits_sends_the_refusal_payload_and_a_cheaper_model_answers(chat_ready, bob, acme):
    await Team.objects.filter(id=acme.id).aupdate(name="Acme Research", balance=Decimal("0.0001"))
    chat_ready.script("deepseek-coder", Reply(text="A cheap answer."))
    conversation = await sync_to_async(new_conversation)(bob, model="o1")
    socket = await _connected(conversation, bob)
    await socket.send_json_to({"action": "send", "content": "hi", "model": "o1"})
    done = (await events_until(socket, "done"))[-1]
    refusal = done["refusal"]
    assert done["status"] == "error" and refusal["code"] == "out_of_credits"
    assert refusal["team"] == "Acme Research" and refusal["left"] == "0.0001"
    assert Decimal(refusal["cost_up_to"]) > Decimal("0.0001")
    # o1's worst case (100,000 output tokens at $60 per 1M) is about $6: the ask suggests the shortfall, $7.
    assert Decimal("6") < Decimal(refusal["cost_up_to"]) < Decimal("7")
    assert refusal["ask_url"] == "/teams/acme/credits/ask/?amount=7.00" and refusal["ask_amount"] == "7.00"
    assert refusal["cheaper_model"] == "deepseek-coder"
    assert done["error"] == refusal["words"] and "Acme Research has less than $0.01 left" in done["error"]
    answer = await Message.objects.aget(id=done["id"])
    assert answer.refusal == refusal and answer.error == refusal["words"]

    # The button: the same message again on that model.
    await socket.send_json_to({"action": "regenerate", "model": refusal["cheaper_model"]})
    again = (await events_until(socket, "done"))[-1]
    assert again["status"] == "done" and again["model"] == "deepseek-coder" and again["refusal"] is None
    assert "A cheap answer." in again["html"]
    sent = chat_ready.requests_for("/chat/completions")[-1].body
    assert sent["messages"][-1] == {"role": "user", "content": "hi"}
    await socket.disconnect()


async def test_a_member_cap_sends_its_reset_time_as_iso(chat_ready, bob, acme, settings):
    settings.TIME_ZONE = "UTC"
    await Budget.objects.acreate(team=acme, user=bob.user, amount=Decimal("0.000001"), period=Budget.DAILY)
    conversation = await sync_to_async(new_conversation)(bob)
    socket = await _connected(conversation, bob)
    await socket.send_json_to({"action": "send", "content": "hello"})
    done = (await events_until(socket, "done"))[-1]
    refusal = done["refusal"]
    assert refusal["code"] == "member_cap" and refusal["team"] == "Acme"
    assert refusal["resets_at"].endswith("T00:00:00+00:00") and refusal["resets_shown"] in refusal["words"]
    assert refusal["words"].startswith("Your daily limit on Acme is $0.000001. This answer could cost up to $0.17")
    assert chat_ready.requests_for("/chat/completions") == []
    await socket.disconnect()
