"""What the chat pages show besides messages: the sidebar, the model picker, the team's credits."""

from __future__ import annotations

from typing import Any

from chat.conversations import conversations_for, default_model, team_for, teams_of
from chat.message_view import format_credits
from chat.model_picker import model_groups, remembered_model
from chat.sidebar import sidebar_for, zone_named


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
        "model_groups": model_groups(with_auto=True),
        "default_model": remembered_model(user) or default_model(),
        "team": team,
        "credits": format_credits(team.balance) if team else "",
    }
    context.update(extra)
    return context
