"""The leaderboard: a Bradley–Terry rating with its ± beside cost per win; too few votes are not ranked."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from chat.compare_runs import create_run
from chat.leaderboard import MIN_CONTESTS, board, bradley_terry
from chat.models import CompareVote

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


def test_a_member_who_is_not_an_admin_is_refused(upstream, alice, charlie):
    voted_run(alice, ["claude-3-5-sonnet", "gpt-4o"], "gpt-4o")
    client = Client()
    client.force_login(charlie.user)
    assert client.get("/compare/leaderboard/?team=acme", secure=True).status_code == 403
