"""The per-team model leaderboard from compare votes: a Bradley–Terry rating with its uncertainty, win rate
and cost per win; models with too few votes are listed apart instead of ranked. Beside the rating, the thumbs
people gave the model's chat answers (chat/answer_feedback.py)."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, Sum

from billing.access import member_teams
from billing.models import Team
from chat.answer_feedback import Thumbs, thumbs_by_model
from chat.models import CompareAnswer

MIN_CONTESTS = 5  # fewer voted comparisons than this: "not enough votes", no rank
SCALE = 400 / math.log(10)  # Elo-like points: 400 points = 10:1 odds of winning
BASE = 1000
PRIOR_GAMES = 1.0  # each model also wins and loses one virtual game against an average model (θ = 0)
ITERATIONS = 500


@dataclass
class Standing:
    model: str
    contests: int
    wins: int
    cost: Decimal
    rating: int = BASE
    margin: int = 0  # ± of a 95% interval, in rating points
    thumbs: Thumbs = field(default_factory=Thumbs)

    @property
    def win_rate(self) -> float:
        return self.wins / self.contests if self.contests else 0.0

    @property
    def cost_per_win(self) -> Decimal | None:
        return self.cost / self.wins if self.wins else None

    @property
    def enough_votes(self) -> bool:
        return self.contests >= MIN_CONTESTS


@dataclass
class Board:
    ranked: list[Standing]
    too_few: list[Standing]  # below MIN_CONTESTS, by votes
    min_contests: int = MIN_CONTESTS


def pairwise_wins(team_id: int) -> dict[tuple[str, str], int]:
    """(winner, loser) counts: the marked answer of a run beat every other finished answer in it."""
    answers = CompareAnswer.objects.filter(run__team_id=team_id, run__vote__isnull=False, status="done")
    by_run: dict[int, list[tuple[str, bool]]] = defaultdict(list)
    for run_id, model, won in answers.values_list("run_id", "model", "votes__id"):
        by_run[run_id].append((model, won is not None))
    wins: dict[tuple[str, str], int] = defaultdict(int)
    for entries in by_run.values():
        for winner in (m for m, won in entries if won):
            for loser in (m for m, won in entries if not won):
                wins[(winner, loser)] += 1
    return wins


def bradley_terry(models: list[str], wins: dict[tuple[str, str], int]) -> dict[str, tuple[float, float]]:
    """Log-strength θ and its standard error per model (MM algorithm; a weak prior keeps θ finite)."""
    games: dict[tuple[str, str], float] = defaultdict(float)
    won: dict[str, float] = {m: PRIOR_GAMES for m in models}
    for (winner, loser), count in wins.items():
        games[(winner, loser)] += count
        games[(loser, winner)] += count
        won[winner] += count
    strength = dict.fromkeys(models, 1.0)
    for _ in range(ITERATIONS):
        for m in models:
            denominator = 2 * PRIOR_GAMES / (strength[m] + 1.0)
            denominator += sum(games[(m, o)] / (strength[m] + strength[o]) for o in models if o != m)
            strength[m] = won[m] / denominator
    info = [[0.0] * len(models) for _ in models]
    for i, m in enumerate(models):
        info[i][i] = 2 * PRIOR_GAMES * strength[m] / (strength[m] + 1.0) ** 2
        for j, o in enumerate(models):
            if i != j and games[(m, o)]:
                w = games[(m, o)] * strength[m] * strength[o] / (strength[m] + strength[o]) ** 2
                info[i][i] += w
                info[i][j] -= w
    covariance = _inverse(info)
    return {m: (math.log(strength[m]), math.sqrt(max(covariance[i][i], 0.0))) for i, m in enumerate(models)}


def _inverse(matrix: list[list[float]]) -> list[list[float]]:
    """Gauss–Jordan inverse of a small positive-definite matrix."""
    n = len(matrix)
    rows = [row[:] + [1.0 if i == j else 0.0 for j in range(n)] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        head = rows[col][col]
        rows[col] = [v / head for v in rows[col]]
        for r in range(n):
            if r != col and rows[r][col]:
                factor = rows[r][col]
                rows[r] = [v - factor * p for v, p in zip(rows[r], rows[col], strict=True)]
    return [row[n:] for row in rows]


def leaderboard(team_id: int) -> list[Standing]:
    """Models that took part in voted comparisons of this team, with their rating, best first.

    A contest is an answer in a run that has a vote; the cost counts every such answer, so a model
    that wins rarely pays for its losses in its cost per win.
    """
    rows = (
        CompareAnswer.objects.filter(run__team_id=team_id, run__vote__isnull=False)
        .values("model")
        .annotate(contests=Count("id"), wins=Count("id", filter=Q(votes__isnull=False)), cost=Sum("cost"))
    )
    standings = [Standing(r["model"], r["contests"], r["wins"], r["cost"] or Decimal("0")) for r in rows]
    ratings = bradley_terry([s.model for s in standings], pairwise_wins(team_id))
    for s in standings:
        theta, error = ratings[s.model]
        s.rating, s.margin = round(BASE + SCALE * theta), round(1.96 * SCALE * error)
    return sorted(standings, key=lambda s: (-s.rating, -s.wins, s.model))


def board(team_id: int) -> Board:
    """The ranked and the too-few standings, each with the model's thumbs; a model rated only by thumbs is
    listed with the too-few (it has no compare rating yet)."""
    standings = leaderboard(team_id)
    thumbs = thumbs_by_model(team_id)
    for s in standings:
        s.thumbs = thumbs.pop(s.model, s.thumbs)
    standings += [Standing(model, 0, 0, Decimal("0"), thumbs=t) for model, t in thumbs.items()]
    too_few = sorted((s for s in standings if not s.enough_votes), key=lambda s: (-s.contests, s.model))
    return Board([s for s in standings if s.enough_votes], too_few)


def teams_with_board(user: Any) -> list[Team]:
    """The teams whose leaderboard this user may read: their own teams (hub staff: every team)."""
    return list(Team.objects.order_by("name")) if user.is_staff else member_teams(user)


def sees_board(user: Any) -> bool:
    return bool(user.is_staff) or Team.objects.filter(memberships__user=user).exists()
