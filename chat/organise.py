"""Organising a person's conversations: folders (create, rename, delete), moving into one, pins."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from chat.conversations import owned
from chat.models import Conversation, Folder
from llmhub.errors import InvalidRequest, NotFound

FOLDER_NAME_CHARS = 80
MAX_FOLDERS = 100


def owned_folder(user: Any, folder_id: Any) -> Folder:
    try:
        found = Folder.objects.filter(id=int(folder_id), owner_id=getattr(user, "id", None)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        raise NotFound(_("That folder does not exist or is not yours."))
    return found


def _clean_name(name: str) -> str:
    cleaned = " ".join(str(name).replace("\x00", "").split())[:FOLDER_NAME_CHARS]
    if not cleaned:
        raise InvalidRequest(_("Give the folder a name."))
    return cleaned


@transaction.atomic
def folder_create(user: Any, name: str) -> Folder:
    cleaned = _clean_name(name)
    mine = Folder.objects.select_for_update().filter(owner=user)
    if mine.count() >= MAX_FOLDERS:
        raise InvalidRequest(_("You have %(n)s folders, the most allowed.") % {"n": MAX_FOLDERS})
    last = mine.aggregate(last=Max("position"))["last"]
    return Folder.objects.create(owner=user, name=cleaned, position=0 if last is None else last + 1)


def folder_rename(user: Any, folder_id: Any, name: str) -> Folder:
    folder = owned_folder(user, folder_id)
    folder.name = _clean_name(name)
    folder.save(update_fields=["name"])
    return folder


def folder_delete(user: Any, folder_id: Any) -> None:
    """The folder goes; its conversations stay, unfiled (the foreign key is SET_NULL)."""
    owned_folder(user, folder_id).delete()


def conversation_move(user: Any, conversation_id: int, folder_id: Any) -> Conversation:
    """Into one of the user's folders, or out of any folder when `folder_id` is empty."""
    conversation = owned(user, conversation_id)
    folder = owned_folder(user, folder_id) if folder_id not in (None, "") else None
    # update(), not save(): organising is not activity, so the conversation keeps its place by date.
    Conversation.objects.filter(id=conversation.id).update(folder=folder)
    conversation.folder = folder
    return conversation


def conversation_pin(user: Any, conversation_id: int, pinned: bool) -> Conversation:
    conversation = owned(user, conversation_id)
    conversation.pinned_at = timezone.now() if pinned else None
    Conversation.objects.filter(id=conversation.id).update(pinned_at=conversation.pinned_at)
    return conversation
