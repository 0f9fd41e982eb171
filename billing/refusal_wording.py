"""Refusals in words that name the real cause (balance, hold, budget, member cap, rate limit) and the way
out, for the API's error messages and the chat. (How many output tokens a team can still afford is the inverse
of the pricing function: `llmhub.catalog.pricing.affordable_output_tokens`.)"""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

from billing.display import in_seconds, usd_text
from billing.money import ZERO


def insufficient_credits_message(*, hold: Decimal, available: Decimal, output_cap: int | None = None) -> str:
    """402 when the team's available credits cannot cover the worst-case hold.

    `output_cap`: the output tokens the hold assumed (max_tokens, or the model's cap when none was sent).
    """
    available = max(available, ZERO)
    message = _(
        "Insufficient credits: this request may cost up to %(hold)s, held in full before it runs, "
        "and the team has %(available)s available."
    ) % {"hold": usd_text(hold), "available": usd_text(available)}
    if available <= ZERO:
        way_out = _("Ask a team admin to request credits on the team's credits page.")
    elif output_cap:
        way_out = _(
            "Lower max_tokens to hold less (the hold assumed %(cap)s output tokens), or ask a team admin to "
            "request credits."
        ) % {"cap": f"{output_cap:,}"}
    else:
        way_out = _("Lower max_tokens to hold less, or ask a team admin to request credits.")
    return f"{message} {way_out}"


def lowered_cap_notice(*, asked: int | None, granted: int) -> str:
    """What the hub says when it ran a request with a smaller output cap than asked, so it would fit."""
    was = f"{asked:,}" if asked else _("the model's maximum")
    return _(
        "The output cap was lowered from %(was)s to %(granted)s tokens so the request fits the team's credits; "
        "the answer may be cut short."
    ) % {"was": was, "granted": f"{granted:,}"}


def rate_limit_message(*, per_minute: int, unit: str, wait: float) -> str:
    """429: which limit, and how long to wait ("1 second", "12 seconds")."""
    what = "requests" if unit == "rpm" else "tokens (prompt and completion)"
    return f"Rate limit exceeded: this key may send {per_minute:,} {what} per minute. Retry in {in_seconds(wait)}."


def refusal_reason(status: int, code: str) -> str:
    """A recorded refusal's cause in a few words of the reader's language (the stored message is the API's)."""
    if status == 402:
        return _("Over a budget or member cap") if code == "budget_exceeded" else _("Out of credit")
    if status == 429:
        return _("Too many requests (rate limit)")
    if code == "context_length_exceeded":
        return _("Too long for the model")
    return _("Invalid request")
