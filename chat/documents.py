"""Documents attached in the chat: stored on upload with their extracted text cut into passages (within the
upload quotas images have), referenced by id from a message, shown as chips, and sent to the model as text."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from chat.attachments import check_upload_quota, forget_unsent_images
from chat.document_text import Extracted, extract
from chat.models import Document, DocumentChunk, Message
from llmhub.errors import InvalidRequest
from llmhub.gateway import prompt_tokens_estimate

MAX_DOCUMENTS = 8  # one message's
CHUNK_CHARS = 1_200  # a passage searched and sent when a document is too large to send whole
PART = "chat_document"

WORDING = {
    "own_count": gettext_lazy(
        "You attached %(n)s files in the last hour, the most allowed. Wait a while, then attach again."
    ),
    "own_mb": gettext_lazy(
        "You attached %(mb)s MB of files in the last hour, the most allowed. Wait a while, then attach again."
    ),
    "team_count": gettext_lazy(
        "Your team %(team)s has attached %(n)s files in the last hour, the most allowed for a team. "
        "Wait a while, then attach again."
    ),
    "team_mb": gettext_lazy(
        "Your team %(team)s has attached %(mb)s MB of files in the last hour, the most allowed for a team. "
        "Wait a while, then attach again."
    ),
    "own_kept": gettext_lazy(
        "The files you keep in the chat would pass %(mb)s MB, the most kept for one person. "
        "Delete conversations with files you no longer need, then attach again."
    ),
    "team_kept": gettext_lazy(
        "The files your team %(team)s keeps in the chat would pass %(mb)s MB, the most kept for a team. "
        "Delete conversations with files you no longer need, then attach again."
    ),
}


def store_document(owner: Any, name: str, raw: bytes) -> Document:
    """Extract the file's text (or refuse it, saying why), then keep it and its passages until it is sent."""
    name = (name.replace("\x00", "").strip() or "document")[-255:]
    extracted = extract(name, raw)
    forget_unsent_images()  # anyone's unsent uploads first, so expired ones count against no quota
    check_upload_quota(owner, len(raw), wording=WORDING)
    document = Document.objects.create(
        owner=owner, name=name, kind=extracted.kind, size=len(raw), pages=extracted.pages, text=extracted.text
    )
    DocumentChunk.objects.bulk_create(
        DocumentChunk(document=document, position=n, page=page, text=text)
        for n, (page, text) in enumerate(passages(extracted))
    )
    return document


def passages(extracted: Extracted) -> list[tuple[int | None, str]]:
    """The text cut into passages of about CHUNK_CHARS at line ends, each with the page it starts on."""
    out: list[tuple[int | None, str]] = []
    for page, text in extracted.sections:
        current = ""
        for line in text.splitlines(keepends=True):
            while len(line) > CHUNK_CHARS:  # one very long line (a minified file) is cut where it must be
                if current.strip():
                    out.append((page, current.strip()))
                out.append((page, line[:CHUNK_CHARS]))
                current, line = "", line[CHUNK_CHARS:]
            if len(current) + len(line) > CHUNK_CHARS and current.strip():
                out.append((page, current.strip()))
                current = ""
            current += line
        if current.strip():
            out.append((page, current.strip()))
    return out


def document_parts(ids: Any, owner: Any) -> list[dict[str, Any]]:
    """Validate the documents a browser sent (ids of the sender's unsent uploads) into message parts."""
    if not ids:
        return []
    if not isinstance(ids, list) or len(ids) > MAX_DOCUMENTS:
        raise InvalidRequest(
            _("Attach at most %(n)s documents to one message.") % {"n": MAX_DOCUMENTS}, code="too_many_documents"
        )
    wanted = [n for n in ids if isinstance(n, int) and not isinstance(n, bool)]
    found = Document.objects.filter(id__in=wanted, owner=owner, message__isnull=True).in_bulk()
    if len(wanted) != len(ids) or found.keys() != set(wanted):
        raise InvalidRequest(_("That document is no longer available. Attach it again."), code="bad_document")
    # The chip goes in the part: the page shows it without reading the document again.
    return [{"type": PART, **chip(found[n])} for n in dict.fromkeys(wanted)]


def attach_documents(message: Message) -> None:
    """The documents a message references now belong to it (deleted with it), billed to its conversation's team."""
    ids = [p["id"] for p in message.parts if p.get("type") == PART]
    if ids:
        Document.objects.filter(id__in=ids, message__isnull=True).update(
            message=message, team_id=message.conversation.team_id
        )


def first_name(parts: list[dict[str, Any]]) -> str:
    """The name of the first document among a message's parts (a title for a message with no words)."""
    return next((str(p.get("name") or "") for p in parts if p.get("type") == PART), "")


def chip(document: Document) -> dict[str, Any]:
    """What the page shows of an attached document: its name, kind, pages, size, and the tokens its text adds to
    the prompt (the gateway's own estimate, as the context check measures it)."""
    return {
        "id": document.id,
        "name": document.name,
        "kind": document.kind,
        "pages": document.pages,
        "size": document.size,
        "size_label": size_label(document.size),
        "tokens": prompt_tokens_estimate([{"role": "user", "content": as_text(document.name, document.text)}]),
    }


def size_label(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB"


def shown_documents(message: Message) -> list[dict[str, Any]]:
    """The chips of a message's documents, as kept in its parts."""
    keys = ("id", "name", "kind", "pages", "size", "size_label", "tokens")
    return [{key: part.get(key) for key in keys} for part in message.parts if part.get("type") == PART]


def as_text(name: str, body: str, pages: int | None = None, *, searched: bool = False) -> str:
    """A document as the model reads it: its text inside a tag naming it (passages only, when it was searched)."""
    attributes = f'name="{name.replace(chr(34), "")}"'
    if pages:
        attributes += f' pages="{pages}"'
    if searched:
        attributes += ' excerpt="passages most relevant to the question"'
    return f"<document {attributes}>\n{body}\n</document>"


def model_text(message: Message) -> list[str]:
    """The message's documents, whole, as the model reads them."""
    if not any(p.get("type") == PART for p in message.parts):
        return []
    return [as_text(d.name, d.text, d.pages) for d in Document.objects.filter(message=message).order_by("id")]


def limits() -> dict[str, int]:
    """The limits the page checks before uploading (the server checks them again)."""
    return {"max_mb": int(settings.DOCUMENT_MAX_MB), "max_documents": MAX_DOCUMENTS}
