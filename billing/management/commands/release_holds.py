"""release_holds: settle credit holds past their TTL (left by a dead process) as interrupted usage records.
Every worker's sweeper also does this on its own timer."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from billing.orphans import settle_expired_holds


class Command(BaseCommand):
    help = (
        "Settle expired credit holds as interrupted usage records, charged for the prompt and the output last "
        "checkpointed (holds without metering are released). Safe to run at any time, e.g. from cron."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        settled = settle_expired_holds()
        self.stdout.write(f"settled or released {settled} expired hold{'s' if settled != 1 else ''}")
