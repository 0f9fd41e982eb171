"""The Keys page: create a key (plaintext shown once), list keys with their spend, revoke with confirmation.
Team admins also see every key of their teams and may revoke any of them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from billing.access import member_teams
from billing.forms import KeyCreateForm
from billing.keys import issue_key
from billing.selectors import keys_of, revocable_key, team_keys_for_admin
from billing.services import key_revoke


@never_cache  # the page that shows a new key's plaintext must never be cached or restored from history
@login_required
@require_http_methods(["GET", "POST"])
def keys_page(request: HttpRequest) -> HttpResponse:
    teams = member_teams(request.user)
    form = KeyCreateForm(request.POST or None, teams=teams, initial={"team": teams[0].pk if teams else None})
    created = plaintext = None
    if request.method == "POST" and form.is_valid():
        created, plaintext = issue_key(
            user=request.user,
            team=form.cleaned_data["team"],
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
            by=request.user,
        )
        form = KeyCreateForm(teams=teams, initial={"team": created.team_id})
    context = {
        "form": form,
        "teams": teams,
        "rows": keys_of(request.user),
        "team_keys": team_keys_for_admin(request.user),
        "created": created,
        "plaintext": plaintext,
    }
    return render(request, "billing/keys.html", context, status=400 if form.errors else 200)


@login_required
@require_http_methods(["GET", "POST"])
def revoke_key_page(request: HttpRequest, key_id: int) -> HttpResponse:
    if request.method == "POST":
        key = key_revoke(user=request.user, key_id=key_id)
        whose = "" if key.user_id == request.user.pk else f" of {key.user.get_username()}"
        messages.success(request, f"Key “{key.name or key.prefix}”{whose} is revoked: requests with it now get 401.")
        return redirect("billing-keys")
    asked = revocable_key(request.user, key_id)
    if asked is None:
        raise Http404("No such key.")
    return render(request, "billing/revoke_key.html", {"key": asked, "own": asked.user_id == request.user.pk})
