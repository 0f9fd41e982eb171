"""What the chat pages show besides messages: the sidebar, the model picker, the team's credits."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from chat.conversations import conversations_for, default_model, team_for, teams_of
from chat.message_view import format_credits
from llmhub.catalog import ModelSpec, snapshot


@dataclass
class ModelChoice:
    name: str
    label: str
    vision: bool
    tools: bool


def _price(value: Decimal) -> str:
    return f"${value:.2f}" if value >= Decimal("0.01") or value == 0 else f"${value.normalize()}"


def model_choice(spec: ModelSpec) -> ModelChoice:
    abilities = [_("vision") if spec.supports_vision else _("no images")]
    if spec.supports_tools:
        abilities.append(_("tools"))
    prices = _("%(input)s in / %(output)s out per 1M") % {
        "input": _price(spec.prices.input),
        "output": _price(spec.prices.output),
    }
    return ModelChoice(
        spec.name, f"{spec.name} — {prices} · {' · '.join(abilities)}", spec.supports_vision, spec.supports_tools
    )


def model_groups() -> list[tuple[str, list[ModelChoice]]]:
    """The picker's options grouped by family (optgroup), in catalog order."""
    groups: dict[str, list[ModelChoice]] = {}
    for spec in snapshot().models.values():
        groups.setdefault(spec.family or _("Other"), []).append(model_choice(spec))
    return list(groups.items())


def chat_page(user: Any, query: str = "", **extra: Any) -> dict[str, Any]:
    conversation = extra.get("conversation")
    team = conversation.team if conversation else team_for(user)
    context = {
        "teams": teams_of(user),
        "conversations": conversations_for(user, query)[:200],
        "query": query,
        "model_groups": model_groups(),
        "default_model": default_model(),
        "team": team,
        "credits": format_credits(team.balance) if team else "",
    }
    context.update(extra)
    return context
