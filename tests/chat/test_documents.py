"""Documents in the chat: uploaded (only their owner may send them), sent to the model as text that counts
toward the prompt's hold, shown as chips that survive a reload and a regenerate; one too large for the model's
context is searched: passages and the question embedded through the gateway (usage records and charges on the
team's books) and the nearest passages sent and kept as the answer's sources."""

from __future__ import annotations

from decimal import Decimal

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile

from billing.models import CreditLedgerEntry, UsageRecord
from chat.models import Document, DocumentChunk, Message
from chat.sharing import share_create
from tests.chat import document_files
from tests.chat.conftest import client_for, events_until, new_conversation, open_socket, session_cookie
from tests.fake_upstream import Fail, Reply

pytestmark = pytest.mark.django_db(transaction=True)


def upload(person, name: str, raw: bytes, language: str = "en"):
    client = client_for(person)
    document = SimpleUploadedFile(name, raw, content_type="application/octet-stream")
    return client.post("/c/documents", {"document": document}, secure=True, headers={"accept-language": language})


async def _connected(conversation, person):
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(person))
    connected, _ = await socket.connect()
    assert connected
    assert (await socket.receive_json_from())["kind"] == "state"
    return socket


def test_an_upload_answers_with_its_chip(alice):
    answer = upload(alice, "report.pdf", document_files.pdf([f"Page {n} text" for n in range(1, 41)]))
    assert answer.status_code == 201
    chip = answer.json()
    assert (chip["name"], chip["kind"], chip["pages"]) == ("report.pdf", "pdf", 40)
    assert chip["size_label"].endswith(" KB") and chip["tokens"] > 40 * 4  # what its text adds to the prompt
    document = Document.objects.get(id=chip["id"])
    assert document.owner == alice.user and document.message is None and document.team is None
    assert DocumentChunk.objects.filter(document=document).count() >= 1


def test_refusals_are_clear_in_both_languages(alice):
    refused = upload(alice, "photo.heic", b"\x00\x01")
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "unsupported_document"
    assert "photo.heic is not a supported document" in refused.json()["error"]["message"]
    chinese = upload(alice, "secret.pdf", document_files.encrypted_pdf("x"), language="zh-hans")
    assert chinese.status_code == 400 and chinese.json()["error"]["code"] == "document_encrypted"
    assert "密码" in chinese.json()["error"]["message"]
    assert not Document.objects.exists()


def test_a_document_past_the_size_limit_is_413(settings, alice):
    settings.DOCUMENT_MAX_MB = 1
    refused = upload(alice, "big.txt", b"x" * (1024 * 1024 + 10))
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "document_too_large"


def test_documents_count_toward_the_upload_quota(settings, alice):
    settings.CHAT_UPLOADS_PER_HOUR = 2
    assert upload(alice, "a.txt", b"one").status_code == 201
    assert upload(alice, "b.txt", b"two").status_code == 201
    refused = upload(alice, "c.txt", b"three")
    assert refused.status_code == 429 and "2 files in the last hour" in refused.json()["error"]["message"]


def test_signed_out_upload_is_refused(client):
    assert client.post("/c/documents", {}, secure=True).status_code == 302


