"""sync_catalog: bring the catalog up to genai-prices' data (or an upstream's model list); admin edits win."""

from typing import Any

import httpx
from django.core.management.base import BaseCommand, CommandError, CommandParser

from llmhub.catalog.sync import sync_from_genai_prices
from llmhub.errors import HubError


class Command(BaseCommand):
    help = "Add new models, reprice changed ones and mark deprecations from genai-prices (or an upstream)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Print the diff and change nothing")
        parser.add_argument(
            "--from-upstream", metavar="PROVIDER", help="Read this provider's model list (aisa, openrouter)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        dry_run = bool(options["dry_run"])
        if options.get("from_upstream"):
            from llmhub.catalog.discovery import sync_from_upstream

            try:
                plan = sync_from_upstream(str(options["from_upstream"]), dry_run=dry_run)
            except (HubError, httpx.HTTPError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
        else:
            plan = sync_from_genai_prices(dry_run=dry_run)
        if dry_run:
            for line in plan.lines():
                self.stdout.write(line)
            self.stdout.write(f"{plan.summary()} — dry run, nothing changed")
        else:
            self.stdout.write(plan.summary())
