"""bootstrap_demo: on first run, create the demo admin and a team with demo credits, and say how to log in."""

from __future__ import annotations

import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from billing.ledger import grant_credits
from billing.models import Membership, Team
from llmhub.catalog import snapshot

DEMO_CREDITS = Decimal("25.00")


class Command(BaseCommand):
    help = "First run only: create the admin account and a demo team with credits."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        users = get_user_model().objects
        url = options["url"]
        mode = "DEMO (simulated upstream; set AISA_API_KEY for real models)" if snapshot().demo else "live upstreams"
        if users.filter(is_superuser=True).exists():
            self.stdout.write(f"LLM Hub at {url} ({mode}); log in with your admin account.")
            return
        password = secrets.token_urlsafe(12)
        admin = users.create_superuser("admin", "admin@localhost", password)
        team, _ = Team.objects.get_or_create(slug="demo", defaults={"name": "Demo team"})
        Membership.objects.get_or_create(user=admin, team=team, defaults={"role": Membership.ADMIN})
        grant_credits(team=team, amount=DEMO_CREDITS, memo="demo credits")
        self.stdout.write(
            f"\nLLM Hub at {url} ({mode})\n"
            f"  log in as: admin / {password}   (shown once; change it under Admin)\n"
            f"  team 'demo' has ${DEMO_CREDITS} of demo credits\n"
            f"  API key: .venv/bin/python manage.py create_key admin --team demo\n"
        )
