"""Read-only share links to a conversation: made (a snapshot of the messages shown at that moment),
revoked, listed for their owner, and opened by a viewer the link's scope admits.

Team-only links: signed-in members of the conversation's team. Public links: anyone with the link, and
they always expire. A revoked or expired link answers 410; a wrong token, or a team link shown to someone
outside the team, 404, so a link says nothing about a conversation to someone it was not made for.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.display import exact_amount
from billing.models import Membership
from chat.conversations import owned
from chat.documents import shown_documents
from chat.markdown_render import render_markdown
from chat.message_view import format_cost
from chat.models import ChatImage, Message, SharedLink
from chat.versions import thread
from llmhub.errors import HubError, InvalidRequest, NotFound

# The expiry choices the dialog offers, in days; None is "never" (team-only links only).
EXPIRY_DAYS: dict[str, int | None] = {"1": 1, "7": 7, "30": 30, "never": None}
TOKEN_BYTES = 32  # 256 bits: 43 URL-safe characters


class LinkGone(HubError):
    """A link that existed but no longer opens (revoked or expired)."""

    status = 410
    code = "link_gone"
    type = "invalid_request_error"


@dataclass
class SharedPage:
    """What a viewer of a share link sees: the snapshot, and whether they may see what it cost."""

    link: SharedLink
    title: str
    messages: list[dict[str, Any]]
    shows_cost: bool


def share_url(link: SharedLink) -> str:
    return f"/s/{link.token}/"


def is_live(link: SharedLink) -> bool:
    return link.revoked_at is None and (link.expires_at is None or link.expires_at > timezone.now())


def _snapshot_message(message: Message) -> dict[str, Any]:
    stored = [int(p["id"]) for p in message.parts if p.get("type") == "chat_image"]
    return {
        "id": message.id,
        "role": message.role,
        "content": message.content,
        "model": message.model if message.role == Message.ASSISTANT else "",
        "status": message.status,
        "cost": exact_amount(message.cost),
        "prompt_tokens": message.prompt_tokens,
        "completion_tokens": message.completion_tokens,
        "images": stored,
        # Images given by URL are not shown on a shared page: the viewer's browser would fetch them elsewhere.
        "other_images": sum(1 for p in message.parts if p.get("type") == "image_url"),
        # Documents show as their chips (never their text), an answer from passages with its sources.
        "documents": shown_documents(message),
        "sources": message.sources or [],
    }


def share_create(*, user: Any, conversation_id: int, scope: str, expires: str) -> SharedLink:
    """A new link to the owner's conversation as it is now; public links must expire."""
    conversation = owned(user, conversation_id)
    if scope not in (SharedLink.TEAM, SharedLink.PUBLIC):
        raise InvalidRequest(_("Choose who can open the link: your team or anyone with it."), param="scope")
    if expires not in EXPIRY_DAYS:
        raise InvalidRequest(_("Choose when the link stops working."), param="expires")
    days = EXPIRY_DAYS[expires]
    if days is None and scope == SharedLink.PUBLIC:
        raise InvalidRequest(_("A public link must expire. Choose 1, 7 or 30 days."), param="expires")
    messages = list(thread(conversation))
    if not messages:
        raise InvalidRequest(_("There is nothing to share yet: send a message first."))
    return SharedLink.objects.create(
        token=secrets.token_urlsafe(TOKEN_BYTES),
        conversation=conversation,
        created_by=user,
        scope=scope,
        snapshot={"title": str(conversation), "messages": [_snapshot_message(m) for m in messages]},
        expires_at=timezone.now() + timedelta(days=days) if days else None,
    )


def share_revoke(*, user: Any, link_id: int) -> SharedLink:
    """Turn the owner's link off for good (kept, marked revoked, so their list says what happened)."""
    link = SharedLink.objects.filter(id=link_id, created_by_id=getattr(user, "id", None)).first()
    if link is None:
        raise NotFound(_("That link does not exist or is not yours."))
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
    return link


def links_of(user: Any, conversation_id: int | None = None) -> QuerySet[SharedLink]:
    """The user's links, newest first (of one conversation, if given)."""
    found = SharedLink.objects.filter(created_by_id=getattr(user, "id", None)).select_related("conversation__team")
    if conversation_id is not None:
        found = found.filter(conversation_id=conversation_id)
    return found


def link_json(link: SharedLink, base_url: str) -> dict[str, Any]:
    return {
        "id": link.id,
        "url": base_url + share_url(link),
        "scope": link.scope,
        "expires_at": link.expires_at.isoformat() if link.expires_at else None,
        "live": is_live(link),
    }


def _is_team_member(viewer: Any, link: SharedLink) -> bool:
    if not getattr(viewer, "is_authenticated", False):
        return False
    return Membership.objects.filter(user_id=viewer.pk, team_id=link.conversation.team_id).exists()


def find_link(token: str) -> SharedLink:
    """The link a token names, live or not; NotFound for anything else."""
    link = SharedLink.objects.select_related("conversation__owner").filter(token=token).first() if token else None
    if link is None or not link.conversation.owner.is_active:
        raise NotFound(_("There is no shared conversation at this address."))
    return link


def needs_sign_in(link: SharedLink, viewer: Any) -> bool:
    return link.scope == SharedLink.TEAM and not getattr(viewer, "is_authenticated", False)


def open_link(link: SharedLink, viewer: Any) -> bool:
    """Check the viewer may see the live link; returns whether they see its cost (team members only)."""
    if not is_live(link):
        raise LinkGone(_("This shared link has been turned off or has expired."))
    member = _is_team_member(viewer, link) or getattr(viewer, "pk", None) == link.created_by_id
    if link.scope == SharedLink.TEAM and not member:
        raise NotFound(_("There is no shared conversation at this address."))
    return member


def shared_page(link: SharedLink, viewer: Any) -> SharedPage:
    """The snapshot ready for templates/chat/share.html, answers rendered by the chat's own sanitiser."""
    shows_cost = open_link(link, viewer)
    shown = []
    for item in link.snapshot.get("messages", []):
        role = item.get("role")
        shown.append(
            {
                **item,
                "html": render_markdown(str(item.get("content", ""))) if role == Message.ASSISTANT else "",
                "cost_text": format_cost(Decimal(str(item.get("cost") or "0"))) if shows_cost else "",
                "image_urls": [f"{share_url(link)}images/{int(i)}" for i in item.get("images", [])],
            }
        )
    return SharedPage(link, str(link.snapshot.get("title", "")), shown, shows_cost)


def shared_image(link: SharedLink, viewer: Any, image_id: int) -> ChatImage:
    """An image of the snapshot, only through a link the viewer may open."""
    open_link(link, viewer)
    in_snapshot = any(image_id in m.get("images", []) for m in link.snapshot.get("messages", []))
    found = ChatImage.objects.filter(id=image_id, message__conversation_id=link.conversation_id).first()
    if not in_snapshot or found is None:
        raise NotFound(_("That image is not part of this shared conversation."))
    return found
