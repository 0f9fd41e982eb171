"""Ranking passages by similarity: Python's cosine where pgvector is missing (SQLite, or PostgreSQL without the
`vector` extension, as on the CI machine), best first, only the documents and embedding model asked for."""

from __future__ import annotations

import pytest

from chat import vector_rank
from chat.models import Document, DocumentChunk

pytestmark = pytest.mark.django_db


def _document(alice, vectors: list[list[float]], model: str = "m") -> Document:
    document = Document.objects.create(owner=alice.user, name="d.txt", kind="text", size=1, text="x")
    for n, vector in enumerate(vectors):
        DocumentChunk.objects.create(document=document, position=n, text=f"passage {n}", vector=vector, model=model)
    return document


def test_nearest_passages_come_best_first(alice):
    document = _document(alice, [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0], [-1.0, 0.0]])
    found = vector_rank.nearest([document.id], "m", [0.0, 2.0], 2)
    assert [chunk.text for chunk in found] == ["passage 2", "passage 1"]


def test_other_documents_models_and_unembedded_passages_are_left_out(alice):
    mine = _document(alice, [[1.0, 0.0]])
    other = _document(alice, [[1.0, 0.0]])
    stale = _document(alice, [[1.0, 0.0]], model="old-model")
    DocumentChunk.objects.create(document=mine, position=9, text="not yet", vector=None, model="")
    found = vector_rank.nearest([mine.id, stale.id], "m", [1.0, 0.0], 10)
    assert [chunk.document_id for chunk in found] == [mine.id]
    assert other.id not in {chunk.document_id for chunk in found}


def test_pgvector_is_used_only_where_the_extension_is_installed(settings):
    from django.db import connection

    if connection.vendor != "postgresql":
        assert vector_rank.pgvector_available() is False
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'")
        installed = cursor.fetchone() is not None
    assert vector_rank.pgvector_available() is installed


def test_cosine_of_unequal_or_empty_vectors_is_zero():
    assert vector_rank.cosine([1.0], [1.0, 0.0]) == 0.0
    assert vector_rank.cosine([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert vector_rank.cosine([3.0, 4.0], [3.0, 4.0]) == pytest.approx(1.0)
