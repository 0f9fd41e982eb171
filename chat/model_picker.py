"""The chat's model picker: catalog models grouped by family with exact prices, context and abilities,
the cost router's `auto` routes, each user's remembered choice, and the order a person's list is shown in
(auto routes, their pins, then families and models by use and recency)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from billing.selectors import ModelUse
from chat.models import ChatPreference
from chat.typical_message import TypicalMessage, approximately, typical_cost
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
    estimate: str = ""  # "$0.00042": one typical message in this conversation, rounded for reading
    estimate_exact: Decimal | None = None
    pin: str = ""  # "team" (the team's default) or "favourite"
    uses: int = 0  # the person's requests for it lately
    deprecated: bool = False
    recency: tuple[Decimal, str] = field(default=(Decimal(0), ""), repr=False)


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
        deprecated=spec.deprecated,
        recency=recency(spec.name),
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


# The catalog keeps no release dates, so how new a model is is read from its name: dates first taken out
# (2024-08-06, 20241022, 0613, 2411), then the first version number (3-5 and 3.5 alike), never a size (70b).
DATE = re.compile(r"(?<!\d)(20\d\d-\d\d-\d\d|20\d{6}|\d{4})(?!\d)")
VERSION = re.compile(r"(?<![\d.])(\d{1,2})(?:[.-](\d)(?!\d))?(?![\dbBkKmM])")


def recency(name: str) -> tuple[Decimal, str]:
    """A sort key, larger for newer: the version in the name (gpt-4.1 > gpt-4o > gpt-3.5-turbo;
    claude-sonnet-4-5 > claude-3-5-sonnet), then its date (gpt-4o-2024-08-06 > gpt-4o-2024-05-13)."""
    dates = DATE.findall(name)
    version = VERSION.search(DATE.sub("", name))
    number = Decimal(f"{version[1]}.{version[2] or 0}") if version else Decimal(0)
    return number, max((d.replace("-", "").rjust(8, "0") for d in dates), default="")


@dataclass
class PickerGroup:
    key: str  # "auto", "pinned" or the family's name (the pinned rows' own family is on each row)
    label: str
    choices: list[ModelChoice]


def ranked_groups(
    models: Iterable[ModelSpec],
    *,
    use: ModelUse,
    favourites: list[str],
    team_default: str,
    message: TypicalMessage,
) -> list[PickerGroup]:
    """A person's picker: the auto routes, then their pins (the team's default, then their favourites in
    the order starred), then the families most used by them, then by their team, then in catalog order;
    in a family, models they use most first, then their team's, then the newest; deprecated ones last.
    Each model says what a typical message here costs at its prices."""
    choices: dict[str, ModelChoice] = {c.name: c for c in auto_choices()}
    families: dict[str, list[ModelChoice]] = {}
    for spec in models:
        if serves_embeddings(spec):
            continue  # embedding models cannot chat
        choice = model_choice(spec)
        choice.estimate_exact = typical_cost(message, spec.prices)
        choice.estimate = approximately(choice.estimate_exact)
        choices[spec.name] = choice
        families.setdefault(choice.family, []).append(choice)
    for choice in choices.values():
        choice.uses = use.mine.get(choice.name, 0)

    pinned = []
    for name, kind in [(team_default, "team"), *((f, "favourite") for f in favourites)]:
        found = choices.get(name)
        if found is not None and not found.pin:
            found.pin = kind
            pinned.append(found)

    def model_order(c: ModelChoice) -> tuple[Any, ...]:
        newest = (-c.recency[0], tuple(-ord(ch) for ch in c.recency[1]))
        return (c.deprecated, -c.uses, -use.team.get(c.name, 0), newest, c.name)

    def family_order(item: tuple[int, tuple[str, list[ModelChoice]]]) -> tuple[int, int, int]:
        position, (_family, members) = item
        return (-sum(c.uses for c in members), -sum(use.team.get(c.name, 0) for c in members), position)

    routes = [choices[name] for name in AUTO_ROUTES if not choices[name].pin]
    groups = [PickerGroup("auto", _("Auto (cost router)"), routes), PickerGroup("pinned", _("Pinned"), pinned)]
    for _position, (family, members) in sorted(enumerate(families.items()), key=family_order):
        groups.append(PickerGroup(family, family, sorted((c for c in members if not c.pin), key=model_order)))
    return [group for group in groups if group.choices]
