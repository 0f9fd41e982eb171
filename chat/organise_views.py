"""The sidebar's endpoints: its list (HTML, to redraw after a change), folders, pins, moves, live search."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chat import organise
from chat.conversation_search import search_conversations
from chat.json_actions import json_action
from chat.sidebar import TIME_ZONE_COOKIE, sidebar_for, zone_named


def sidebar_context(request: HttpRequest, current: int | None) -> dict[str, Any]:
    zone = zone_named(request.COOKIES.get(TIME_ZONE_COOKIE, ""))
    return {"sidebar": sidebar_for(request.user, zone), "current_id": current}


@login_required
@require_GET
def conversation_list(request: HttpRequest) -> HttpResponse:
    current = request.GET.get("current", "")
    context = sidebar_context(request, int(current) if current.isdigit() else None)
    return render(request, "chat/_conv_list.html", context)


@login_required
@require_GET
def search(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"results": search_conversations(request.user, request.GET.get("q", ""))})


@json_action()
def folder_new(request: HttpRequest) -> dict[str, Any]:
    folder = organise.folder_create(request.user, request.POST.get("name", ""))
    return {"id": folder.id, "name": folder.name}


@json_action()
def folder_rename(request: HttpRequest, folder_id: int) -> dict[str, Any]:
    folder = organise.folder_rename(request.user, folder_id, request.POST.get("name", ""))
    return {"id": folder.id, "name": folder.name}


@json_action()
def folder_delete(request: HttpRequest, folder_id: int) -> dict[str, Any]:
    organise.folder_delete(request.user, folder_id)
    return {"deleted": folder_id}


@json_action()
def move(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    moved = organise.conversation_move(request.user, conversation_id, request.POST.get("folder", ""))
    return {"id": moved.id, "folder": moved.folder_id}


@json_action()
def pin(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    pinned = request.POST.get("pinned", "1") in ("1", "true", "on")
    found = organise.conversation_pin(request.user, conversation_id, pinned)
    return {"id": found.id, "pinned": found.pinned_at is not None}
