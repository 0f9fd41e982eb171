"""Team projects: who sees and edits which project, creating, editing and archiving them and adding and removing
their files (each change in the audit log), and what a project adds to the chats started in it (its instructions
and files first in their system prompt).

A team's members see and chat in its projects; its team admins edit them. Anyone else, a member who left
included, gets "not found", whoever they are: a project's existence is not shown outside its team."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.access import is_team_admin, teams_administered
from billing.audit_log import record, snapshot
from billing.models import Membership, Team
from chat.documents import as_text, store_document
from chat.model_picker import is_choosable
from chat.models import Conversation, Document, Project
from llmhub.errors import InvalidRequest, NotFound, PermissionDenied, RequestTooLarge

MAX_NAME = 120
MAX_INSTRUCTIONS = 20_000
MAX_PROJECTS_PER_TEAM = 200
MAX_FILES = 20
# Every message in the project carries its files whole: their text together stays well inside a model's context.
MAX_FILE_CHARS = 150_000
AUDITED = ("name", "instructions", "default_model", "archived_at")


def projects_visible(user: Any) -> QuerySet[Project]:
    """The projects of the user's teams (archived ones included), by name."""
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    teams = Membership.objects.filter(user=user).values("team_id")
    return Project.objects.filter(team_id__in=teams).select_related("team")


def projects_listed(user: Any) -> list[Project]:
    """The sidebar's projects: the live ones of the user's teams."""
    return list(projects_visible(user).filter(archived_at__isnull=True).order_by("name", "id")[:MAX_PROJECTS_PER_TEAM])


