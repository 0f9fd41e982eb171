"""rebuild_rollups: recompute the daily usage rollups from the usage ledger (backfill or repair)."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from billing.rollups import rebuild_rollups


class Command(BaseCommand):
    help = "Recompute every daily usage rollup from the usage records."

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.monotonic()
        buckets = rebuild_rollups()
        self.stdout.write(f"rebuilt {buckets} rollup buckets in {time.monotonic() - started:.1f}s")
