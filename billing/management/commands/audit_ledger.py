"""audit_ledger: check the books (balances, holds, one charge per usage record); exit 1 naming every breach."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand

from billing.audit import audit_ledger


class Command(BaseCommand):
    help = (
        "Audit the credit ledger per team: balance equals its ledger rows, reserved equals its holds, one charge "
        "per usage record, no orphan charges, no hold past its TTL, no negative balance. Exits 1 on any breach."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        breaches = audit_ledger()
        for breach in breaches:
            self.stderr.write(f"BREACH {breach}")
        if breaches:
            self.stderr.write(f"audit_ledger: {len(breaches)} breach(es)")
            sys.exit(1)
        self.stdout.write("audit_ledger: the books are whole")
