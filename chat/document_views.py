"""The chat's document upload: the file's text is extracted (or refused, saying why) before its message is sent."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from chat import documents
from chat.document_text import MB, too_large
from chat.json_actions import json_action
from llmhub.errors import InvalidRequest, RequestTooLarge


@json_action(status=201)
def upload_document(request: HttpRequest) -> dict[str, Any]:
    """201 with the document's chip (id, name, kind, pages, size); else {"error": {"code", "message", "type"}}."""
    upload = request.FILES.get("document")
    if upload is None:
        raise InvalidRequest(_("Choose a document to attach."), code="no_document")
    name = upload.name or "document"
    if (upload.size or 0) > int(settings.DOCUMENT_MAX_MB) * MB:
        raise RequestTooLarge(too_large(name), code="document_too_large")
    return documents.chip(documents.store_document(request.user, name, upload.read()))
