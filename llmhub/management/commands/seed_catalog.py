"""seed_catalog: add any missing seed models and deployments (never overwrites admin edits)."""

from typing import Any

from django.core.management.base import BaseCommand

from llmhub.catalog.seed import seed_catalog


class Command(BaseCommand):
    help = "Create missing catalog models and deployments."

    def handle(self, *args: Any, **options: Any) -> None:
        created = seed_catalog()
        from llmhub.models import CatalogModel

        total = CatalogModel.objects.count()
        added = f"{created} added now" if created else "already up to date"
        self.stdout.write(f"catalog ready: {total} models ({added})")
