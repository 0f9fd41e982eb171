"""Text out of each kind of document, and every refusal (too big, too many pages or rows, encrypted, damaged,
unsupported, no text) as a clear message; hostile files (zip bombs, far rows) stay bounded."""

from __future__ import annotations

import pytest

from chat.document_text import extract
from llmhub.errors import InvalidRequest
from tests.chat import document_files


def refusal(name: str, raw: bytes) -> InvalidRequest:
    with pytest.raises(InvalidRequest) as refused:
        extract(name, raw)
    return refused.value


def test_a_forty_page_pdf_yields_every_page_with_its_number():
    found = extract("report.pdf", document_files.pdf([f"Page {n} says quokka{n}" for n in range(1, 41)]))
    assert found.kind == "pdf" and found.pages == 40
    assert [page for page, _text in found.sections] == list(range(1, 41))
    assert "quokka17" in found.sections[16][1] and found.sections[16][1].startswith("[Page 17]")


def test_a_pdf_past_the_page_limit_is_refused(settings):
    settings.DOCUMENT_MAX_PAGES = 3
    refused = refusal("long.pdf", document_files.pdf(["a", "b", "c", "d"]))
    assert refused.code == "too_many_pages" and refused.status == 413
    assert "long.pdf has 4 pages; at most 3 can be read" in refused.message


def test_a_password_protected_pdf_is_refused_with_what_to_do():
    refused = refusal("secret.pdf", document_files.encrypted_pdf("hidden"))
    assert refused.code == "document_encrypted" and "without the password" in refused.message


def test_a_damaged_pdf_is_refused_not_a_crash():
    refused = refusal("broken.pdf", b"%PDF-1.4\n1 0 obj <<< garbage")
    assert refused.code == "document_unreadable" and "broken.pdf could not be read" in refused.message


def test_a_pdf_whose_page_inflates_past_pypdfs_cap_is_refused_as_damaged():
    bomb = document_files.pdf(["a"], inflating_mb=120)
    assert len(bomb) < 300_000
    assert refusal("bomb.pdf", bomb).code == "document_unreadable"


def test_a_pdf_without_text_is_refused():
    refused = refusal("scan.pdf", document_files.pdf(["", ""]))
    assert refused.code == "document_without_text" and "No text was found in scan.pdf" in refused.message


def test_a_docx_yields_its_paragraphs_and_tables():
    raw = document_files.docx(["The budget is tight.", "Second paragraph."], table=[["Item", "Cost"], ["Desk", "120"]])
    found = extract("plan.docx", raw)
    assert found.kind == "docx"
    assert "The budget is tight." in found.text and "Desk | 120" in found.text


def test_a_docx_zip_bomb_is_refused_before_it_is_unpacked(settings):
    settings.DOCUMENT_MAX_UNZIPPED_MB = 5
    bomb = document_files.zip_bomb("bomb.docx", "word/document.xml", megabytes=50)
    assert len(bomb) < 200_000  # small on the wire
    refused = refusal("bomb.docx", bomb)
    assert refused.code == "document_too_large" and "unpacks to more than 5 MB" in refused.message


def test_one_xml_part_past_its_cap_is_refused_even_within_the_unpacked_limit():
    refused = refusal("huge.docx", document_files.zip_bomb("huge.docx", "word/document.xml", megabytes=30))
    assert refused.code == "document_too_large" and "25 MB of text markup" in refused.message


def test_an_xlsx_yields_each_sheet_as_a_page():
    raw = document_files.xlsx({"Sales": [["Region", "Revenue"], ["North", 1200]], "Notes": [["All good"]]})
    found = extract("numbers.xlsx", raw)
    assert found.kind == "xlsx" and found.pages == 2
    assert found.sections[0] == (1, "[Sheet Sales]\nRegion | Revenue\nNorth | 1200")
    assert found.sections[1] == (2, "[Sheet Notes]\nAll good")


def test_an_xlsx_zip_bomb_is_refused(settings):
    settings.DOCUMENT_MAX_UNZIPPED_MB = 5
    refused = refusal("bomb.xlsx", document_files.zip_bomb("bomb.xlsx", "xl/worksheets/sheet1.xml", megabytes=50))
    assert refused.code == "document_too_large"


def test_a_sheet_with_a_far_row_stops_at_the_row_limit(settings):
    settings.DOCUMENT_MAX_ROWS = 1000
    refused = refusal("far.xlsx", document_files.far_row_xlsx(1_000_000))
    assert refused.code == "too_many_rows" and "more than 1,000 rows" in refused.message


def test_a_csv_becomes_rows_of_cells():
    found = extract("people.csv", b"name;city\nAda;London\n")
    assert found.kind == "csv" and found.text == "name | city\nAda | London"


def test_a_csv_past_the_row_limit_is_refused(settings):
    settings.DOCUMENT_MAX_ROWS = 10
    refused = refusal("big.csv", b"a,b\n" * 11)
    assert refused.code == "too_many_rows"


def test_text_markdown_and_code_are_read_as_they_are():
    assert extract("notes.md", b"# Title\nbody").text == "# Title\nbody"
    assert extract("main.py", "print('héllo')".encode()).text == "print('héllo')"
    assert extract("Dockerfile", b"FROM python").kind == "text"
    assert extract("legacy.txt", "caf\xe9".encode("cp1252")).text == "café"


def test_text_past_the_character_limit_is_refused_not_cut(settings):
    settings.DOCUMENT_MAX_CHARS = 100
    refused = refusal("long.txt", b"x" * 101)
    assert refused.code == "document_too_long" and "more than 100 characters" in refused.message


def test_a_file_past_the_size_limit_is_refused_before_reading(settings):
    settings.DOCUMENT_MAX_MB = 1
    refused = refusal("big.txt", b"x" * (1024 * 1024 + 1))
    assert refused.status == 413 and refused.code == "document_too_large"
    assert "big.txt is larger than 1 MB" in refused.message


def test_unsupported_and_renamed_binary_files_are_refused():
    assert refusal("photo.heic", b"\x00\x01").code == "unsupported_document"
    assert refusal("fake.docx", b"not a zip").code == "unsupported_document"
    assert refusal("binary.txt", b"\x00\x01\x02").code == "unsupported_document"
    assert refusal("empty.txt", b"  \n").code == "document_without_text"


def test_a_broken_docx_is_refused_as_damaged():
    assert refusal("broken.docx", b"PK\x03\x04garbage").code == "document_unreadable"
