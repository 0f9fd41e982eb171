"""The chat's pages: the owner sees and manages a conversation, nobody else does; exports; compare votes; staff pages."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import pytest
from django.test import Client

from billing.ledger import UsageDraft, settle_usage
from billing.models import UsageRecord
from chat.compare_runs import create_run
from chat.leaderboard import leaderboard
from chat.models import CompareVote, Conversation
from tests.chat.conftest import client_for, get, new_conversation, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat_with_answer(upstream, alice):
    conversation = new_conversation(alice, title="Trip to Lisbon", system_prompt="Be brief.")
    question = conversation.messages.create(role="user", content="Where to eat?")
    conversation.messages.create(
        role="assistant",
        content="Try **pastéis**.",
        model="gpt-4o",
        cost=Decimal("0.0012"),
        request_id="req-lisbon",
        reply_to=question,
    )
    # The total shown is what the usage ledger billed: settled as the gateway settles (a record and its charge).
    settle_usage(
        UsageDraft(
            request_id="req-lisbon",
            user_id=alice.user.pk,
            team_id=conversation.team_id,
            key_id=None,
            source="chat",
            model_requested="gpt-4o",
            cost=Decimal("0.0012"),
            status=UsageRecord.OK,
        )
    )
    return conversation


def test_home_is_the_chat_and_needs_sign_in(upstream, alice):
    assert get(Client(), "/").status_code == 302
    page = get(client_for(alice), "/")
    assert page.status_code == 200
    assert b'<label for="message" class="visually-hidden">Message</label>' in page.content
    assert b"<optgroup" in page.content and b"per 1M" in page.content


def test_owner_sees_the_conversation_rendered_safely(chat_with_answer, alice):
    page = get(client_for(alice), f"/c/{chat_with_answer.id}/")
    assert page.status_code == 200
    assert b"<strong>past\xc3\xa9is</strong>" in page.content
    assert b"$0.0012 total" in page.content


def test_others_cannot_see_or_touch_the_conversation(chat_with_answer, bob, charlie):
    for person in (bob, charlie):
        client = client_for(person)
        for url in ("/c/{}/", "/c/{}/messages", "/c/{}/export.md", "/c/{}/export.json"):
            assert get(client, url.format(chat_with_answer.id)).status_code == 404
        assert post(client, f"/c/{chat_with_answer.id}/rename", {"title": "mine"}).status_code == 404
        assert post(client, f"/c/{chat_with_answer.id}/delete").status_code == 404
    assert Conversation.objects.get(id=chat_with_answer.id).title == "Trip to Lisbon"


def test_search_matches_titles_and_message_text(chat_with_answer, alice):
    other = new_conversation(alice, title="Unrelated")
    client = client_for(alice)
    by_content = get(client, "/?q=pastéis").content.decode()
    assert "Trip to Lisbon" in by_content and "Unrelated" not in by_content
    by_title = get(client, "/?q=unrel").content.decode()
    assert f'href="/c/{other.id}/"' in by_title and "Trip to Lisbon" not in by_title


def test_rename_and_delete(chat_with_answer, alice):
    client = client_for(alice)
    post(client, f"/c/{chat_with_answer.id}/rename", {"title": "Lisbon food"})
    assert Conversation.objects.get(id=chat_with_answer.id).title == "Lisbon food"
    assert post(client, f"/c/{chat_with_answer.id}/delete").status_code == 302
    assert not Conversation.objects.filter(id=chat_with_answer.id).exists()


def test_exports(chat_with_answer, alice):
    client = client_for(alice)
    markdown = get(client, f"/c/{chat_with_answer.id}/export.md")
    assert markdown["Content-Disposition"] == 'attachment; filename="Trip-to-Lisbon.md"'
    text = markdown.content.decode()
    assert text.startswith("# Trip to Lisbon") and "## You\n\nWhere to eat?" in text and "## gpt-4o" in text
    data = json.loads(get(client, f"/c/{chat_with_answer.id}/export.json").content)
    assert data["system_prompt"] == "Be brief."
    assert [m["role"] for m in data["messages"]] == ["user", "assistant"]
    assert data["messages"][1]["cost"] == "0.0012"  # exact, without trailing zeros or exponents (0E-8)


def test_new_conversation_belongs_to_the_users_team(upstream, alice, charlie):
    created = post(client_for(charlie), "/c/new", {"model": "gpt-4o"}).json()
    conversation = Conversation.objects.get(id=created["id"])
    assert conversation.owner == charlie.user and conversation.team.slug == "globex"


def test_a_member_of_two_teams_picks_the_one_billed(upstream, alice, globex, charlie):
    from billing.models import Membership

    Membership.objects.create(user=alice.user, team=globex, role="member")
    client = client_for(alice)
    assert b'<label for="team">Team billed</label>' in get(client, "/").content
    created = post(client, "/c/new", {"model": "gpt-4o", "team": "globex"}).json()
    assert Conversation.objects.get(id=created["id"]).team == globex
    refused = post(client_for(charlie), "/c/new", {"model": "gpt-4o", "team": "acme"})
    assert refused.status_code == 400 and "not a member" in refused.json()["error"]["message"]
    assert b"Team billed" not in get(client_for(charlie), "/").content  # one team: nothing to pick


def test_compare_vote_feeds_the_team_leaderboard(upstream, alice, charlie):
    run = create_run(alice.user, "Which is best?", ["gpt-4o", "claude-3-5-sonnet", "gpt-4o-mini"])
    answers = list(run.answers.all())
    for answer, cost in zip(answers, ("0.01", "0.02", "0.001"), strict=True):
        answer.status, answer.cost = "done", Decimal(cost)
        answer.save()
    assert (
        post(
            client_for(charlie),
            f"/compare/{run.id}/vote",
            content_type="application/json",
            data=json.dumps({"answer": answers[1].id}),
        ).status_code
        == 404
    )
    client = client_for(alice)
    response = post(
        client, f"/compare/{run.id}/vote", content_type="application/json", data=json.dumps({"answer": answers[1].id})
    )
    assert response.json()["answer"] == answers[1].id
    assert CompareVote.objects.get(run=run).answer == answers[1]
    board = {s.model: s for s in leaderboard(run.team_id)}
    assert board["claude-3-5-sonnet"].wins == 1 and board["claude-3-5-sonnet"].win_rate == 1.0
    assert board["claude-3-5-sonnet"].cost_per_win == Decimal("0.02")
    assert board["gpt-4o"].wins == 0 and board["gpt-4o"].cost_per_win is None
    assert leaderboard(charlie.user.memberships.first().team_id) == []


def test_compare_needs_two_to_four_models(upstream, alice):
    client = client_for(alice)
    one = post(client, "/compare/new", {"prompt": "hi", "model": ["gpt-4o", "gpt-4o"]})
    assert one.status_code == 400 and "2 to 4" in one.json()["error"]["message"]
    ok = post(client, "/compare/new", {"prompt": "hi", "model": ["gpt-4o", "o1-mini", ""]})
    assert ok.status_code == 200 and [a["model"] for a in ok.json()["answers"]] == ["gpt-4o", "o1-mini"]


def test_leaderboard_is_for_the_teams_members_and_staff(upstream, alice, bob, charlie):
    page = get(client_for(alice), "/compare/leaderboard/")  # alice owns acme
    assert page.status_code == 200 and b"Model leaderboard" in page.content
    assert b'<option value="acme" selected>' in page.content and b"globex" not in page.content
    page = get(client_for(bob), "/compare/leaderboard/")  # a member, not an admin: reads it
    assert page.status_code == 200 and b'<option value="acme" selected>' in page.content
    assert b"globex" not in page.content
    charlie.user.is_staff = True
    charlie.user.save()
    page = get(client_for(charlie), "/compare/leaderboard/?team=acme")
    assert page.status_code == 200 and b'<option value="acme" selected>' in page.content


def test_password_change_page(upstream, alice):
    client = client_for(alice)
    assert get(client, "/accounts/password/").status_code == 200
    done = post(
        client,
        "/accounts/password/",
        {
            "old_password": alice.password,
            "new_password1": "a-much-longer-secret-42",
            "new_password2": "a-much-longer-secret-42",
        },
    )
    assert done.status_code == 302
    alice.user.refresh_from_db()
    assert alice.user.check_password("a-much-longer-secret-42")


def test_compare_form_starts_with_two_different_models(upstream, alice):
    page = get(client_for(alice), "/compare/").content.decode()
    picked = {}
    for slot in "1234":
        select = page.split(f'<select id="model-{slot}"', 1)[1].split("</select>", 1)[0]
        picked[slot] = re.findall(r'<option value="([^"]*)" selected>', select)
    assert len(picked["1"]) == len(picked["2"]) == 1 and picked["1"] != picked["2"]  # the same one twice is refused
    assert picked["3"] == picked["4"] == []
