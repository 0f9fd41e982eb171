"""The models pinned at the top of a person's picker: the ones they starred, and their team's default (set by
the team's admins)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from billing.access import is_team_admin
from billing.models import Team
from chat.model_picker import is_choosable
from chat.models import ModelFavourite, TeamModelDefault
from llmhub.errors import InvalidRequest, NotFound, PermissionDenied


def favourites_of(user: Any) -> list[str]:
    """The models `user` starred, in the order they starred them."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(ModelFavourite.objects.filter(user_id=user.id).values_list("model", flat=True))


def set_favourite(user: Any, name: str, *, starred: bool) -> None:
    """Star or unstar `name` for `user`; starring a model the picker does not offer is refused."""
    if not starred:
        ModelFavourite.objects.filter(user_id=user.id, model=name).delete()
        return
    if not is_choosable(name):
        raise InvalidRequest(_("That model is not offered."), code="model_not_found", param="model")
    ModelFavourite.objects.get_or_create(user_id=user.id, model=name)


def team_default(team: Team | None) -> str:
    if team is None:
        return ""
    return TeamModelDefault.objects.filter(team_id=team.pk).values_list("model", flat=True).first() or ""


def set_team_default(user: Any, team_slug: str, name: str) -> Team:
    """Make `name` the team's default model (empty: no default); only the team's admins may."""
    team = Team.objects.filter(slug=team_slug, memberships__user_id=user.id).first()
    if team is None:
        raise NotFound(_("You are not a member of that team."))
    if not is_team_admin(user, team):
        raise PermissionDenied(_("Only the team's admins choose its default model."))
    if not name:
        TeamModelDefault.objects.filter(team=team).delete()
        return team
    if not is_choosable(name):
        raise InvalidRequest(_("That model is not offered."), code="model_not_found", param="model")
    TeamModelDefault.objects.update_or_create(team=team, defaults={"model": name})
    return team
