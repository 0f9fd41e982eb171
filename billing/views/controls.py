"""Money controls on hub pages: team budgets and member caps (team page), a key's limits (keys page)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from billing.access import is_team_admin, team_for_admin
from billing.budgets import describe
from billing.limit_forms import BudgetForm, KeySettingsForm
from billing.limits import budget_remove, budget_save, key_budget, key_update_settings, settable_key
from billing.models import Budget
from billing.views.team import credits_page
from llmhub.errors import HubError


@login_required
@require_POST
def budget_add(request: HttpRequest, slug: str) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    form = BudgetForm(request.POST, team=team, prefix="new")
    if not form.is_valid():
        return credits_page(request, team, invalid={"budget_form": form})
    try:
        budget = budget_save(team=team, terms=form.terms(), user_id=form.cleaned_data["member"], by=request.user)
    except HubError as exc:
        form.add_error("member", exc.message)
        return credits_page(request, team, invalid={"budget_form": form})
    messages.success(request, _("Saved %(what)s.") % {"what": describe(budget)})
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_POST
def budget_change(request: HttpRequest, slug: str, budget_id: int) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    budget = Budget.objects.filter(team=team, key__isnull=True, pk=budget_id).first()
    if budget is None:
        raise Http404(_("No such budget."))
    form = BudgetForm(request.POST, team=team, prefix=f"b{budget.pk}")
    if not form.is_valid():
        return credits_page(request, team, invalid={f"budget_{budget.pk}": form})
    budget = budget_save(team=team, terms=form.terms(), user_id=budget.user_id, budget_id=budget.pk, by=request.user)
    messages.success(request, _("Saved %(what)s.") % {"what": describe(budget)})
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_POST
def budget_delete(request: HttpRequest, slug: str, budget_id: int) -> HttpResponse:
    team = team_for_admin(request.user, slug)
    if not budget_remove(team=team, budget_id=budget_id, by=request.user):
        raise Http404(_("No such budget."))
    messages.success(request, _("Budget removed."))
    return redirect("billing-team-credits", slug=team.slug)


@login_required
@require_http_methods(["GET", "POST"])
def key_settings_page(request: HttpRequest, key_id: int) -> HttpResponse:
    key = settable_key(request.user, key_id)
    if key is None:
        raise Http404(_("No such key."))
    form = KeySettingsForm(request.POST) if request.method == "POST" else KeySettingsForm.for_key(key, key_budget(key))
    if request.method == "POST" and form.is_valid():
        key_update_settings(key=key, settings=form.key_settings(), by=request.user)
        saved = _("Settings of key “%(name)s” saved: they apply to its next request.")
        messages.success(request, saved % {"name": key.name or key.prefix})
        if is_team_admin(request.user, key.team):
            return redirect("billing-keys")
        return redirect("billing-team-credits", slug=key.team.slug)  # staff, who set it from the team page
    status = 400 if form.errors else 200
    return render(request, "billing/key_settings.html", {"key": key, "form": form}, status=status)
