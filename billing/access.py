"""Who may see which billing page: members see their own usage, team admins their team, staff everything."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponseBase
from django.utils.translation import gettext as _

from billing.models import Membership, Team
from llmhub.errors import PermissionDenied as NotAllowed

_Response = TypeVar("_Response", bound=HttpResponseBase)


def member_teams(user: Any) -> list[Team]:
    return list(Team.objects.filter(memberships__user=user).order_by("name"))


def require_spender(*, user_id: int, team_id: int) -> None:
    """Refuse (403) a browser answer billed to a team its person has left, or by an account switched off.

    Read from the database at each answer, one indexed query beside the upstream call: a removal or a
    deactivation stops the next answer on every worker at once, open websockets included (their scope's user
    was read when they connected). API keys are re-checked through billing/keys.py's cache instead."""
    active = Membership.objects.filter(user_id=user_id, team_id=team_id).values_list("user__is_active", flat=True)
    found = active.first()
    if found is None:
        raise NotAllowed(
            _("You are no longer a member of the team this conversation is billed to. Ask one of its admins."),
            code="not_a_member",
        )
    if not found:
        raise NotAllowed(_("Your account has been switched off. Ask a hub admin."), code="account_inactive")


def teams_administered(user: Any) -> QuerySet[Team]:
    """The teams this user is a team admin of, by membership (being hub staff is not enough)."""
    return Team.objects.filter(memberships__user=user, memberships__role=Membership.ADMIN)


def admin_teams(user: Any) -> list[Team]:
    """Teams whose credits this user manages: the ones they are a team admin of (staff: every team)."""
    teams = Team.objects.all() if user.is_staff else teams_administered(user)
    return list(teams.order_by("name"))


def team_for_admin(user: Any, slug: str) -> Team:
    """The team, if this user may manage it. A member gets 403; anyone outside the team gets 404,
    so a team's existence is not revealed to strangers."""
    team = Team.objects.filter(slug=slug).first()
    if team is None:
        raise Http404("No such team.")
    if user.is_staff:
        return team
    role = Membership.objects.filter(user=user, team=team).values_list("role", flat=True).first()
    if role is None:
        raise Http404("No such team.")
    if role != Membership.ADMIN:
        raise PermissionDenied("Only the team's admins can see its credits.")
    return team


def is_team_admin(user: Any, team: Team) -> bool:
    """A team admin by membership (being hub staff is not enough)."""
    return teams_administered(user).filter(pk=team.pk).exists()


def team_for_team_admin(user: Any, slug: str) -> Team:
    """The team, if this user is one of its team admins: 404 outside it, 403 for members and for staff who
    are not its admins (the alert webhook is the team's own secret; staff edit it in the Django admin)."""
    team = team_for_admin(user, slug)
    if not is_team_admin(user, team):
        raise PermissionDenied("Only the team's admins can change its alert webhook.")
    return team


def staff_required(view: Callable[..., _Response]) -> Callable[..., _Response]:
    """Hub admins only: signed-out visitors are sent to log in, everyone else gets 403."""

    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> _Response:
        if not request.user.is_staff:
            raise PermissionDenied("This page is for hub admins.")
        return view(request, *args, **kwargs)

    return wrapper


def nav_roles(request: HttpRequest) -> dict[str, Any]:
    """What the navigation should offer this user, computed once per request."""
    cached = getattr(request, "_billing_nav", None)
    if cached is None:
        user = request.user
        if not user.is_authenticated:  # never drawn for them (base.html); narrows the type
            return {"manages_team": False, "is_staff": False}
        manages = user.is_staff or teams_administered(user).exists()
        cached = {"manages_team": manages, "is_staff": user.is_staff}
        request._billing_nav = cached  # type: ignore[attr-defined]
    return cached
