"""Thumbs on chat answers: one vote per person and answer version, changeable, with a note; only on one's own
finished answers; the conversation page and its JSON show the reader's vote."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from chat.models import AnswerFeedback, Message
from tests.chat.conftest import client_for, new_conversation

pytestmark = pytest.mark.django_db


def rate(client: Client, answer_id: int, body) -> Any:
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(f"/c/answers/{answer_id}/feedback", data, content_type="application/json", secure=True)


@pytest.fixture
def answer(upstream, alice) -> Message:
    conversation = new_conversation(alice)
    question = conversation.messages.create(role="user", content="Where to eat?")
    return Message.objects.create(
        conversation=conversation,
        role="assistant",
        content="Try pastéis.",
        model="gpt-4o",
        cost=Decimal("0.0012"),
        reply_to=question,
    )


def test_a_thumb_is_stored_then_changed_not_added(answer, alice):
    client = client_for(alice)
    first = rate(client, answer.id, {"rating": "up"})
    assert first.status_code == 200 and first.json() == {"rating": "up", "note": ""}
    changed = rate(client, answer.id, {"rating": "down", "note": "  Too short.  "})
    assert changed.json() == {"rating": "down", "note": "Too short."}
    vote = AnswerFeedback.objects.get()  # still one row: the vote changed
    assert (vote.message_id, vote.user_id, vote.good, vote.note) == (answer.id, alice.user.id, False, "Too short.")


def test_a_null_rating_takes_the_vote_back(answer, alice):
    client = client_for(alice)
    rate(client, answer.id, {"rating": "up", "note": "Spot on"})
    taken_back = rate(client, answer.id, {"rating": None})
    assert taken_back.json() == {"rating": None, "note": ""}
    assert not AnswerFeedback.objects.exists()


def test_each_version_of_an_answer_has_its_own_vote(answer, alice):
    again = answer.conversation.messages.create(
        role="assistant", content="Try bifanas.", model="gpt-4o-mini", reply_to=answer.reply_to
    )
    client = client_for(alice)
    rate(client, answer.id, {"rating": "up"})
    rate(client, again.id, {"rating": "down"})
    assert dict(AnswerFeedback.objects.values_list("message_id", "good")) == {answer.id: True, again.id: False}


def test_the_database_holds_one_vote_per_person_and_answer(answer, alice, bob):
    AnswerFeedback.objects.create(message=answer, user=alice.user, good=True)
    AnswerFeedback.objects.create(message=answer, user=bob.user, good=False)  # another person: a second vote
    with pytest.raises(IntegrityError), transaction.atomic():
        AnswerFeedback.objects.create(message=answer, user=alice.user, good=False)


def test_nobody_else_can_rate_an_answer_not_even_a_teammate(answer, bob, charlie):
    for person in (bob, charlie):
        refused = rate(client_for(person), answer.id, {"rating": "down"})
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert not AnswerFeedback.objects.exists()


def test_a_question_a_streaming_answer_or_an_error_cannot_be_rated(answer, alice):
    client = client_for(alice)
    assert rate(client, answer.reply_to_id, {"rating": "up"}).status_code == 404
    for status in (Message.STREAMING, Message.ERROR):
        Message.objects.filter(id=answer.id).update(status=status)
        refused = rate(client, answer.id, {"rating": "up"})
        assert refused.status_code == 400 and refused.json()["error"]["code"] == "not_rateable"
    assert not AnswerFeedback.objects.exists()


@pytest.mark.parametrize(
    "body, param",
    [
        ("not json", None),
        ("[" * 100_000, None),  # deeper than the JSON parser goes
        (b"\xff\xfe", None),
        ([], None),
        ({"rating": "great"}, "rating"),
        ({"rating": 1}, "rating"),
        ({"rating": "up", "note": 5}, "note"),
        ({"rating": "up", "note": "x" * 1001}, "note"),
    ],
)
def test_a_bad_body_is_a_400_with_an_error_object(answer, alice, body, param):
    refused = rate(client_for(alice), answer.id, body)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["type"] == "invalid_request_error" and error["message"] and error.get("param") == param
    assert not AnswerFeedback.objects.exists()


def test_a_vote_needs_the_csrf_token_and_a_post(answer, alice):
    guarded = client_for(alice, enforce_csrf_checks=True)
    assert rate(guarded, answer.id, {"rating": "up"}).status_code == 403
    assert client_for(alice).get(f"/c/answers/{answer.id}/feedback", secure=True).status_code == 405
    assert not AnswerFeedback.objects.exists()


def test_the_conversation_shows_the_readers_vote_and_note(answer, alice):
    client = client_for(alice)
    page = client.get(f"/c/{answer.conversation_id}/", secure=True).content.decode()
    assert 'data-rate="up" aria-pressed="false"' in page and "Add a note" in page
    rate(client, answer.id, {"rating": "up", "note": "<b>Great</b>"})
    page = client.get(f"/c/{answer.conversation_id}/", secure=True).content.decode()
    assert 'data-rating="up"' in page and 'data-rate="up" aria-pressed="true"' in page
    assert 'data-note="&lt;b&gt;Great&lt;/b&gt;"' in page and "Edit note" in page  # escaped
    listed = client.get(f"/c/{answer.conversation_id}/messages", secure=True).json()["messages"]
    assert listed[1]["feedback"] == {"rating": "up", "note": "<b>Great</b>"} and listed[1]["rateable"] is True
    assert "feedback" not in listed[0]  # a question has no thumbs
