"""seed_catalog: add any missing seed models and deployments (never overwrites admin edits)."""

from typing import Any

from django.core.management.base import BaseCommand

from llmhub.catalog.seed import seed_catalog


class Command(BaseCommand):
    help = "Create missing catalog models and deployments."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_catalog()
        self.stdout.write(f"catalog seeded: {created} new models")
