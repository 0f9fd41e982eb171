"""The leaderboard: a Bradley–Terry rating with its ± beside cost per win; too few votes are not ranked; thumbs on
chat answers beside them with the cost per good answer; members read their own team's board, no other."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.answer_feedback import thumbs_by_model
from chat.compare_runs import create_run
from chat.leaderboard import MIN_CONTESTS, board, bradley_terry
from chat.models import AnswerFeedback, CompareVote, Message
from tests.chat.conftest import new_conversation

pytestmark = pytest.mark.django_db


def voted_run(person, models: list[str], winner: str, cost: str = "0.001") -> None:
    run = create_run(person.user, "Which is best?", models)
    run.answers.update(status="done", cost=Decimal(cost))
    CompareVote.objects.create(run=run, answer=run.answers.get(model=winner), voter=person.user)


def test_a_model_with_few_votes_is_not_ranked_above_a_tested_one(upstream, alice):
    # The case: 2 wins of 2 used to rank above 3 wins of 6.
    for winner in ["gpt-4o-mini"] * 2:
        voted_run(alice, ["gpt-4o-mini", "gpt-4o"], winner)
    for winner in ["claude-3-5-sonnet"] * 3 + ["gpt-4o"] * 3:
        voted_run(alice, ["claude-3-5-sonnet", "gpt-4o"], winner)
    result = board(alice.user.memberships.first().team_id)
    ranked = {s.model: s for s in result.ranked}
    assert set(ranked) == {"claude-3-5-sonnet", "gpt-4o"}  # 6 and 8 contests
    assert [s.model for s in result.too_few] == ["gpt-4o-mini"] and result.too_few[0].contests < MIN_CONTESTS
    assert all(s.margin > 0 for s in result.ranked)


def test_the_rating_orders_by_strength_with_an_uncertainty_that_shrinks_with_votes():
    few = bradley_terry(["a", "b"], {("a", "b"): 3, ("b", "a"): 1})
    many = bradley_terry(["a", "b"], {("a", "b"): 30, ("b", "a"): 10})
    assert few["a"][0] > few["b"][0] and many["a"][0] > many["b"][0]
    assert many["a"][1] < few["a"][1]  # more votes, smaller ±
    even = bradley_terry(["a", "b"], {("a", "b"): 5, ("b", "a"): 5})
    assert abs(even["a"][0] - even["b"][0]) < 1e-9


def test_an_unbeaten_model_gets_a_finite_rating():
    rated = bradley_terry(["a", "b"], {("a", "b"): 10})
    assert all(abs(theta) < 10 for theta, _ in rated.values())


def test_the_page_shows_rating_margin_cost_per_win_and_the_too_few_list(upstream, alice):
    for _ in range(MIN_CONTESTS):
        voted_run(alice, ["claude-3-5-sonnet", "gpt-4o"], "claude-3-5-sonnet", cost="0.002")
    voted_run(alice, ["gpt-4o-mini", "gpt-4o"], "gpt-4o-mini")
    client = Client()
    client.force_login(alice.user)
    page = client.get("/compare/leaderboard/", secure=True).content.decode()
    assert "±" in page and "$0.002000" in page  # claude: 5 wins, $0.010 over its 5 answers
    assert "Not enough votes yet" in page and "gpt-4o-mini" in page.split("Not enough votes yet")[1]


def rated_answer(person, model: str, cost: str, *votes) -> Message:
    """An answer in `person`'s conversation (billed to their team) with each (voter, good) vote on it."""
    conversation = new_conversation(person)
    question = conversation.messages.create(role="user", content="Hi")
    answer = Message.objects.create(
        conversation=conversation, role="assistant", content="Hello", model=model, cost=Decimal(cost), reply_to=question
    )
    for voter, good in votes:
        AnswerFeedback.objects.create(message=answer, user=voter.user, good=good)
    return answer


