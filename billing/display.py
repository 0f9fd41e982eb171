"""How money, token counts and durations read on the billing pages (display only; stored values stay exact)."""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal


def format_usd(value: Decimal | int | None) -> str:
    """$1,234.56 for dollars, four decimals under a dollar, '<$0.0001' for dust; exact values live in CSV."""
    if value is None:
        return "–"
    value = Decimal(value)
    sign = "-" if value < 0 else ""
    magnitude = abs(value)
    if magnitude >= 1 or magnitude == 0:
        return f"{sign}${magnitude.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    shown = magnitude.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    # Four decimals under a dollar, always, so a column of small costs lines up.
    return f"{sign}${shown}" if shown else f"{sign}<$0.0001"


def exact_amount(value: Decimal | int) -> str:
    """Every digit the ledger holds, at least the cents, never an exponent: 34.50, 0.00012345, 0.00, -2.25.

    For CSV exports and API-facing text, where sums must match the ledger to the last place.
    """
    amount = Decimal(value)
    if amount == 0:
        return "0.00"
    whole, _, places = f"{amount.normalize():f}".partition(".")
    return f"{whole}.{places.ljust(2, '0')}"


def usd_text(value: Decimal | int) -> str:
    """Money in sentences (messages, emails, refusals): $1,234.50 at or above a dollar, and below it every
    significant digit up to the ledger's 8 places ($0.26, $0.0012), so a small hold never reads as $0.00."""
    amount = Decimal(value)
    sign = "-" if amount < 0 else ""
    magnitude = abs(amount)
    if magnitude >= 1:
        return f"{sign}${magnitude.quantize(Decimal('0.01'), rounding=ROUND_HALF_UP):,}"
    return f"{sign}${exact_amount(magnitude.quantize(Decimal('0.00000001'), rounding=ROUND_HALF_UP))}"


def short_usd(value: float) -> str:
    """Axis labels: $0, $0.25, $40, $1.2k, and as many decimals as a small step needs ($0.000015, not $0)."""
    if value >= 1000:
        return f"${value / 1000:.1f}k".replace(".0k", "k")
    if value >= 10 or value == int(value):
        return f"${value:,.0f}"
    if value >= 0.1:
        return f"${value:.2f}".rstrip("0").rstrip(".")
    decimals = max(4, 2 - math.floor(math.log10(value)))
    return f"${value:.{decimals}f}".rstrip("0").rstrip(".")


def format_count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def in_seconds(seconds: float) -> str:
    """A wait in words: "1 second", "12 seconds" (rounded up: never tell someone to retry too early)."""
    whole = max(1, math.ceil(seconds))
    return f"{whole} second" if whole == 1 else f"{whole} seconds"


def format_ms(value: int | None) -> str:
    if value is None:
        return "–"
    return f"{value / 1000:.1f} s" if value >= 1000 else f"{value} ms"
