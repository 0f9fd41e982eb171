"""create_team SLUG [--name NAME] [--credits AMOUNT]: idempotent; credits are granted only when created."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.audit_log import record, snapshot
from billing.models import Team
from billing.services import credits_grant


class Command(BaseCommand):
    help = "Create a team (idempotent). --credits grants starting credits when the team is new."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("--name", default="")
        parser.add_argument("--credits", default="0")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            credits = Decimal(options["credits"])
        except InvalidOperation as exc:
            raise CommandError(f"--credits must be a number, not {options['credits']!r}") from exc
        team, created = Team.objects.get_or_create(
            slug=options["slug"], defaults={"name": options["name"] or options["slug"]}
        )
        if created:
            record(None, "team.create", team, after=snapshot(team))
        if created and credits > 0:
            credits_grant(team=team, amount=credits, memo="starting credits")
        state = "created" if created else "exists"
        self.stdout.write(f"team {team.slug} {state}; balance ${team.balance}")