def project_for_member(user: Any, project_id: Any) -> Project:
    try:
        found = projects_visible(user).filter(pk=int(project_id)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(_("That project does not exist or is not one of your teams'."))
    return found


def can_edit(user: Any, project: Project) -> bool:
    return is_team_admin(user, project.team)


def project_for_edit(user: Any, project_id: Any) -> Project:
    """The project, if this user may change it: 404 outside its team, 403 for its members who are not admins."""
    project = project_for_member(user, project_id)
    if not can_edit(user, project):
        raise PermissionDenied(_("Only the team's admins can change its projects."), code="not_team_admin")
    return project


def project_for_new_chat(user: Any, project_id: Any) -> Project:
    project = project_for_member(user, project_id)
    if project.archived_at is not None:
        raise InvalidRequest(_("This project is archived: new chats cannot start in it."), code="project_archived")
    return project


def _clean(name: str, instructions: str, default_model: str) -> tuple[str, str, str]:
    name = " ".join(str(name).replace("\x00", "").split())
    instructions = str(instructions).replace("\x00", "").strip()
    default_model = str(default_model).strip()
    if not name:
        raise InvalidRequest(_("Give the project a name."), code="project_incomplete", param="name")
    if len(name) > MAX_NAME:
        raise InvalidRequest(_("The name is longer than %(n)s characters.") % {"n": MAX_NAME}, param="name")
    if len(instructions) > MAX_INSTRUCTIONS:
        raise InvalidRequest(
            _("The instructions are longer than %(n)s characters.") % {"n": MAX_INSTRUCTIONS}, param="instructions"
        )
    if default_model and not is_choosable(default_model):
        raise InvalidRequest(_("That model is not offered."), code="model_not_found", param="default_model")
    return name, instructions, default_model


def _admin_team(user: Any, team_slug: str) -> Team:
    team = teams_administered(user).filter(slug=team_slug).first()
    if team is None:
        raise PermissionDenied(_("Only a team's admins can add projects to it."), code="not_team_admin")
    return team


@transaction.atomic
def project_create(*, user: Any, team_slug: str, name: str, instructions: str = "", default_model: str = "") -> Project:
    team = _admin_team(user, team_slug)
    name, instructions, default_model = _clean(name, instructions, default_model)
    if Project.objects.filter(team=team).count() >= MAX_PROJECTS_PER_TEAM:
        raise InvalidRequest(_("The team has %(n)s projects, the most allowed.") % {"n": MAX_PROJECTS_PER_TEAM})
    project = Project.objects.create(
        team=team, name=name, instructions=instructions, default_model=default_model, created_by=user
    )
    record(user, "project.create", project, after=snapshot(project, AUDITED))
    return project


@transaction.atomic
def project_update(*, user: Any, project_id: Any, name: str, instructions: str, default_model: str) -> Project:
    project = project_for_edit(user, project_id)
    before = snapshot(project, AUDITED)
    project.name, project.instructions, project.default_model = _clean(name, instructions, default_model)
    project.save(update_fields=["name", "instructions", "default_model", "updated_at"])
    record(user, "project.change", project, before, snapshot(project, AUDITED))
    return project


@transaction.atomic
def project_archive(*, user: Any, project_id: Any, archived: bool) -> Project:
    """Archive (hidden from the sidebar, no new chats; its chats stay) or bring back a project."""
    project = project_for_edit(user, project_id)
    if (project.archived_at is not None) == archived:
        return project
    before = snapshot(project, AUDITED)
    project.archived_at = timezone.now() if archived else None
    project.save(update_fields=["archived_at", "updated_at"])
    record(user, "project.archive" if archived else "project.restore", project, before, snapshot(project, AUDITED))
    return project


def project_conversations(user: Any, project: Project) -> QuerySet[Conversation]:
    """The user's own conversations in the project, newest first (nobody sees another member's chats)."""
    return Conversation.objects.filter(owner=user, project=project).only("id", "title", "updated_at")


def conversation_project(conversation: Conversation) -> Project | None:
    """The project a conversation's owner still reaches: none once they left its team."""
    if conversation.project_id is None:
        return None
    return projects_visible(conversation.owner).filter(pk=conversation.project_id).first()


def project_files(project: Project) -> list[Document]:
    """The project's files, oldest first (with their text: the page says the tokens each adds to the prompt)."""
    return list(project.documents.order_by("id"))


@transaction.atomic
def project_file_add(*, user: Any, project_id: Any, name: str, raw: bytes) -> Document:
    """Extract the file's text (or refuse it, saying why) and keep it with the project, on its team's quota."""
    project = project_for_edit(user, project_id)
    if project.documents.count() >= MAX_FILES:
        raise InvalidRequest(_("A project holds at most %(n)s files. Remove one first.") % {"n": MAX_FILES})
    document = store_document(user, name, raw)
    held = sum(len(text) for text in project.documents.values_list("text", flat=True))
    if held + len(document.text) > MAX_FILE_CHARS:
        raise RequestTooLarge(  # the transaction drops the stored document with the refusal
            _(
                "%(name)s has %(n)s characters of text: with the project's other files that is more than the "
                "%(limit)s characters a project sends with every message. Attach it in a chat instead."
            )
            % {"name": document.name, "n": len(document.text), "limit": MAX_FILE_CHARS},
            code="project_files_too_large",
        )
    Document.objects.filter(pk=document.pk).update(team=project.team)
    project.documents.add(document)
    record(user, "project.file_add", project, after={"file": _file_label(document)})
    return document


@transaction.atomic
def project_file_remove(*, user: Any, project_id: Any, document_id: Any) -> None:
    project = project_for_edit(user, project_id)
    document = project.documents.filter(pk=int(document_id)).first() if str(document_id).isdigit() else None
    if document is None:
        raise NotFound(_("That file is not in this project."))
    record(user, "project.file_remove", project, before={"file": _file_label(document)})
    project.documents.remove(document)
    if not document.projects.exists() and document.message_id is None:
        document.delete()


def _file_label(document: Document) -> str:
    return f"{document.name} ({document.kind}, {document.size} B)"


def system_text(conversation: Conversation) -> str:
    """The system prompt sent with each turn: the project's instructions and files (as they are now), then the
    chat's own. Counted in the prompt like the rest: the gateway's context check and credit hold see it all."""
    project = conversation_project(conversation)
    pieces = [project_text(project) if project else "", conversation.system_prompt]
    return "\n\n".join(piece.strip() for piece in pieces if piece.strip())


def project_text(project: Project) -> str:
    """The project's instructions, then each of its files as the model reads a document."""
    files = [as_text(d.name, d.text, d.pages) for d in project.documents.order_by("id")]
    return "\n\n".join(piece for piece in [project.instructions.strip(), *files] if piece)
