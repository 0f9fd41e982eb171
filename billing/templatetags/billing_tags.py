"""Template filters and tags of the billing pages: money and counts, charts, the nav links, the banner."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template

from billing import client_tools, display
from billing.access import nav_roles
from billing.banner import low_balance_teams
from billing.charts import Chart
from billing.refusal_wording import refusal_reason

register = template.Library()


@register.filter
def usd(value: Decimal | None) -> str:
    return display.format_usd(value)


@register.filter
def refusal_words(refusal: Any) -> str:
    """A recorded refusal's cause in the reader's language."""
    return refusal_reason(refusal.status, refusal.code)


@register.filter
def exact(value: Decimal | None) -> str:
    """Every digit the ledger holds, without exponent artefacts (0.00, never 0E-8)."""
    return "–" if value is None else display.exact_amount(value)


@register.filter
def usd_exact(value: Decimal | None) -> str:
    return "–" if value is None else f"${display.exact_amount(value)}"


@register.filter
def usd_words(value: Decimal | None) -> str:
    """Money in a sentence: $34.50 at or above a dollar, every significant digit below."""
    return "–" if value is None else display.usd_text(value)


@register.filter
def count(value: int | None) -> str:
    return display.format_count(value)


@register.filter
def ms(value: int | None) -> str:
    return display.format_ms(value)


@register.filter
def tool_name(value: str) -> str:
    """A usage record's client tool as the pages name it (billing/client_tools.py)."""
    return client_tools.tool_label(value)


@register.inclusion_tag("billing/_chart.html")
def chart(chart: Chart, note: str = "") -> dict[str, Any]:
    return {"chart": chart, "note": note}


@register.inclusion_tag("billing/_nav.html", takes_context=True)
def billing_nav(context: dict[str, Any]) -> dict[str, Any]:
    request = context["request"]
    return {"roles": nav_roles(request), "path": request.path}


@register.inclusion_tag("billing/_low_balance_banner.html", takes_context=True)
def low_balance_banner(context: dict[str, Any]) -> dict[str, Any]:
    request = context.get("request")
    return {"alerts": low_balance_teams(request.user) if request is not None else []}
