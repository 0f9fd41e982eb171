"""People pages: staff's list of everyone, a team's members and invitations for its admins, and accepting an
invitation. Thin: parse, call billing/people.py, say what happened, redirect."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from billing import people
from billing.access import admin_teams, staff_required, team_for_admin
from billing.models import Invitation, Team
from billing.people_forms import AcceptInvitationForm, InviteForm, PeopleFilterForm, RoleForm
from billing.selectors import page_of
from billing.views.paging import page_number, query_without_page
from billing.views.sso import sso_button
from llmhub.errors import HubError


def _acting(request: HttpRequest, done: Callable[[], str], back: HttpResponseBase) -> HttpResponseBase:
    """Run one change; its message (or the refusal's) is flashed on the page it redirects back to."""
    try:
        messages.success(request, done())
    except HubError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
    return back


@login_required
def people_start(request: HttpRequest) -> HttpResponse:
    """The nav's "People": staff see everyone; a team admin their team (or the list of their teams)."""
    if request.user.is_staff:
        return redirect("billing-people")
    teams = admin_teams(request.user)
    if not teams:
        raise Http404(_("You are not an admin of any team."))
    if len(teams) == 1:
        return redirect("billing-team-people", slug=teams[0].slug)
    return render(request, "billing/people_teams.html", {"teams": teams})


@staff_required
def staff_people(request: HttpRequest) -> HttpResponseBase:
    teams = Team.objects.order_by("name")
    form = InviteForm(request.POST or None, teams=teams)
    if request.method == "POST" and form.is_valid():
        return _invite(request, form.cleaned_data["team"], form, redirect("billing-people"))
    filters = PeopleFilterForm(request.GET, auto_id="filter_%s")  # ids apart from the invite form's team and role
    listed = people.people_matching(**filters.filters())
    context = {
        "form": form,
        "filters": filters,
        "page": page_of(listed, page_number(request), listed.count()),
        "query": query_without_page(request),
        "invitations": people.open_invitations()[:50],
    }
    return render(request, "billing/people.html", context, status=400 if form.errors else 200)


def _invite(request: HttpRequest, team: Team, form: InviteForm, back: HttpResponseBase) -> HttpResponseBase:
    email, role = form.cleaned_data["email"], form.cleaned_data["role"]

    def done() -> str:
        made = people.invite(team=team, email=email, role=role, by=request.user)
        if isinstance(made, Invitation):
            return _("Invitation sent to %(email)s.") % {"email": email}
        return _("%(name)s already had an account and is now in %(team)s.") % {
            "name": made.user.get_username(),
            "team": team.name,
        }

    return _acting(request, done, back)


# A staff action on one person: the change (billing/people.py) and what the page says after it.
STAFF_ACTIONS: dict[str, tuple[Callable[..., Any], Any]] = {
    "deactivate": (partial(people.user_set_active, active=False), gettext_lazy("%(name)s is switched off.")),
    "activate": (partial(people.user_set_active, active=True), gettext_lazy("%(name)s is switched on again.")),
    "password": (people.user_send_password_link, gettext_lazy("A password link was sent to %(name)s.")),
    "email": (people.user_set_email_and_send_link, gettext_lazy("A password link was sent to %(name)s.")),
    "staff": (partial(people.user_set_staff, staff=True), gettext_lazy("%(name)s is now hub staff.")),
    "unstaff": (partial(people.user_set_staff, staff=False), gettext_lazy("%(name)s is no longer hub staff.")),
}


@staff_required
@require_POST
def staff_person_action(request: HttpRequest, user_id: int) -> HttpResponseBase:
    action, by = request.POST.get("action", ""), request.user
    back_to = request.POST.get("back", "")  # the list with its filters; never an outside address
    back = redirect(back_to if back_to.startswith("/staff/people/") and "//" not in back_to else "billing-people")
    if action not in STAFF_ACTIONS:
        messages.error(request, _("Unknown action."))
        return back
    change, said = STAFF_ACTIONS[action]
    if action == "email":
        change = partial(change, email=request.POST.get("email", "").strip())
    return _acting(request, lambda: str(said) % _named(change(user_id=user_id, by=by)), back)


def _named(person: Any) -> dict[str, str]:
    return {"name": person.get_username()}


@login_required
def team_people(request: HttpRequest, slug: str) -> HttpResponseBase:
    team = team_for_admin(request.user, slug)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return _invite(request, team, form, redirect("billing-team-people", slug=team.slug))
    context = {
        "team": team,
        "form": form,
        "members": people.team_members(team),
        "invitations": people.open_invitations(team),
        "roles": RoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "billing/team_people.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def team_member_role(request: HttpRequest, slug: str, user_id: int) -> HttpResponseBase:
    team = team_for_admin(request.user, slug)
    form = RoleForm(request.POST)
    role = form.cleaned_data["role"] if form.is_valid() else ""

    def done() -> str:
        membership = people.member_set_role(team=team, user_id=user_id, role=role, by=request.user)
        return _("%(name)s is now: %(role)s.") % {"name": membership.user.get_username(), "role": _role(role)}

    return _acting(request, done, redirect("billing-team-people", slug=team.slug))


def _role(role: str) -> str:
    return str(dict(RoleForm.base_fields["role"].choices).get(role, role))  # type: ignore[attr-defined]


@login_required
@require_POST
def team_member_remove(request: HttpRequest, slug: str, user_id: int) -> HttpResponseBase:
    team = team_for_admin(request.user, slug)

    def done() -> str:
        people.member_remove(team=team, user_id=user_id, by=request.user)
        return _("Removed from %(team)s.") % {"team": team.name}

    return _acting(request, done, redirect("billing-team-people", slug=team.slug))


@login_required
@require_POST
def team_invitation_action(request: HttpRequest, slug: str, invitation_id: int, action: str) -> HttpResponseBase:
    team = team_for_admin(request.user, slug)
    if action == "resend":
        change, said = people.invitation_resend, _("Invitation to %(email)s sent again, with a new link.")
    else:
        change, said = people.invitation_cancel, _("Invitation to %(email)s cancelled.")

    def done() -> str:
        return said % {"email": change(team=team, invitation_id=invitation_id, by=request.user).email}

    return _acting(request, done, redirect("billing-team-people", slug=team.slug))


def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """Anyone with the link: choose a username and a password, join the team, signed in."""
    try:
        invitation = people.invitation_for_token(token)
    except people.InvitationGone as exc:
        return render(request, "billing/invitation_gone.html", {"reason": exc.message}, status=exc.status)
    form = AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = people.invitation_accept(token=token, username=data["username"], password=data["password1"])
        except people.InvitationGone as exc:  # used by someone else while this form was open
            return render(request, "billing/invitation_gone.html", {"reason": exc.message}, status=exc.status)
        except (HubError, ValidationError) as exc:
            form.add_error(None, exc.message if isinstance(exc, HubError) else exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            return redirect("home")
    context = {"invitation": invitation, "form": form, "token": token, **sso_button()}
    return render(request, "billing/invitation_accept.html", context, status=400 if form.errors else 200)
