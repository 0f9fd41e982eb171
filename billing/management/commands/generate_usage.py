"""generate_usage N [--team SLUG] [--days D]: write N synthetic usage records (and rollups) for benchmarks."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.models import Team
from billing.synthetic_usage import generate_usage, synthetic_authors, team_authors


class Command(BaseCommand):
    help = "Write N synthetic usage records (not charged to any balance) plus their daily rollups."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("count", type=int)
        parser.add_argument("--team", help="attribute usage to this team's members (default: synthetic teams)")
        parser.add_argument("--days", type=int, default=90, help="spread records over the last D days")
        parser.add_argument("--seed", type=int, default=None)

    def handle(self, *args: Any, **options: Any) -> None:
        if options["count"] <= 0 or options["days"] <= 0:
            raise CommandError("N and --days must be positive")
        if options["team"]:
            team = Team.objects.filter(slug=options["team"]).first()
            if team is None:
                raise CommandError(f"No team {options['team']!r}; create it with create_team.")
            authors = team_authors(team)
        else:
            authors = synthetic_authors()
        if not authors:
            raise CommandError(f"Team {options['team']!r} has no members to attribute usage to.")
        started = time.monotonic()

        def progress(done: int) -> None:
            if done % 100_000 == 0 or done == options["count"]:
                self.stdout.write(f"  {done} records ({time.monotonic() - started:.0f}s)")

        written = generate_usage(
            options["count"], authors=authors, days=options["days"], seed=options["seed"], progress=progress
        )
        self.stdout.write(f"wrote {written} synthetic usage records in {time.monotonic() - started:.1f}s")