async def test_a_document_is_sent_as_text_and_kept_with_the_conversation(chat_ready, alice, acme):
    chat_ready.script("gpt-4o", Reply(text="Noted."), Reply(text="Again."), Reply(text="Edited."))
    raw = document_files.xlsx({"Sales": [["Region", "Revenue"], ["North", 1200]]})
    chip = (await sync_to_async(upload)(alice, "sales.xlsx", raw)).json()
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(conversation, alice)
    await socket.send_json_to({"action": "send", "content": "Sum it up", "documents": [chip["id"]]})
    events = await events_until(socket, "done")
    assert events[0]["user"]["documents"][0]["name"] == "sales.xlsx"
    sent = chat_ready.requests_for("/chat/completions")[-1].body["messages"][-1]["content"]
    assert sent.startswith('Sum it up\n\n<document name="sales.xlsx" pages="1">')
    assert "North | 1200" in sent
    done = events[-1]
    record = await UsageRecord.objects.aget(request_id=done["request_id"])
    assert record.team_id == acme.id and record.prompt_tokens > 0
    document = await Document.objects.aget(id=chip["id"])
    assert document.team_id == acme.id and document.message_id == events[0]["user"]["id"]
    # Regenerate sends it again; a reload still shows its chip.
    await socket.send_json_to({"action": "regenerate"})
    await events_until(socket, "done")
    again = chat_ready.requests_for("/chat/completions")[-1].body["messages"][-1]["content"]
    assert "North | 1200" in again
    # An edit of the question keeps its document.
    await socket.send_json_to({"action": "edit", "message_id": events[0]["user"]["id"], "content": "Total it"})
    await events_until(socket, "done")
    edited = chat_ready.requests_for("/chat/completions")[-1].body["messages"][-1]["content"]
    assert edited.startswith("Total it\n\n<document") and "North | 1200" in edited
    page = await sync_to_async(lambda: client_for(alice).get(f"/c/{conversation.id}/messages", secure=True))()
    shown = next(m for m in page.json()["messages"] if m["role"] == "user")
    assert shown["documents"][0]["name"] == "sales.xlsx"
    html = await sync_to_async(lambda: client_for(alice).get(f"/c/{conversation.id}/", secure=True))()
    assert "sales.xlsx · 1 sheet" in html.content.decode()
    link = await sync_to_async(share_create)(
        user=alice.user, conversation_id=conversation.id, scope="team", expires="never"
    )
    shared = await sync_to_async(lambda: client_for(alice).get(f"/s/{link.token}/", secure=True))()
    assert "sales.xlsx · 1 sheet" in shared.content.decode() and "North | 1200" not in shared.content.decode()
    await socket.disconnect()


async def test_someone_elses_or_a_sent_document_is_refused(chat_ready, alice, charlie):
    theirs = (await sync_to_async(upload)(charlie, "theirs.txt", b"private")).json()["id"]
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(conversation, alice)
    await socket.send_json_to({"action": "send", "content": "read", "documents": [theirs]})
    notice = await socket.receive_json_from()
    assert notice["kind"] == "notice" and "no longer available" in notice["error"]
    await socket.send_json_to({"action": "send", "content": "read", "documents": ["1; DROP"]})
    assert (await socket.receive_json_from())["kind"] == "notice"
    assert not await Message.objects.filter(conversation=conversation).aexists()
    await socket.disconnect()


