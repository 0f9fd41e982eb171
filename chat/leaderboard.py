"""The per-team model leaderboard from compare votes: win rate and cost per win."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, Sum

from chat.models import CompareAnswer


@dataclass
class Standing:
    model: str
    contests: int
    wins: int
    cost: Decimal

    @property
    def win_rate(self) -> float:
        return self.wins / self.contests if self.contests else 0.0

    @property
    def cost_per_win(self) -> Decimal | None:
        return self.cost / self.wins if self.wins else None


def leaderboard(team_id: int) -> list[Standing]:
    """Models that took part in voted comparisons of this team, best win rate first.

    A contest is an answer in a run that has a vote; the cost counts every such answer, so a model
    that wins rarely pays for its losses in its cost per win.
    """
    rows = (
        CompareAnswer.objects.filter(run__team_id=team_id, run__vote__isnull=False)
        .values("model")
        .annotate(contests=Count("id"), wins=Count("id", filter=Q(votes__isnull=False)), cost=Sum("cost"))
    )
    standings = [Standing(r["model"], r["contests"], r["wins"], r["cost"] or Decimal("0")) for r in rows]
    return sorted(standings, key=lambda s: (-s.win_rate, -s.wins, s.model))