def test_thumbs_count_per_model_with_the_exact_cost_per_good_answer(upstream, alice, bob, charlie):
    rated_answer(alice, "gpt-4o", "0.00100000", (alice, True), (bob, True))  # two votes, its cost once
    rated_answer(alice, "gpt-4o", "0.00200000", (alice, False))
    rated_answer(alice, "gpt-4o", "0.00050000", (alice, True))
    rated_answer(alice, "gpt-4o", "5.00000000")  # not rated: not in the cost
    rated_answer(alice, "claude-3-5-sonnet", "0.00300000", (alice, False))
    rated_answer(charlie, "gpt-4o", "9.00000000", (charlie, True))  # another team's
    thumbs = thumbs_by_model(alice.user.memberships.get().team_id)
    assert set(thumbs) == {"gpt-4o", "claude-3-5-sonnet"}
    gpt = thumbs["gpt-4o"]
    assert (gpt.up, gpt.down, gpt.rated) == (3, 1, 4) and gpt.good_share == 0.75
    assert gpt.rated_cost == Decimal("0.0035") and isinstance(gpt.rated_cost, Decimal)
    assert gpt.cost_per_good_answer == Decimal("0.0035") / 3  # Decimal division, no float on the way
    claude = thumbs["claude-3-5-sonnet"]
    assert (claude.up, claude.down, claude.good_share, claude.cost_per_good_answer) == (0, 1, 0.0, None)
    other = thumbs_by_model(charlie.user.memberships.get().team_id)["gpt-4o"]
    assert (other.up, other.cost_per_good_answer) == (1, Decimal("9"))


def test_the_board_shows_thumbs_beside_the_rating_and_lists_models_rated_only_by_thumbs(upstream, alice):
    for _ in range(MIN_CONTESTS):
        voted_run(alice, ["claude-3-5-sonnet", "gpt-4o"], "claude-3-5-sonnet")
    rated_answer(alice, "claude-3-5-sonnet", "0.004", (alice, True))
    rated_answer(alice, "claude-3-5-sonnet", "0.0025", (alice, True))
    rated_answer(alice, "o1-mini", "0.01", (alice, False))
    result = board(alice.user.memberships.get().team_id)
    ranked = {s.model: s for s in result.ranked}
    assert ranked["claude-3-5-sonnet"].thumbs.cost_per_good_answer == Decimal("0.00325")
    assert ranked["gpt-4o"].thumbs.rated == 0
    assert [(s.model, s.contests, s.thumbs.down) for s in result.too_few] == [("o1-mini", 0, 1)]
    page = Client()
    page.force_login(alice.user)
    html = page.get("/compare/leaderboard/", secure=True).content.decode()
    claude_row = html[html.index("<td>claude-3-5-sonnet</td>") :].split("</tr>")[0]
    assert "2 up, 0 down" in claude_row and "100%" in claude_row and "$0.003250" in claude_row
    o1_row = html[html.index("<td>o1-mini</td>") :].split("</tr>")[0]
    assert "0 up, 1 down" in o1_row and "0%" in o1_row and "—" in o1_row


def test_a_member_sees_their_teams_board_read_only(upstream, alice, bob):
    voted_run(alice, ["claude-3-5-sonnet", "gpt-4o"], "gpt-4o")
    rated_answer(alice, "gpt-4o", "0.001", (alice, True))
    client = Client()
    client.force_login(bob.user)  # a member of acme, not an admin
    page = client.get("/compare/leaderboard/", secure=True)
    assert page.status_code == 200
    html = page.content.decode()
    assert '<option value="acme" selected>' in html and "1 up, 0 down" in html
    assert 'href="/compare/leaderboard/"' in client.get("/", secure=True).content.decode()  # and the nav offers it


def test_a_member_of_another_team_sees_none_of_this_teams_board(upstream, alice, charlie):
    voted_run(alice, ["claude-3-5-sonnet", "gpt-4o"], "gpt-4o")
    rated_answer(alice, "o1-mini", "0.001", (alice, True))
    client = Client()
    client.force_login(charlie.user)  # globex
    assert client.get("/compare/leaderboard/?team=acme", secure=True).status_code == 404
    own = client.get("/compare/leaderboard/", secure=True).content.decode()
    assert '<option value="globex" selected>' in own and "acme" not in own.lower()
    assert not any(model in own for model in ("claude-3-5-sonnet", "gpt-4o", "o1-mini"))


def test_someone_in_no_team_is_refused(upstream, alice):
    loner = get_user_model().objects.create_user("dave", password="pw-dave-123")
    client = Client()
    client.force_login(loner)
    assert client.get("/compare/leaderboard/", secure=True).status_code == 403
    assert b'href="/compare/leaderboard/"' not in client.get("/compare/", secure=True).content
