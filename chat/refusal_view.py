"""A gateway refusal as the chat shows it to a person: plain words in their language (the team's name, "this
answer could cost up to …"), the facts as strings for the page (amounts, the reset time as ISO for the browser
to show in local time) and what its buttons do (ask for credits, retry on the cheapest model that fits).

The API keeps its own messages (billing/refusal_wording.py, billing/budgets.py): developers read those."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _

from billing.budgets import BudgetExceeded, hub_zone
from billing.credit_requests import who_decides
from billing.display import exact_amount, usd_text
from billing.models import Budget, Membership, Team
from billing.money import ZERO, to_usd
from llmhub.catalog import snapshot
from llmhub.errors import HubError, InsufficientCredits
from llmhub.gateway import cheapest_fitting_model, serves_embeddings
from llmhub.providers.base import ChatRequest

CENT = Decimal("0.01")


def _period_word(period: str) -> str:
    return {
        Budget.DAILY: _("daily"),
        Budget.WEEKLY: _("weekly"),
        Budget.MONTHLY: _("monthly"),
    }.get(period, _("total"))


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


def _who_raises_limits(team: Team) -> str:
    """Team admins set budgets and member caps; a team without one asks the hub's staff."""
    admins = Membership.objects.filter(team=team, role=Membership.ADMIN, user__is_active=True).select_related("user")
    names = sorted(_person(m.user) for m in admins)
    if not names:
        return _("the hub's staff")
    return ", ".join(names)


def shown_time(moment: dt.datetime) -> str:
    """A moment as the hub writes it without the person's zone: local to the hub, its zone named."""
    local = moment.astimezone(hub_zone())
    return f"{formats.date_format(local, 'DATETIME_FORMAT')} ({local.tzname()})"


def dollars(amount: Decimal, *, rounding: str) -> str:
    """Money in a member's sentence: whole cents, a cost rounded up and what is left rounded down (never more
    hopeful than the ledger); the payload keeps the exact amounts."""
    return usd_text(amount.quantize(CENT, rounding=rounding))


def left_words(available: Decimal) -> str:
    """What is left, rounded down to cents; a few tenths of a cent read "less than $0.01", not "$0.00" beside
    the sidebar's exact balance."""
    if ZERO < available < CENT:
        return _("less than %(amount)s") % {"amount": usd_text(CENT)}
    return dollars(available, rounding=ROUND_FLOOR)


def suggested_amount(hold: Decimal, available: Decimal) -> Decimal:
    """What to ask for: the shortfall of this answer rounded up to whole dollars, at least $5."""
    shortfall = max(hold - max(available, ZERO), ZERO)
    return max(shortfall.quantize(Decimal("1"), rounding=ROUND_CEILING), Decimal("5"))


def chat_models() -> list[str]:
    """The models a person may pick in the chat (every catalog model that chats)."""
    return [name for name, spec in snapshot().models.items() if not serves_embeddings(spec)]


def _credits(refused: InsufficientCredits, team: Team) -> dict[str, Any]:
    available = to_usd(max(Decimal(str(refused.available)), ZERO))
    hold = to_usd(Decimal(str(refused.hold or 0)))
    if available <= ZERO:
        words = _("%(team)s has no credits left, so this answer cannot run.") % {"team": team.name}
    else:
        words = _("This answer could cost up to %(hold)s; %(team)s has %(left)s left.") % {
            "hold": dollars(hold, rounding=ROUND_CEILING),
            "team": team.name,
            "left": left_words(available),
        }
    decides = who_decides(team)
    words += " " + _("Ask for credits: %(who)s will decide.") % {"who": decides.label}
    amount = suggested_amount(hold, available)
    ask = reverse("billing-ask-credits", args=[team.slug]) + "?" + urlencode({"amount": exact_amount(amount)})
    return {
        "code": "out_of_credits",
        "words": words,
        "cost_up_to": exact_amount(hold),
        "left": exact_amount(available),
        "room": available,
        "ask_url": ask,
        "ask_amount": exact_amount(amount),
    }


def _limit(refused: BudgetExceeded, team: Team) -> dict[str, Any]:
    budget = refused.budget
    left = to_usd(max(budget.amount - refused.spent - refused.reserved, ZERO))
    hold = to_usd(Decimal(str(refused.hold or 0)))
    facts = {
        "team": team.name,
        "period": _period_word(budget.period),
        "limit": usd_text(budget.amount),
        "hold": dollars(hold, rounding=ROUND_CEILING),
        "left": left_words(left),
    }
    if budget.user_id is not None:
        code = "member_cap"
        words = (
            _(
                "Your %(period)s limit on %(team)s is %(limit)s. This answer could cost up to %(hold)s, and "
                "%(left)s of your limit is left."
            )
            % facts
        )
    else:
        code = "team_budget"
        words = (
            _(
                "%(team)s's %(period)s budget is %(limit)s. This answer could cost up to %(hold)s, and %(left)s of "
                "it is left."
            )
            % facts
        )
    payload: dict[str, Any] = {"code": code, "cost_up_to": exact_amount(hold), "left": exact_amount(left)}
    if refused.resets_at is not None:
        shown = shown_time(refused.resets_at)
        words += " " + _("It starts again on %(when)s.") % {"when": shown}
        payload.update(resets_at=refused.resets_at.isoformat(), resets_shown=shown)
    words += " " + _("To raise it, ask %(who)s.") % {"who": _who_raises_limits(team)}
    available = to_usd(team.balance - team.reserved)
    return {**payload, "words": words, "limit": exact_amount(budget.amount), "room": min(left, available)}


def refusal_for(refused: HubError, *, team_id: int, request: ChatRequest) -> dict[str, Any] | None:
    """The chat's payload for a credits, budget or member-cap refusal (402), or None for other errors.

    Keys: code (out_of_credits, member_cap, team_budget), words, team, and as they apply
    cost_up_to, left, limit (amounts as exact strings), resets_at (ISO) with resets_shown (the words' rendering of
    it, for the browser to replace with local time), ask_url and ask_amount, cheaper_model. Sync (database).
    """
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        return None
    if isinstance(refused, BudgetExceeded) and hasattr(refused, "budget"):
        payload = _limit(refused, team)
    elif isinstance(refused, InsufficientCredits) and isinstance(refused.available, Decimal):
        payload = _credits(refused, team)
    else:
        return None
    room = payload.pop("room")
    candidates = [name for name in chat_models() if name != request.model]
    cheaper = cheapest_fitting_model(request, candidates, room)
    if cheaper is not None:
        payload["cheaper_model"] = cheaper
    return {**payload, "team": team.name}
