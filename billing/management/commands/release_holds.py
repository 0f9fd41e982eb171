"""release_holds: release credit holds past their TTL (left by a crashed process). The gateway also does this."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from billing.ledger import release_expired_holds


class Command(BaseCommand):
    help = "Release expired credit holds (and their budget counters). Safe to run at any time, e.g. from cron."

    def handle(self, *args: Any, **options: Any) -> None:
        released = release_expired_holds()
        self.stdout.write(f"released {released} expired hold{'s' if released != 1 else ''}")
