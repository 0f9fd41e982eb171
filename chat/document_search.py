"""Documents too large for the model's context are searched, not cut: their passages are embedded through the
gateway (held, metered and charged to the conversation's team like any /v1/embeddings call; once per passage,
the vectors kept), the question is embedded, and the nearest passages are sent with it and shown as Sources."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from chat import vector_rank
from chat.documents import as_text
from chat.models import Document, DocumentChunk
from llmhub.gateway import Caller, embed
from llmhub.infra.db_executor import run_db
from llmhub.providers.base import ChatRequest
from llmhub.providers.embeddings import EmbeddingRequest

BATCH = 64  # passages embedded in one call
SOURCE_CHARS = 600  # of each passage, as shown under the answer


@dataclass
class Search:
    """Documents to search for a turn, and the question to search them with."""

    document_ids: list[int]
    question: str


def too_large(prompt_tokens: int, context_window: int) -> bool:
    """Whether a prompt with its documents whole would pass DOCUMENT_CONTEXT_SHARE of the context window."""
    return prompt_tokens > math.floor(context_window * float(settings.DOCUMENT_CONTEXT_SHARE))


async def search_into(caller: Caller, request: ChatRequest, search: Search) -> list[dict[str, Any]]:
    """Put the passages nearest the question into the request's last user message; the sources to show."""
    model = str(settings.DOCUMENT_EMBEDDING_MODEL)
    question = search.question.strip()
    if question:
        await _embed_passages(caller, model, search.document_ids)
        vector = (await embed(caller, EmbeddingRequest(model=model, inputs=[question]))).embeddings.vectors[0]
        found = await run_db(vector_rank.nearest, search.document_ids, model, vector, int(settings.DOCUMENT_PASSAGES))
    else:  # a document sent without a question: its opening passages
        found = await run_db(_opening, search.document_ids, int(settings.DOCUMENT_PASSAGES))
    documents = await run_db(_documents, search.document_ids)
    _append(request, _passages_text(found, documents))
    return [
        {
            "document": chunk.document_id,
            "name": documents[chunk.document_id].name,
            "kind": documents[chunk.document_id].kind,
            "page": chunk.page,
            "text": _body(chunk)[:SOURCE_CHARS],
        }
        for chunk in found
    ]


async def _embed_passages(caller: Caller, model: str, document_ids: list[int]) -> None:
    """Embed the passages not yet embedded with `model`, a batch a call; each batch is its own usage record."""
    while True:
        batch = await run_db(_unembedded, document_ids, model)
        if not batch:
            return
        result = await embed(caller, EmbeddingRequest(model=model, inputs=[text for _id, text in batch]))
        await run_db(_save_vectors, [n for n, _text in batch], result.embeddings.vectors, model)


def _unembedded(document_ids: list[int], model: str) -> list[tuple[int, str]]:
    pending = DocumentChunk.objects.filter(document_id__in=document_ids).exclude(model=model, vector__isnull=False)
    return list(pending.order_by("id").values_list("id", "text")[:BATCH])


def _save_vectors(ids: list[int], vectors: list[list[float]], model: str) -> None:
    chunks = DocumentChunk.objects.in_bulk(ids)
    for n, vector in zip(ids, vectors, strict=True):
        chunks[n].vector = [round(float(x), 6) for x in vector]
        chunks[n].model = model
    DocumentChunk.objects.bulk_update(list(chunks.values()), ["vector", "model"])


def _opening(document_ids: list[int], k: int) -> list[DocumentChunk]:
    return list(DocumentChunk.objects.filter(document_id__in=document_ids).order_by("document_id", "position")[:k])


def _documents(document_ids: list[int]) -> dict[int, Document]:
    return Document.objects.only("name", "pages", "kind").in_bulk(document_ids)


def _body(chunk: DocumentChunk) -> str:
    """A passage without the page or sheet heading its section starts with (the page is said apart)."""
    heading, _newline, rest = chunk.text.partition("\n")
    return rest if chunk.page and heading.startswith(("[Page ", "[Sheet ")) and rest else chunk.text


def _passages_text(found: Sequence[DocumentChunk], documents: dict[int, Document]) -> list[str]:
    """One block per document, in the order of its best passage, each passage marked with its page."""
    by_document: dict[int, list[str]] = {}
    for chunk in found:
        label = "Page" if documents[chunk.document_id].kind == "pdf" else "Sheet"
        body = f"[{label} {chunk.page}] {_body(chunk)}" if chunk.page else chunk.text
        by_document.setdefault(chunk.document_id, []).append(body)
    return [
        as_text(documents[n].name, "\n…\n".join(bodies), documents[n].pages, searched=True)
        for n, bodies in by_document.items()
    ]


def _append(request: ChatRequest, blocks: list[str]) -> None:
    if not blocks:
        return
    last = next(m for m in reversed(request.messages) if m.get("role") == "user")
    if isinstance(last["content"], list):
        last["content"] = [*last["content"], *({"type": "text", "text": block} for block in blocks)]
    else:
        last["content"] = "\n\n".join([last["content"], *blocks])
