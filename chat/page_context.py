"""What the chat pages show besides messages: the sidebar, the model picker, the team's credits."""

from __future__ import annotations

from typing import Any

from chat.conversations import conversations_for, default_model, team_for, teams_of
from chat.message_view import format_credits
from chat.model_picker import model_groups, remembered_model


def chat_page(user: Any, query: str = "", **extra: Any) -> dict[str, Any]:
    conversation = extra.get("conversation")
    team = conversation.team if conversation else team_for(user)
    context = {
        "teams": teams_of(user),
        "conversations": conversations_for(user, query)[:200],
        "query": query,
        "model_groups": model_groups(with_auto=True),
        "default_model": remembered_model(user) or default_model(),
        "team": team,
        "credits": format_credits(team.balance) if team else "",
    }
    context.update(extra)
    return context
