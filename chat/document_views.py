"""The chat's document upload: the file's text is extracted (or refused, saying why) before its message is sent."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from chat import documents
from chat.document_text import MB, too_large
from llmhub.errors import HubError, InvalidRequest, RequestTooLarge


@login_required
@require_POST
def upload_document(request: HttpRequest) -> JsonResponse:
    """201 with the document's chip (id, name, kind, pages, size); else {"error": {"code", "message", "type"}}."""
    upload = request.FILES.get("document")
    try:
        if upload is None:
            raise InvalidRequest(_("Choose a document to attach."), code="no_document")
        name = upload.name or "document"
        if (upload.size or 0) > int(settings.DOCUMENT_MAX_MB) * MB:
            raise RequestTooLarge(too_large(name), code="document_too_large")
        document = documents.store_document(request.user, name, upload.read())
    except HubError as exc:
        return JsonResponse(exc.as_openai(), status=exc.status)
    return JsonResponse(documents.chip(document), status=201)
