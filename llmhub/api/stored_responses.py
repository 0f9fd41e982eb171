"""Keeping, reading and deleting stored Responses, each visible only to the key owner who made it, through a
key of the team it was made for (a member who moved to another team cannot read the old team's answers)."""

from __future__ import annotations

from typing import Any

from llmhub import jsonio
from llmhub.api.models import StoredResponse
from llmhub.errors import NotFound


def _not_found(response_id: str) -> NotFound:
    return NotFound(
        f"No stored response '{response_id}' for this key's owner.", code="response_not_found", param="response_id"
    )


def response_save(
    *, user_id: int, team_id: int, body: dict[str, Any], input_items: list[dict[str, Any]], conversation: list[Any]
) -> None:
    StoredResponse.objects.update_or_create(
        id=body["id"],
        defaults={
            "user_id": user_id,
            "team_id": team_id,
            "body": jsonio.dumps(body),
            "input_items": input_items,
            "conversation": conversation,
        },
    )


def response_get(response_id: str, user_id: int, team_id: int) -> StoredResponse:
    """The stored response, or a 404 (also when another user, or this user for another team, stored it)."""
    found = StoredResponse.objects.filter(id=response_id, user_id=user_id, team_id=team_id).first()
    if found is None:
        raise _not_found(response_id)
    return found


def response_delete(response_id: str, user_id: int, team_id: int) -> None:
    deleted, _ = StoredResponse.objects.filter(id=response_id, user_id=user_id, team_id=team_id).delete()
    if not deleted:
        raise _not_found(response_id)
