"""The Projects pages: the list of the person's teams' projects (and a new one, for team admins), a project's page
with its instructions and the person's chats in it, and its admins' edits (rename, instructions, model, archive)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from billing.access import teams_administered
from chat import projects
from chat.document_text import too_large
from chat.documents import chip, limits
from chat.model_picker import model_groups
from chat.models import Project
from llmhub.errors import HubError, InvalidRequest, NotFound, RequestTooLarge


def _list_page(request: HttpRequest, *, error: str = "", form: Any = None, status: int = 200) -> HttpResponse:
    visible = list(projects.projects_visible(request.user).order_by("team__name", "name", "id"))
    context = {
        "live": [p for p in visible if p.archived_at is None],
        "archived": [p for p in visible if p.archived_at is not None],
        "admin_teams": list(teams_administered(request.user).order_by("name")),
        "model_groups": model_groups(),
        "form": form or {},
        "error": error,
    }
    return render(request, "chat/projects.html", context, status=status)


def _project_page(
    request: HttpRequest, project: Project, *, error: str = "", form: Any = None, status: int = 200
) -> HttpResponse:
    context = {
        "project": project,
        "editable": projects.can_edit(request.user, project),
        "chats": list(projects.project_conversations(request.user, project)[:200]),
        "files": [chip(document) for document in projects.project_files(project)],
        "file_limits": limits(),
        "model_groups": model_groups(),
        "form": form or {},
        "error": error,
    }
    return render(request, "chat/project.html", context, status=status)


def _member_project(request: HttpRequest, project_id: int) -> Project:
    try:
        return projects.project_for_member(request.user, project_id)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@login_required
@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    return _list_page(request)


@login_required
@require_POST
def project_new(request: HttpRequest) -> HttpResponse:
    data = request.POST
    try:
        created = projects.project_create(
            user=request.user,
            team_slug=data.get("team", ""),
            name=data.get("name", ""),
            instructions=data.get("instructions", ""),
            default_model=data.get("default_model", ""),
        )
    except HubError as exc:
        return _list_page(request, error=exc.message, form=data, status=exc.status)
    return redirect("project", project_id=created.pk)


@login_required
@require_GET
def project_page(request: HttpRequest, project_id: int) -> HttpResponse:
    return _project_page(request, _member_project(request, project_id))


@login_required
@require_POST
def project_edit(request: HttpRequest, project_id: int) -> HttpResponse:
    project, data = _member_project(request, project_id), request.POST
    try:
        projects.project_update(
            user=request.user,
            project_id=project.pk,
            name=data.get("name", ""),
            instructions=data.get("instructions", ""),
            default_model=data.get("default_model", ""),
        )
    except HubError as exc:
        return _project_page(request, project, error=exc.message, form=data, status=exc.status)
    return redirect("project", project_id=project.pk)


@login_required
@require_POST
def project_archive(request: HttpRequest, project_id: int) -> HttpResponse:
    project = _member_project(request, project_id)
    try:
        projects.project_archive(user=request.user, project_id=project.pk, archived=request.POST.get("archived") == "1")
    except HubError as exc:
        return _project_page(request, project, error=exc.message, status=exc.status)
    return redirect("project", project_id=project.pk)


@login_required
@require_POST
def project_file_add(request: HttpRequest, project_id: int) -> HttpResponse:
    project, upload = _member_project(request, project_id), request.FILES.get("file")
    try:
        if upload is None:
            raise InvalidRequest(_("Choose a file to add."), code="no_document")
        name = upload.name or "document"
        if (upload.size or 0) > int(settings.DOCUMENT_MAX_MB) * 1024 * 1024:  # refused before it is read
            raise RequestTooLarge(too_large(name), code="document_too_large")
        projects.project_file_add(user=request.user, project_id=project.pk, name=name, raw=upload.read())
    except HubError as exc:
        return _project_page(request, project, error=exc.message, status=exc.status)
    return redirect("project", project_id=project.pk)


@login_required
@require_POST
def project_file_remove(request: HttpRequest, project_id: int, document_id: int) -> HttpResponse:
    project = _member_project(request, project_id)
    try:
        projects.project_file_remove(user=request.user, project_id=project.pk, document_id=document_id)
    except HubError as exc:
        return _project_page(request, project, error=exc.message, status=exc.status)
    return redirect("project", project_id=project.pk)
