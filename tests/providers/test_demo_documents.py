"""The offline demo's part in documents: embeddings that put texts sharing words close together (so a search
through the demo finds the passage with the question's words), and answers quoting each document they are sent."""

from __future__ import annotations

from chat.vector_rank import cosine
from llmhub.providers.demo_answers import demo_text, embedding


def test_the_same_text_embeds_the_same_and_shared_words_lie_closer():
    question = embedding("What is the secret code word?", 256)
    assert question == embedding("What is the secret code word?", 256)
    near = embedding("Chapter 21. The secret code word is PAPAYA.", 256)
    far = embedding("Chapter 3. Travel claims are paid monthly.", 256)
    assert cosine(question, near) > cosine(question, far) + 0.3


def test_a_text_without_words_still_embeds_to_a_unit_vector():
    vector = embedding([101, 2023, 102], 64)  # token ids
    assert abs(sum(x * x for x in vector) - 1) < 1e-3


def test_the_demo_quotes_the_start_of_each_document_and_not_their_text_as_the_question():
    question = (
        'Compare them\n\n<document name="a.pdf" pages="2">\n[Page 1]\nAlpha report\n</document>\n\n'
        '<document name="b.csv">\nname | city\nAda | London\n</document>'
    )
    answer = demo_text("gpt-4o", [{"role": "user", "content": question}])
    assert "You said: \u201cCompare them\u201d" in answer
    assert "From a.pdf: \u201c[Page 1] Alpha report\u201d" in answer
    assert "From b.csv: \u201cname | city Ada | London\u201d" in answer
