"""The passages nearest a question's embedding: in PostgreSQL by pgvector's cosine distance when the `vector`
extension is installed (detected once per process), else by cosine similarity in Python (SQLite, or PostgreSQL
without the extension). Vectors are stored as JSON lists of floats, which pgvector reads as its text form."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

from django.db import connection

from chat.models import DocumentChunk

_has_pgvector: bool | None = None


def pgvector_available() -> bool:
    """Whether this database can rank by pgvector (PostgreSQL with `CREATE EXTENSION vector` done)."""
    global _has_pgvector
    if connection.vendor != "postgresql":
        return False
    if _has_pgvector is None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
            _has_pgvector = cursor.fetchone() is not None
    return _has_pgvector


def nearest(document_ids: Sequence[int], model: str, query: list[float], k: int) -> list[DocumentChunk]:
    """The `k` passages of these documents (embedded with `model`) most similar to `query`, best first."""
    if pgvector_available():
        return _nearest_pgvector(document_ids, model, query, k)
    chunks = DocumentChunk.objects.filter(document_id__in=document_ids, model=model, vector__isnull=False)
    scored = [(cosine(query, chunk.vector or []), chunk.id, chunk) for chunk in chunks.order_by("id")]
    scored.sort(key=lambda row: (-row[0], row[1]))
    return [chunk for _score, _id, chunk in scored[:k]]


def _nearest_pgvector(document_ids: Sequence[int], model: str, query: list[float], k: int) -> list[DocumentChunk]:
    ids = [
        row.id
        for row in DocumentChunk.objects.raw(
            "SELECT id FROM chat_documentchunk WHERE document_id = ANY(%s) AND model = %s AND vector IS NOT NULL "
            "ORDER BY (vector::text)::vector <=> %s::vector, id LIMIT %s",
            [list(document_ids), model, json.dumps(query), k],
        )
    ]
    found = DocumentChunk.objects.in_bulk(ids)
    return [found[n] for n in ids]


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity; 0 for vectors of different lengths or no length."""
    if len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0
