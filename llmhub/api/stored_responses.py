"""Keeping, reading and deleting stored Responses, each visible only to the key owner who made it, through a
key of the team it was made for (a member who moved to another team cannot read the old team's answers)."""

from __future__ import annotations

from typing import Any

from llmhub import jsonio
from llmhub.api.models import StoredResponse
from llmhub.errors import NotFound

MAX_CHAIN = 500  # responses followed back through previous_response_id for a passthrough's input


def _not_found(response_id: str) -> NotFound:
    return NotFound(
        f"No stored response '{response_id}' for this key's owner.", code="response_not_found", param="response_id"
    )


def response_save(
    *, user_id: int, team_id: int, body: dict[str, Any], input_items: list[dict[str, Any]], conversation: list[Any]
) -> None:
    """Keep `body` under its id for its owner. A passthrough's id is the upstream's: one that another key
    owner already holds is not stored (nobody's stored response is ever replaced by someone else's)."""
    if StoredResponse.objects.filter(id=body["id"]).exclude(user_id=user_id, team_id=team_id).exists():
        return
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


def response_items(response_id: str, user_id: int, team_id: int) -> list[dict[str, Any]]:
    """Every item of the conversation a stored response closes, oldest first: each response's input items
    then its output, back through `previous_response_id` (what a Responses upstream gets instead of the id)."""
    turns: list[list[dict[str, Any]]] = []
    current: str | None = response_id
    seen: set[str] = set()
    while current is not None and current not in seen and len(turns) < MAX_CHAIN:
        seen.add(current)
        stored = response_get(current, user_id, team_id)
        body = jsonio.loads(stored.body)
        output = body.get("output") if isinstance(body, dict) else None
        turns.append(list(stored.input_items) + (list(output) if isinstance(output, list) else []))
        previous = body.get("previous_response_id") if isinstance(body, dict) else None
        current = previous if isinstance(previous, str) else None
    return [item for turn in reversed(turns) for item in turn]
