"""Money helpers: USD amounts are Decimal, quantised here and nowhere else."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

USD_QUANTUM = Decimal("0.00000001")
MILLION = Decimal(1_000_000)
ZERO = Decimal("0")


def to_usd(value: Decimal | int | str) -> Decimal:
    """Quantise to the ledger's 8 decimal places."""
    return Decimal(value).quantize(USD_QUANTUM, rounding=ROUND_HALF_UP)