def _handbook(pages: int) -> bytes:
    filler = "Our handbook covers holidays, travel claims, laptops and the office plants in plain words. " * 12
    texts = [f"Chapter {n}. {filler}" for n in range(1, pages + 1)]
    texts[pages // 2] = f"Chapter {pages // 2 + 1}. The secret code word is PAPAYA. {filler}"
    return document_files.pdf(texts)


async def test_a_document_past_the_context_share_is_searched_and_metered(chat_ready, alice, acme, settings):
    settings.DOCUMENT_CONTEXT_SHARE = 0.01  # gpt-4o's 128k window: past about 1,280 tokens, search
    settings.DOCUMENT_PASSAGES = 3
    chat_ready.script("gpt-4o", Reply(text="From the handbook."), Reply(text="Again."))
    chip = (await sync_to_async(upload)(alice, "handbook.pdf", _handbook(12))).json()
    passages = await DocumentChunk.objects.filter(document_id=chip["id"]).acount()
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(conversation, alice)
    await socket.send_json_to({"action": "send", "content": "What is the secret code word?", "documents": [chip["id"]]})
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "done"
    embedded = chat_ready.requests_for("/embeddings")
    assert sum(len(r.body["input"]) for r in embedded) == passages + 1  # every passage once, and the question
    assert embedded[-1].body["input"] == ["What is the secret code word?"]
    sent = chat_ready.requests_for("/chat/completions")[-1].body["messages"][-1]["content"]
    assert 'excerpt="passages most relevant to the question"' in sent
    assert sent.count("[Page ") == 3 and len(sent) < 6_000  # three passages, not the 12 pages
    assert [source["name"] for source in done["sources"]] == ["handbook.pdf"] * 3
    assert all(1 <= source["page"] <= 12 for source in done["sources"])
    answer = await Message.objects.aget(id=done["id"])
    assert answer.sources == done["sources"]
    # The embeddings are on the team's books: a usage record and its charge each, like /v1/embeddings.
    records = [r async for r in UsageRecord.objects.filter(model_served="text-embedding-3-small")]
    assert len(records) == len(embedded) and all(r.team_id == acme.id and r.source == "chat" for r in records)
    for record in records:
        charge = await CreditLedgerEntry.objects.aget(usage=record, kind=CreditLedgerEntry.CHARGE)
        assert charge.team_id == acme.id and charge.amount == -record.cost and record.cost > Decimal(0)
    # A regenerate embeds only the question again: the passages keep their vectors.
    await socket.send_json_to({"action": "regenerate"})
    await events_until(socket, "done")
    assert len(chat_ready.requests_for("/embeddings")) == len(embedded) + 1
    await socket.disconnect()


async def test_a_failed_search_is_an_error_answer_and_bills_no_chat(chat_ready, alice, settings):
    settings.DOCUMENT_CONTEXT_SHARE = 0.01
    chat_ready.script("text-embedding-3-small", *[Fail(400, "bad input")] * 3)
    chip = (await sync_to_async(upload)(alice, "handbook.pdf", _handbook(8))).json()
    conversation = await sync_to_async(new_conversation)(alice)
    socket = await _connected(conversation, alice)
    await socket.send_json_to({"action": "send", "content": "What is the code?", "documents": [chip["id"]]})
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "error" and done["error"]
    assert not chat_ready.requests_for("/chat/completions")  # never sent without its documents
    assert not await UsageRecord.objects.filter(source="chat", status="ok").aexists()
    await socket.disconnect()


def test_unsent_documents_are_dropped_by_age_with_their_passages(alice):
    from datetime import timedelta

    from django.utils import timezone

    from chat.attachments import forget_unsent_images

    kept = upload(alice, "new.txt", b"fresh").json()["id"]
    old = upload(alice, "old.txt", b"stale").json()["id"]
    Document.objects.filter(id=old).update(created_at=timezone.now() - timedelta(days=2))
    assert forget_unsent_images() == 1
    assert list(Document.objects.values_list("id", flat=True)) == [kept]
    assert not DocumentChunk.objects.filter(document_id=old).exists()


async def test_a_documents_text_counts_toward_the_credit_hold(chat_ready, alice, acme, settings):
    from billing.ledger import grant_credits

    settings.DOCUMENT_CONTEXT_SHARE = 1.0  # sent whole: about 60k tokens, within gpt-4o's 128k window
    await sync_to_async(grant_credits)(team=acme, amount=Decimal("-99.95"), kind=CreditLedgerEntry.ADJUST)
    chip = (await sync_to_async(upload)(alice, "big.txt", b"plain words here " * 14_000)).json()
    alone = await sync_to_async(new_conversation)(alice, max_tokens=10)
    socket = await _connected(alone, alice)
    await socket.send_json_to({"action": "send", "content": "hello"})
    assert (await events_until(socket, "done"))[-1]["status"] == "done"  # $0.05 covers the words alone
    await socket.disconnect()
    with_document = await sync_to_async(new_conversation)(alice, max_tokens=10)
    socket = await _connected(with_document, alice)
    await socket.send_json_to({"action": "send", "content": "hello", "documents": [chip["id"]]})
    done = (await events_until(socket, "done"))[-1]
    assert done["status"] == "error" and done["refusal"] is not None
    assert (await Message.objects.aget(id=done["id"])).error_code == "insufficient_credits"
    assert len(chat_ready.requests_for("/chat/completions")) == 1  # only the first, without the document
    await socket.disconnect()
