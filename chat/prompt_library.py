"""The prompt library: who sees and edits which saved prompt, searching it, and saving and deleting prompts.

Personal prompts are their owner's alone; a team prompt is seen by the team's members and edited by the team's
admins and its author. A prompt someone may not see is "not found" to them, whoever they are."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from billing.access import teams_administered
from billing.audit_log import record, snapshot
from billing.models import Membership, Team
from chat.models import SavedPrompt
from llmhub.errors import InvalidRequest, NotFound, PermissionDenied

MAX_LISTED = 50  # the composer's list (the JSON endpoint): never more than this many
MAX_PAGE = 500  # the Prompts page
MAX_TITLE = 120
MAX_BODY = 20_000
AUDITED = ("title", "body")


def prompts_visible(user: Any) -> QuerySet[SavedPrompt]:
    """The user's personal prompts and their teams' prompts."""
    teams = Membership.objects.filter(user=user).values("team_id")
    return SavedPrompt.objects.filter(Q(owner=user, team__isnull=True) | Q(team_id__in=teams)).select_related("team")


def prompts_search(user: Any, query: str = "", *, limit: int = MAX_LISTED) -> list[SavedPrompt]:
    """Visible prompts whose title holds every word of the query (case-insensitive), by title; at most `limit`."""
    found = prompts_visible(user)
    for word in query.split()[:8]:
        found = found.filter(title__icontains=word[:60])
    return list(found.order_by("title", "id")[: max(0, limit)])


def can_edit(user: Any, prompt: SavedPrompt) -> bool:
    if prompt.team_id is None:
        return bool(prompt.owner_id == user.pk)
    if prompt.owner_id == user.pk and Membership.objects.filter(user=user, team_id=prompt.team_id).exists():
        return True
    return teams_administered(user).filter(pk=prompt.team_id).exists()


def prompt_for_edit(user: Any, prompt_id: int) -> SavedPrompt:
    """The prompt, if this user may change it: 404 when they cannot see it, 403 when they only may use it."""
    prompt = prompts_visible(user).filter(pk=prompt_id).first()
    if prompt is None:
        raise NotFound(_("No such prompt."))
    if not can_edit(user, prompt):
        raise PermissionDenied(_("Only the team's admins and the prompt's author can change a team prompt."))
    return prompt


def _team_for(user: Any, team_slug: str) -> Team | None:
    if not team_slug:
        return None
    team = teams_administered(user).filter(slug=team_slug).first()
    if team is None:
        raise PermissionDenied(_("Only a team's admins can add prompts to it."), code="not_team_admin")
    return team


def _clean(title: str, body: str) -> tuple[str, str]:
    title, body = title.strip(), body.strip()
    if not title or not body:
        raise InvalidRequest(_("A prompt needs a title and a text."), code="prompt_incomplete")
    if len(title) > MAX_TITLE:
        raise InvalidRequest(_("The title is longer than %(n)s characters.") % {"n": MAX_TITLE}, param="title")
    if len(body) > MAX_BODY:
        raise InvalidRequest(_("The text is longer than %(n)s characters.") % {"n": MAX_BODY}, param="body")
    return title, body


@transaction.atomic
def prompt_create(*, user: Any, title: str, body: str, team_slug: str = "") -> SavedPrompt:
    title, body = _clean(title, body)
    prompt = SavedPrompt.objects.create(owner=user, team=_team_for(user, team_slug), title=title, body=body)
    if prompt.team_id is not None:  # a team's shared text is audited; a personal prompt is its owner's business
        record(user, "saved_prompt.create", prompt, after=snapshot(prompt, AUDITED))
    return prompt


@transaction.atomic
def prompt_update(*, user: Any, prompt_id: int, title: str, body: str) -> SavedPrompt:
    prompt = prompt_for_edit(user, prompt_id)
    before = snapshot(prompt, AUDITED)
    prompt.title, prompt.body = _clean(title, body)
    prompt.save(update_fields=["title", "body", "updated_at"])
    if prompt.team_id is not None:
        record(user, "saved_prompt.change", prompt, before, snapshot(prompt, AUDITED))
    return prompt


@transaction.atomic
def prompt_delete(*, user: Any, prompt_id: int) -> None:
    prompt = prompt_for_edit(user, prompt_id)
    if prompt.team_id is not None:
        record(user, "saved_prompt.delete", prompt, before=snapshot(prompt, AUDITED))
    prompt.delete()


def prompt_json(prompt: SavedPrompt) -> dict[str, Any]:
    return {
        "id": prompt.pk,
        "title": prompt.title,
        "body": prompt.body,
        "team": prompt.team.name if prompt.team else "",
    }
