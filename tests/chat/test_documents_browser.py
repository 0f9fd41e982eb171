"""Documents in Chromium, in English and Simplified Chinese, against the offline demo upstream (which quotes the
start of each document it is sent): a 40-page PDF and a spreadsheet are quoted in the answer and their chips
survive a reload; a document larger than the context is answered from retrieved passages, shown as Sources."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from billing.models import UsageRecord
from tests.chat import document_files
from tests.provider_env import clear_provider_env

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORDS = {
    "en-US": {
        "attach": "Attach document",
        "message": "Message",
        "pages": "40 pages",
        "sheet": "1 sheet",
        "sources": "Sources (3 passages)",
        "page": "page 21",
        "tokens": "tokens",
        "locked": "secret.pdf is protected by a password",
    },
    "zh-CN": {
        "attach": "附加文档",
        "message": "消息",
        "pages": "40 页",
        "sheet": "1 个工作表",
        "sources": "来源（3 段）",
        "page": "第 21 页",
        "tokens": "个 token",
        "locked": "secret.pdf 受密码保护",
    },
}


@pytest.fixture
def demo(settings, live_hub, page_for):
    """Every model served by the hub's own offline demo upstream, as `make run` with no key."""
    from llmhub import catalog

    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
    settings.DEMO_UPSTREAM_URL = live_hub.url + "/demo-upstream/v1"
    catalog.invalidate()
    yield
    catalog.invalidate()


def send(page, words: dict[str, str], text: str) -> None:
    box = page.get_by_label(words["message"], exact=True)
    box.fill(text)
    box.press("Enter")


def answered(page):
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=20000)
    return answer


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_pdf_and_a_spreadsheet_are_quoted_in_the_answer(demo, page_for, alice, acme, tmp_path, locale):
    words = WORDS[locale]
    report = tmp_path / "report.pdf"
    report.write_bytes(document_files.pdf([f"Quarter {n} revenue grew by {n} percent." for n in range(1, 41)]))
    sales = tmp_path / "sales.xlsx"
    sales.write_bytes(document_files.xlsx({"Sales": [["Region", "Revenue"], ["North", 1200], ["South", 800]]}))
    page = page_for(alice, locale=locale)
    page.get_by_label(words["attach"]).set_input_files([str(report), str(sales)])
    chips = page.locator("#document-attachments .doc-chip")
    expect(chips).to_have_count(2, timeout=15000)
    expect(chips.first).to_contain_text(f"report.pdf · {words['pages']}")
    expect(chips.last).to_contain_text(f"sales.xlsx · {words['sheet']}")
    expect(chips.first).to_contain_text(words["tokens"])
    send(page, words, "Summarise both files")
    answer = answered(page)
    expect(answer).to_contain_text("From report.pdf: “[Page 1] Quarter 1 revenue grew by 1 percent.")
    expect(answer).to_contain_text("From sales.xlsx: “[Sheet Sales] Region | Revenue North | 1200 South | 800”")
    expect(page.locator("#document-attachments .doc-chip")).to_have_count(0)  # sent: the composer is empty again
    page.reload()
    sent = page.locator("article.msg-user .msg-documents .doc-chip")
    expect(sent).to_have_count(2)
    expect(sent.first).to_contain_text(f"report.pdf · {words['pages']}")
    # The prompt billed to the team carried the documents' text (40 pages and a sheet, not the three words asked).
    billed = UsageRecord.objects.get(source="chat")
    assert billed.team_id == acme.id and billed.prompt_tokens > 300


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_document_larger_than_the_context_is_answered_from_passages(
    demo, page_for, alice, acme, settings, tmp_path, locale
):
    words = WORDS[locale]
    settings.DOCUMENT_CONTEXT_SHARE = 0.02  # gpt-4o-mini's 128k window: search past about 2,600 tokens
    settings.DOCUMENT_PASSAGES = 3
    filler = "Our handbook covers holidays, travel claims, laptops and the office plants in plain words. " * 12
    pages = [f"Chapter {n}. {filler}" for n in range(1, 41)]
    pages[20] = f"Chapter 21. The secret code word is PAPAYA. {filler}"
    handbook = tmp_path / "handbook.pdf"
    handbook.write_bytes(document_files.pdf(pages))
    page = page_for(alice, locale=locale)
    page.get_by_label(words["attach"]).set_input_files(str(handbook))
    expect(page.locator("#document-attachments .doc-chip")).to_contain_text("handbook.pdf", timeout=15000)
    send(page, words, "What is the secret code word?")
    answer = answered(page)
    expect(answer).to_contain_text("From handbook.pdf: “[Page 21] Chapter 21. The secret code word is PAPAYA.")
    sources = answer.locator(".msg-sources")
    expect(sources.locator("summary")).to_have_text(words["sources"])
    sources.locator("summary").click()
    expect(sources.locator("li").first).to_contain_text(f"handbook.pdf · {words['page']}")
    expect(sources.locator("li").first).to_contain_text("The secret code word is PAPAYA.")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"documents-sources-{locale}.png"), full_page=True)
    page.reload()  # kept with the answer
    expect(page.locator("article.msg-assistant .msg-sources summary").last).to_have_text(words["sources"])
    embedded = UsageRecord.objects.filter(model_served="text-embedding-3-small")
    assert embedded.count() >= 2 and all(r.team_id == acme.id for r in embedded)


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_a_refused_document_says_why_in_the_page(demo, page_for, alice, tmp_path, locale):
    words = WORDS[locale]
    locked = tmp_path / "secret.pdf"
    locked.write_bytes(document_files.encrypted_pdf("hidden"))
    page = page_for(alice, locale=locale)
    page.get_by_label(words["attach"]).set_input_files(str(locked))
    expect(page.get_by_role("alert")).to_contain_text(words["locked"], timeout=15000)
    expect(page.locator("#document-attachments .doc-chip")).to_have_count(0)
