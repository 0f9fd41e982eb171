"""What the chat's navigation offers this user (the leaderboard is for members of a team and hub staff)."""

from __future__ import annotations

from typing import Any

from django import template

from chat.leaderboard import sees_board

register = template.Library()


@register.simple_tag(takes_context=True)
def sees_leaderboard(context: dict[str, Any]) -> bool:
    request = context.get("request")
    return request is not None and request.user.is_authenticated and sees_board(request.user)
