"""A member removed from the team, or an account switched off, gets no more answers billed to the team:
not on a websocket opened before the change, not on a new one. Bob (a member of acme) is the one removed."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import sync_to_async

from billing.models import Membership, UsageRecord
from tests.chat.conftest import events_until, new_conversation, open_socket, session_cookie
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


async def _connected(path: str, cookie: bytes):
    socket = await open_socket(path, cookie)
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["kind"] == "state"
    return socket


async def _ask(socket: Any) -> dict[str, Any]:
    await socket.send_json_to({"action": "send", "content": "are you there?", "model": "gpt-4o"})
    return (await events_until(socket, "done"))[-1]


async def test_member_answered_before_removal_is_refused_after_on_the_same_socket(chat_ready, bob):
    chat_ready.script("gpt-4o", Reply(chunks=["yes"]), Reply(chunks=["still here"]))
    conversation = await sync_to_async(new_conversation)(bob)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(bob))
    assert (await _ask(socket))["status"] == "done"

    await Membership.objects.filter(user=bob.user).adelete()
    done = await _ask(socket)

    assert done["status"] == "error" and "no longer a member" in done["error"]
    assert await UsageRecord.objects.filter(user=bob.user).acount() == 1  # only the answer before removal
    assert len(chat_ready.requests_for("/chat/completions")) == 1  # the upstream was never asked again
    await socket.disconnect()


async def test_removed_member_is_refused_on_a_new_socket(chat_ready, bob):
    conversation = await sync_to_async(new_conversation)(bob)
    cookie = await sync_to_async(session_cookie)(bob)
    await Membership.objects.filter(user=bob.user).adelete()

    socket = await _connected(f"/ws/chat/{conversation.id}/", cookie)  # reading their own history is still fine
    done = await _ask(socket)

    assert done["status"] == "error" and "no longer a member" in done["error"]
    assert not await UsageRecord.objects.filter(user=bob.user).aexists()
    assert not chat_ready.requests_for("/chat/completions")
    await socket.disconnect()


async def test_switched_off_account_is_refused_on_its_open_socket(chat_ready, bob):
    conversation = await sync_to_async(new_conversation)(bob)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(bob))
    bob.user.is_active = False
    await bob.user.asave(update_fields=["is_active"])

    done = await _ask(socket)

    assert done["status"] == "error" and "switched off" in done["error"]
    assert not await UsageRecord.objects.filter(user=bob.user).aexists()
    assert not chat_ready.requests_for("/chat/completions")
    await socket.disconnect()


async def test_member_of_another_team_is_refused_on_a_conversation_billed_to_the_old_one(chat_ready, bob, globex):
    conversation = await sync_to_async(new_conversation)(bob)  # billed to acme
    await Membership.objects.filter(user=bob.user).aupdate(team=globex)  # moved to globex

    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(bob))
    done = await _ask(socket)

    assert done["status"] == "error" and "no longer a member" in done["error"]
    assert not await UsageRecord.objects.aexists()
    await socket.disconnect()


async def test_compare_run_of_a_removed_member_answers_nothing_billed(chat_ready, bob):
    from chat.compare_runs import create_run
    from chat.models import CompareAnswer

    run = await sync_to_async(create_run)(bob.user, "Say hi", ["gpt-4o", "gpt-4o-mini"])
    await Membership.objects.filter(user=bob.user).adelete()
    socket = await open_socket(f"/ws/compare/{run.id}/", await sync_to_async(session_cookie)(bob))
    assert (await socket.connect())[0]
    done: list[dict[str, Any]] = []
    while len(done) < 2:
        event = await socket.receive_json_from(timeout=10)
        if event["kind"] == "done":
            done.append(event)
    assert {event["status"] for event in done} == {"error"}
    assert all("no longer a member" in event["error"] for event in done)
    assert not await CompareAnswer.objects.filter(run=run, status="done").aexists()
    assert not await UsageRecord.objects.aexists()
    assert not chat_ready.requests_for("/chat/completions")
    await socket.disconnect()


async def test_removed_on_the_team_people_page_is_refused_on_the_open_socket(chat_ready, alice, bob):
    """The lead's "Remove" (billing/people.py) reaches a socket opened before it, like any membership change."""
    from django.test import Client

    conversation = await sync_to_async(new_conversation)(bob)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(bob))
    lead = Client()
    await sync_to_async(lead.force_login)(alice.user)
    removed = await sync_to_async(lead.post)(f"/teams/acme/people/{bob.user.pk}/remove/", secure=True)
    assert removed.status_code == 302

    done = await _ask(socket)

    assert done["status"] == "error" and "no longer a member" in done["error"]
    assert not chat_ready.requests_for("/chat/completions")
    await socket.disconnect()


async def test_switched_off_on_the_staff_people_page_is_refused_on_the_open_socket(chat_ready, bob):
    from django.contrib.auth import get_user_model
    from django.test import Client

    conversation = await sync_to_async(new_conversation)(bob)
    socket = await _connected(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(bob))
    root = await get_user_model().objects.acreate(username="root", is_staff=True)
    staff = Client()
    await sync_to_async(staff.force_login)(root)
    switched = await sync_to_async(staff.post)(f"/staff/people/{bob.user.pk}/", {"action": "deactivate"}, secure=True)
    assert switched.status_code == 302

    done = await _ask(socket)

    assert done["status"] == "error" and "switched off" in done["error"]
    assert not await UsageRecord.objects.filter(user=bob.user).aexists()
    assert not chat_ready.requests_for("/chat/completions")
    await socket.disconnect()
