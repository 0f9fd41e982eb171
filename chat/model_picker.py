"""The chat's model picker: catalog models grouped by family with exact prices, context and abilities,
the cost router's `auto` routes, and each user's remembered choice."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from chat.models import ChatPreference
from llmhub.catalog import ModelSpec, snapshot
from llmhub.gateway import TASKS, TIERS, serves_embeddings

# The routes llmhub/auto_router.py accepts: "auto", auto:<task>, auto:<tier>.
AUTO_ROUTES = ["auto", *(f"auto:{t}" for t in TASKS if t != "general"), *(f"auto:{t}" for t in TIERS if t != "fast")]


@dataclass
class ModelChoice:
    name: str
    label: str
    vision: bool
    tools: bool
    family: str = ""
    description: str = ""
    price_in: str = ""
    price_out: str = ""
    context: str = ""
    abilities: str = ""


def price(value: Decimal) -> str:
    """Dollars per 1M tokens, never rounded away: $0.15, $0.60, $0.075, $15.00."""
    if value == 0:
        return "$0"
    exact = format(value.normalize(), "f")
    places = len(exact.partition(".")[2])
    return f"${value:,.{max(places, 2)}f}"


def tokens(count: int) -> str:
    """A context window in words a reader scans: 8K, 128K, 1M, 1.05M."""
    if count >= 1_000_000:
        return f"{Decimal(count) / 1_000_000:.2f}".rstrip("0").rstrip(".") + "M"
    if count >= 1000:
        return f"{Decimal(count) / 1000:.1f}".rstrip("0").rstrip(".") + "K"
    return str(count)


def model_choice(spec: ModelSpec) -> ModelChoice:
    abilities = [_("vision") if spec.supports_vision else _("no images")]
    if spec.supports_tools:
        abilities.append(_("tools"))
    price_in, price_out = price(spec.prices.input), price(spec.prices.output)
    context = tokens(spec.context_window)
    label = _("%(name)s — %(input)s / %(output)s per 1M · %(context)s · %(abilities)s") % {
        "name": spec.name,
        "input": price_in,
        "output": price_out,
        "context": context,
        "abilities": " · ".join(abilities),
    }
    return ModelChoice(
        spec.name,
        label,
        spec.supports_vision,
        spec.supports_tools,
        family=spec.family or _("Other"),
        description=spec.description,
        price_in=price_in,
        price_out=price_out,
        context=context,
        abilities=", ".join(abilities),
    )


def auto_choices() -> list[ModelChoice]:
    """The cost router's routes: it picks a catalog model per request and says why."""
    described = {
        "auto": _("picks a model for each message by what it asks"),
        "auto:fast": _("the cheap, quick model"),
        "auto:balanced": _("a mid-priced model"),
        "auto:strong": _("the strongest model"),
    }
    tasks = {
        "code": _("code"),
        "creative": _("creative writing"),
        "vision": _("images"),
        "chinese": _("Chinese text"),
        "reasoning": _("reasoning"),
    }
    found = []
    for name in AUTO_ROUTES:
        task = name.partition(":")[2]
        about = described.get(name) or _("the model routed for %(task)s") % {"task": tasks.get(task, task)}
        found.append(ModelChoice(name, f"{name} — {about}", True, True, family="Auto", description=about))
    return found


def model_groups(*, with_auto: bool = False) -> list[tuple[str, list[ModelChoice]]]:
    """The picker's options grouped by family (optgroup), in catalog order; auto routes first if asked."""
    groups: dict[str, list[ModelChoice]] = {}
    if with_auto:
        groups[_("Auto (cost router)")] = auto_choices()
    for spec in snapshot().models.values():
        if serves_embeddings(spec):
            continue  # embedding models cannot chat
        groups.setdefault(spec.family or _("Other"), []).append(model_choice(spec))
    return list(groups.items())


def is_choosable(name: str) -> bool:
    return name in AUTO_ROUTES or name in snapshot().models


def remembered_model(user: Any) -> str:
    """The model this user last picked, if it is still offered."""
    if not getattr(user, "is_authenticated", False):
        return ""
    found = ChatPreference.objects.filter(user_id=user.id).values_list("model", flat=True).first()
    return found if found and is_choosable(found) else ""


def remember_model(user: Any, name: str) -> bool:
    """Keep the user's pick for their next chats; False (and nothing kept) for a model not offered."""
    if not is_choosable(name):
        return False
    ChatPreference.objects.update_or_create(user=user, defaults={"model": name})
    return True
