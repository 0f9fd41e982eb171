"""What the chat pages show besides messages: the sidebar, the model picker, the team's credits."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone

from billing.access import is_team_admin
from billing.selectors import model_use
from chat.conversations import conversations_for, default_model, team_for, teams_of
from chat.message_view import format_credits
from chat.model_picker import is_choosable, ranked_groups, remembered_model
from chat.model_pins import favourites_of, team_default
from chat.sidebar import sidebar_for, zone_named
from chat.typical_message import typical_message
from llmhub.catalog import snapshot

RECENT_USE = dt.timedelta(days=90)  # "most used" means lately: a model dropped a year ago sinks


def picker_context(user: Any, team: Any, conversation: Any = None) -> dict[str, Any]:
    """The picker's rows in this person's order, with what a message costs in `conversation`."""
    pinned_default = team_default(team)
    use = model_use(user_id=user.id, team_id=team.pk if team else None, since=timezone.now() - RECENT_USE)
    message = typical_message(conversation)
    groups = ranked_groups(
        snapshot().models.values(),
        use=use,
        favourites=favourites_of(user),
        team_default=pinned_default,
        message=message,
    )
    team_pick = pinned_default if is_choosable(pinned_default) else ""
    return {
        "picker_groups": groups,
        "default_model": remembered_model(user) or team_pick or default_model(),
        "typical_message": message,
        "sets_team_default": bool(team) and is_team_admin(user, team),
    }


def chat_page(user: Any, query: str = "", *, zone: str = "", **extra: Any) -> dict[str, Any]:
    """`zone`: the browser's time zone (its cookie), for the sidebar's date groups."""
    conversation = extra.get("conversation")
    team = conversation.team if conversation else team_for(user)
    context = {
        "teams": teams_of(user),
        # A search without scripts lists its matches; otherwise the sidebar shows pins, folders and dates.
        "conversations": conversations_for(user, query)[:200] if query else [],
        "sidebar": None if query else sidebar_for(user, zone_named(zone)),
        "current_id": conversation.id if conversation else None,
        "query": query,
        "team": team,
        "credits": format_credits(team.balance) if team else "",
        **picker_context(user, team, conversation),
    }
    context.update(extra)
    return context
