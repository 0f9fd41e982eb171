"""grant_credits SLUG AMOUNT [--memo TEXT]: add credits to a team through the credit ledger."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.models import Team
from billing.services import credits_grant
from llmhub.errors import HubError


class Command(BaseCommand):
    help = "Grant credits (USD) to a team."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug")
        parser.add_argument("amount")
        parser.add_argument("--memo", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            amount = Decimal(options["amount"])
            team = Team.objects.get(slug=options["slug"])
            entry = credits_grant(team=team, amount=amount, memo=options["memo"])
        except InvalidOperation as exc:
            raise CommandError(f"AMOUNT must be a number, not {options['amount']!r}") from exc
        except Team.DoesNotExist as exc:
            raise CommandError(f"No team {options['slug']!r}; create it with create_team.") from exc
        except HubError as exc:
            raise CommandError(exc.message) from exc
        self.stdout.write(f"granted ${entry.amount} to {team.slug}; balance ${entry.balance_after}")
