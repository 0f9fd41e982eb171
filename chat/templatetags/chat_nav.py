"""What the chat's navigation offers this user (the leaderboard is for team admins and hub staff)."""

from __future__ import annotations

from typing import Any

from django import template

from billing.access import nav_roles

register = template.Library()


@register.simple_tag(takes_context=True)
def sees_leaderboard(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and bool(nav_roles(request)["manages_team"])
