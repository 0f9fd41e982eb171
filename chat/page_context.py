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
from chat.models import Project
from chat.projects import conversation_project, project_text, projects_listed, system_text
from chat.sidebar import sidebar_for, zone_named
from chat.typical_message import typical_message
from llmhub.catalog import snapshot

RECENT_USE = dt.timedelta(days=90)  # "most used" means lately: a model dropped a year ago sinks


def picker_context(user: Any, team: Any, conversation: Any = None, project: Project | None = None) -> dict[str, Any]:
    """The picker's rows in this person's order, with what a message costs in `conversation` (or in a new chat
    in `project`, whose default model is picked first)."""
    pinned_default = team_default(team)
    use = model_use(user_id=user.id, team_id=team.pk if team else None, since=timezone.now() - RECENT_USE)
    system = system_text(conversation) if conversation else (project_text(project) if project else None)
    message = typical_message(conversation, system)
    groups = ranked_groups(
        snapshot().models.values(),
        use=use,
        favourites=favourites_of(user),
        team_default=pinned_default,
        message=message,
    )
    team_pick = pinned_default if is_choosable(pinned_default) else ""
    project_pick = project.default_model if project and is_choosable(project.default_model) else ""
    return {
        "picker_groups": groups,
        "default_model": project_pick or remembered_model(user) or team_pick or default_model(),
        "typical_message": message,
        "sets_team_default": bool(team) and is_team_admin(user, team),
    }


def chat_page(user: Any, query: str = "", *, zone: str = "", **extra: Any) -> dict[str, Any]:
    """`zone`: the browser's time zone (its cookie), for the sidebar's date groups. `project`: a new chat in it."""
    conversation = extra.get("conversation")
    project = conversation_project(conversation) if conversation else extra.get("project")
    team = conversation.team if conversation else (project.team if project else team_for(user))
    context = {
        "project": project,
        "projects": projects_listed(user),
        "teams": teams_of(user),
        # A search without scripts lists its matches; otherwise the sidebar shows pins, folders and dates.
        "conversations": conversations_for(user, query)[:200] if query else [],
        "sidebar": None if query else sidebar_for(user, zone_named(zone)),
        "current_id": conversation.id if conversation else None,
        "query": query,
        "team": team,
        "credits": format_credits(team.balance) if team else "",
        **picker_context(user, team, conversation, project),
    }
    context.update(extra)
    return context
