"""The chat's model picker: exact prices, context, abilities, the cost router's auto routes, the remembered
choice; an auto-routed answer says which model was chosen and why."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.test import Client
from playwright.sync_api import expect

from chat.model_picker import AUTO_ROUTES, price, tokens
from chat.models import ChatPreference, Message
from tests.chat.conftest import client_for, events_until, new_conversation, open_socket, session_cookie
from tests.chat.test_chat_browser import answers, finished, send
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "value,shown",
    [("0.15", "$0.15"), ("0.60", "$0.60"), ("0.075", "$0.075"), ("15", "$15.00"), ("0.0375", "$0.0375"), ("0", "$0")],
)
def test_prices_per_million_are_never_rounded_to_cents(value, shown):
    assert price(Decimal(value)) == shown


def test_context_windows_read_as_k_and_m():
    assert [tokens(n) for n in (8_192, 128_000, 1_000_000, 1_048_576)] == ["8.2K", "128K", "1M", "1.05M"]


def test_the_router_accepts_every_auto_route_offered():
    from llmhub.gateway.route_scoring import TASKS, TIERS, parse_auto_model

    for name in AUTO_ROUTES:
        is_auto, asked = parse_auto_model(name)
        assert is_auto and (asked is None or asked in TASKS or asked in TIERS)
    assert {"auto", "auto:code", "auto:fast"} <= set(AUTO_ROUTES)


def test_the_picker_shows_families_prices_context_abilities_and_auto(upstream, alice):
    page = client_for(alice).get("/", secure=True).content.decode()
    assert (
        '<optgroup label="Auto (cost router)" data-group="auto">' in page
        and '<optgroup label="GPT" data-group="GPT">' in page
    )
    for route in ("auto", "auto:code", "auto:fast"):
        assert f'<option value="{route}"' in page
    assert "gpt-4o-mini — $0.15 / $0.60 per 1M · 128K · vision · tools" in page
    assert 'role="combobox"' in page and 'role="listbox"' in page  # the combobox drawn over the select


def test_the_choice_is_remembered_per_user(upstream, alice, bob):
    assert client_for(alice).post("/c/model", {"model": "auto:fast"}, secure=True).status_code == 200
    assert re.search(
        r'<option value="auto:fast"[^>]* selected>', client_for(alice).get("/", secure=True).content.decode()
    )
    assert not re.search(
        r'<option value="auto:fast"[^>]* selected>', client_for(bob).get("/", secure=True).content.decode()
    )
    refused = client_for(bob).post("/c/model", {"model": "no-such-model"}, secure=True)
    assert refused.status_code == 400 and not ChatPreference.objects.filter(user=bob.user).exists()
    assert Client().post("/c/model", {"model": "auto"}, secure=True).status_code == 302  # signed out


async def test_an_auto_routed_answer_shows_the_model_chosen_and_why(chat_ready, alice):
    chat_ready.script("deepseek-coder", Reply(text="def f(): pass"))
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(alice))
    assert (await socket.connect())[0]
    await socket.send_json_to({"action": "send", "content": "Write a function", "model": "auto:code"})
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "done" and done["model"] == "deepseek-coder"
    assert done["route"]["asked"] == "auto:code" and done["route"]["model"] == "deepseek-coder"
    assert done["route"]["reason"]
    saved = await Message.objects.aget(id=done["id"])
    assert saved.routed_as == "auto:code" and saved.route["model"] == "deepseek-coder"
    assert (await ChatPreference.objects.aget(user=alice.user)).model == "auto:code"
    await socket.disconnect()
    page = (await sync_to_async(client_for)(alice)).get
    html = (await sync_to_async(page)(f"/c/{conversation.id}/", secure=True)).content.decode()
    assert "auto:code chose deepseek-coder" in html


@pytest.mark.browser
def test_search_pick_by_keyboard_and_the_choice_is_remembered(page_for, alice, upstream):
    upstream.script("deepseek-coder", Reply(text="Here is code."))
    page = page_for(alice)
    combobox = page.get_by_role("combobox", name="Model")
    combobox.fill("coder")
    expect(page.locator("#model-status")).to_contain_text("match")
    combobox.press("Enter")  # picks the first match
    expect(combobox).to_have_value("deepseek-coder")
    expect(page.locator("#model")).to_have_value("deepseek-coder")
    expect(page.locator("#model-info")).to_contain_text("$0.14 in / $0.28 out per 1M tokens")
    page.locator("#model").select_option("gpt-4o-mini")  # the select is still the form control
    expect(combobox).to_have_value("gpt-4o-mini")
    expect(page.locator("#model-info")).to_contain_text("$0.15 in / $0.60 out per 1M tokens · 128K context")
    combobox.fill("auto:code")
    combobox.press("Enter")
    send(page, "Write a function")
    finished(page, "Here is code.")
    expect(answers(page).last.locator(".msg-route")).to_contain_text("auto:code chose deepseek-coder")
    expect(answers(page).last.locator(".msg-model")).to_have_text("deepseek-coder")
    page.goto("/")  # a new chat starts with the remembered choice
    expect(page.get_by_role("combobox", name="Model")).to_have_value("auto:code")
