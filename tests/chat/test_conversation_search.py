"""Live search of the sidebar: only the person's own conversations, a snippet with the match flagged, text
that stays text (the page builds it with textContent), and no input that makes it fail."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.conversation_search import MAX_RESULTS, marked
from tests.chat.conftest import new_conversation

pytestmark = pytest.mark.django_db


def search(person, query: str):
    client = Client()
    client.force_login(person.user)
    return client.get("/c/search", {"q": query}, secure=True)


def joined(segments) -> str:
    return "".join(s["text"] for s in segments)


def test_finds_message_text_with_a_marked_snippet(alice):
    conversation = new_conversation(alice, title="Holiday")
    conversation.messages.create(role="user", content="Which museums in Lisbon open on Mondays?")
    [result] = search(alice, "lisbon").json()["results"]
    assert result["id"] == conversation.id and result["url"] == f"/c/{conversation.id}/"
    assert [s for s in result["snippet"] if s["mark"]] == [{"text": "Lisbon", "mark": True}]
    assert joined(result["snippet"]) == "Which museums in Lisbon open on Mondays?"
    assert joined(result["title"]) == "Holiday"


def test_finds_titles_and_marks_them(alice):
    new_conversation(alice, title="Budget for Q3")
    [result] = search(alice, "budget").json()["results"]
    assert result["title"][0] == {"text": "Budget", "mark": True}
    assert result["snippet"] == []


def test_never_finds_another_persons_conversations(alice, charlie):
    theirs = new_conversation(charlie, title="Charlie's secret plan")
    theirs.messages.create(role="user", content="the secret is 42")
    new_conversation(alice, title="Alice's notes").messages.create(role="user", content="nothing here")
    assert search(alice, "secret").json()["results"] == []
    assert [r["id"] for r in search(charlie, "secret").json()["results"]] == [theirs.id]


def test_dropped_messages_are_not_searched(alice):
    conversation = new_conversation(alice, title="Edited")
    conversation.messages.create(role="user", content="old wording zebra", dropped=True)
    assert search(alice, "zebra").json()["results"] == []


def test_a_long_message_gives_a_short_snippet_around_the_match(alice):
    text = "word " * 400 + "needle" + " more" * 400
    new_conversation(alice, title="Long").messages.create(role="assistant", content=text)
    [result] = search(alice, "needle").json()["results"]
    shown = joined(result["snippet"])
    assert len(shown) < 160 and shown.startswith("…") and shown.endswith("…") and "needle" in shown


def test_the_result_count_is_bounded(alice):
    for n in range(MAX_RESULTS + 5):
        new_conversation(alice, title=f"report {n}")
    assert len(search(alice, "report").json()["results"]) == MAX_RESULTS


def test_html_in_a_message_comes_back_as_plain_text(alice):
    hostile = "<img src=x onerror=alert(1)> <script>alert(2)</script>"
    new_conversation(alice, title="x").messages.create(role="user", content=hostile)
    response = search(alice, "onerror")
    assert response["Content-Type"] == "application/json"
    [result] = response.json()["results"]
    # Text for textContent: nothing pre-escaped (that would show "&lt;"), nothing parsed, the match on its own.
    assert joined(result["snippet"]) == hostile
    assert {"text": "onerror", "mark": True} in result["snippet"]


@pytest.mark.parametrize("query", ["x" * 1000, "a\x00b", "%", "_", "' OR 1=1 --", "(.*", "   "])
def test_odd_queries_never_fail(alice, query):
    new_conversation(alice, title="100% done")
    response = search(alice, query)
    assert response.status_code in (200, 400)
    if response.status_code == 200:
        assert isinstance(response.json()["results"], list)


def test_percent_is_matched_literally(alice):
    new_conversation(alice, title="100% done")
    new_conversation(alice, title="nothing")
    assert [joined(r["title"]) for r in search(alice, "%").json()["results"]] == ["100% done"]


def test_search_needs_a_signed_in_person(client):
    response = client.get("/c/search", {"q": "x"}, secure=True)
    assert response.status_code == 302


def test_marked_without_a_match_shows_the_start():
    assert marked("abc", "zzz", 60) == [{"text": "abc", "mark": False}]
    assert marked("Straße", "STRASSE") == [{"text": "Straße", "mark": False}]


def test_the_snippet_comes_from_the_newest_matching_message(alice):
    conversation = new_conversation(alice, title="Log")
    conversation.messages.create(role="user", content="first kiwi")
    conversation.messages.create(role="assistant", content="no match")
    conversation.messages.create(role="user", content="second kiwi")
    [result] = search(alice, "kiwi").json()["results"]
    assert joined(result["snippet"]) == "second kiwi"
