"""The Prompts page (list, search, add, edit, delete) and the composer's JSON list of prompts for "/"."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from billing.access import teams_administered
from chat import prompt_library
from llmhub.errors import HubError, NotFound


def _page(request: HttpRequest, *, error: str = "", editing: object = None, status: int = 200) -> HttpResponse:
    query = request.GET.get("q", "")[:200]
    rows = [
        {"prompt": p, "editable": prompt_library.can_edit(request.user, p)}
        for p in prompt_library.prompts_search(request.user, query, limit=prompt_library.MAX_PAGE)
    ]
    context = {
        "rows": rows,
        "query": query,
        "error": error,
        "editing": editing,
        "admin_teams": list(teams_administered(request.user).order_by("name")),
    }
    return render(request, "chat/prompts.html", context, status=status)


def _refused(request: HttpRequest, exc: HubError) -> HttpResponse:
    if isinstance(exc, NotFound):
        raise Http404(exc.message) from exc
    return _page(request, error=exc.message, status=exc.status)


@login_required
@require_GET
def prompts_page(request: HttpRequest) -> HttpResponse:
    edit_id = request.GET.get("edit", "")
    if not edit_id:
        return _page(request)
    if not edit_id.isdigit():
        raise Http404("No such prompt.")
    try:
        editing = prompt_library.prompt_for_edit(request.user, int(edit_id))
    except HubError as exc:
        return _refused(request, exc)
    return _page(request, editing=editing)


@login_required
@require_POST
def prompt_new(request: HttpRequest) -> HttpResponse:
    data = request.POST
    try:
        prompt_library.prompt_create(
            user=request.user, title=data.get("title", ""), body=data.get("body", ""), team_slug=data.get("team", "")
        )
    except HubError as exc:
        return _refused(request, exc)
    return redirect("prompts")


@login_required
@require_POST
def prompt_edit(request: HttpRequest, prompt_id: int) -> HttpResponse:
    data = request.POST
    try:
        prompt_library.prompt_update(
            user=request.user, prompt_id=prompt_id, title=data.get("title", ""), body=data.get("body", "")
        )
    except HubError as exc:
        return _refused(request, exc)
    return redirect("prompts")


@login_required
@require_POST
def prompt_delete(request: HttpRequest, prompt_id: int) -> HttpResponse:
    try:
        prompt_library.prompt_delete(user=request.user, prompt_id=prompt_id)
    except HubError as exc:
        return _refused(request, exc)
    return redirect("prompts")


@login_required
@require_GET
def prompts_json(request: HttpRequest) -> JsonResponse:
    """The composer's "/" list: the user's and their teams' prompts whose titles match `q`, at most 50."""
    found = prompt_library.prompts_search(request.user, request.GET.get("q", "")[:200])
    return JsonResponse({"prompts": [prompt_library.prompt_json(p) for p in found]})
