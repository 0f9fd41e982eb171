"""Pages and endpoints of share links: make and revoke one, the owner's list, and the read-only page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chat import sharing
from chat.json_actions import json_action
from chat.models import SharedLink
from llmhub.errors import NotFound

# A share page must not outlive its revocation in a cache, nor hand its address to other sites.
PRIVATE_HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex, nofollow"}


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@json_action(status=201)
def share_create(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    link = sharing.share_create(
        user=request.user,
        conversation_id=conversation_id,
        scope=request.POST.get("scope", ""),
        expires=request.POST.get("expires", ""),
    )
    return sharing.link_json(link, _base_url(request))


@login_required
@require_GET
def conversation_links(request: HttpRequest, conversation_id: int) -> JsonResponse:
    """The live links of one of the user's conversations, for the share dialog."""
    links = [link for link in sharing.links_of(request.user, conversation_id) if sharing.is_live(link)]
    return JsonResponse({"links": [sharing.link_json(link, _base_url(request)) for link in links]})


@login_required
@require_POST
def share_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    try:
        link = sharing.share_revoke(user=request.user, link_id=link_id)
    except NotFound as exc:
        if request.headers.get("Accept") == "application/json":
            return JsonResponse(exc.as_openai(), status=exc.status)
        raise Http404(exc.message) from exc
    if request.headers.get("Accept") == "application/json":
        return JsonResponse(sharing.link_json(link, _base_url(request)))
    return redirect("shared-links")


@login_required
def shared_links(request: HttpRequest) -> HttpResponse:
    """The owner's page of links: what each shows, to whom, until when; revoke buttons."""
    rows = [
        {"link": link, "live": sharing.is_live(link), "url": sharing.share_url(link)}
        for link in sharing.links_of(request.user)[:200]
    ]
    return render(request, "chat/shared_links.html", {"rows": rows, "base_url": _base_url(request)})


def _link_or_404(token: str) -> SharedLink:
    try:
        return sharing.find_link(token)
    except NotFound as exc:
        raise Http404(exc.message) from exc


def _private(response: HttpResponse) -> HttpResponse:
    for name, value in PRIVATE_HEADERS.items():
        response[name] = value
    return response


def _gone(request: HttpRequest) -> HttpResponse:
    return _private(render(request, "chat/share_gone.html", status=410))


def shared_conversation(request: HttpRequest, token: str) -> HttpResponse:
    link = _link_or_404(token)
    if sharing.is_live(link) and sharing.needs_sign_in(link, request.user):
        return redirect_to_login(request.get_full_path())
    try:
        page = sharing.shared_page(link, request.user)
    except sharing.LinkGone:
        return _gone(request)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    return _private(render(request, "chat/share.html", {"page": page}))


def shared_image(request: HttpRequest, token: str, image_id: int) -> HttpResponse:
    link = _link_or_404(token)
    try:
        found = sharing.shared_image(link, request.user, image_id)
    except sharing.LinkGone:
        return HttpResponse(status=410, headers=PRIVATE_HEADERS)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    response = HttpResponse(bytes(found.data), content_type=found.content_type, headers=PRIVATE_HEADERS)
    response["Content-Disposition"] = "inline"
    response["X-Content-Type-Options"] = "nosniff"
    return response
