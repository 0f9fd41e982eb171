"""Text out of an uploaded document (PDF: pypdf, DOCX: python-docx, XLSX: openpyxl in read-only mode, CSV: the
standard library, text and code: decoded), bounded for hostile files: the file's bytes, a zip's unpacked bytes
and members, pages, rows, columns and the characters kept are all capped by settings, and every refusal is a
clear 400/413 in the reader's language (never a 500)."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from llmhub.errors import InvalidRequest, RequestTooLarge

MB = 1024 * 1024
MAX_ZIP_MEMBERS = 2_000
MAX_XML_MB = 25  # one XML part of a DOCX or XLSX (see _open_zip)
MAX_COLUMNS = 200  # a spreadsheet's columns read per row: past this a row is cut
TEXT_EXTENSIONS = frozenset(
    [
        "txt",
        "text",
        "md",
        "markdown",
        "rst",
        "adoc",
        "org",
        "tex",
        "log",
        "json",
        "jsonl",
        "yaml",
        "yml",
        "toml",
        "ini",
        "cfg",
        "conf",
        "env",
        "xml",
        "html",
        "htm",
        "css",
        "scss",
        "less",
        "svg",
        "py",
        "pyi",
        "ipynb",
        "js",
        "mjs",
        "cjs",
        "ts",
        "tsx",
        "jsx",
        "vue",
        "svelte",
        "rb",
        "go",
        "rs",
        "java",
        "kt",
        "kts",
        "scala",
        "c",
        "h",
        "cc",
        "cpp",
        "cxx",
        "hpp",
        "hh",
        "cs",
        "fs",
        "php",
        "swift",
        "m",
        "mm",
        "sh",
        "bash",
        "zsh",
        "fish",
        "ps1",
        "bat",
        "sql",
        "r",
        "jl",
        "lua",
        "pl",
        "pm",
        "dart",
        "ex",
        "exs",
        "erl",
        "hs",
        "clj",
        "elm",
        "graphql",
        "proto",
        "tf",
        "hcl",
        "gradle",
        "properties",
        "dockerfile",
        "makefile",
        "cmake",
        "mk",
        "patch",
        "diff",
    ]
)
TEXT_NAMES = frozenset({"dockerfile", "makefile", "readme", "license", "gemfile", "procfile", "justfile"})


@dataclass
class Extracted:
    """A document's text, cut in sections (a PDF's pages, a workbook's sheets, else one), each with its page."""

    kind: str
    sections: list[tuple[int | None, str]] = field(default_factory=list)
    pages: int | None = None

    @property
    def text(self) -> str:
        return "\n\n".join(text for _page, text in self.sections)


class _Budget:
    """The characters a document may yield; past it, a clear refusal (the document is not silently cut)."""

    def __init__(self, name: str) -> None:
        self.name, self.left = name, int(settings.DOCUMENT_MAX_CHARS)

    def take(self, text: str) -> str:
        text = text.replace("\x00", "")  # PostgreSQL stores no NUL; extracted text may carry one
        self.left -= len(text)
        if self.left < 0:
            raise RequestTooLarge(
                _("%(name)s holds more than %(limit)s characters of text, the most one document may have. Split it.")
                % {"name": self.name, "limit": f"{settings.DOCUMENT_MAX_CHARS:,}"},
                code="document_too_long",
            )
        return text


def kind_of(name: str, raw: bytes) -> str:
    """pdf, docx, xlsx, csv or text, from the file's first bytes and its name; else a refusal."""
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else name.lower()
    if raw.startswith(b"%PDF-"):
        return "pdf"
    if raw.startswith(b"PK\x03\x04") and extension in ("docx", "xlsx"):
        return extension
    if extension in ("csv", "tsv"):
        return "csv"
    if extension in TEXT_EXTENSIONS or extension in TEXT_NAMES:
        return "text"
    raise InvalidRequest(
        _("%(name)s is not a supported document. Attach a PDF, Word (DOCX), Excel (XLSX), CSV, text or code file.")
        % {"name": name},
        code="unsupported_document",
    )


def extract(name: str, raw: bytes) -> Extracted:
    """The text of `raw` (the file `name`), or a refusal: too big, too many pages, encrypted, unreadable, no text."""
    limit = int(settings.DOCUMENT_MAX_MB) * MB
    if len(raw) > limit:
        raise RequestTooLarge(too_large(name), code="document_too_large")
    kind = kind_of(name, raw)
    budget = _Budget(name)
    readers = {"pdf": _pdf, "docx": _docx, "xlsx": _xlsx, "csv": _csv, "text": _text}
    try:
        extracted = readers[kind](name, raw, budget)
    except InvalidRequest:
        raise
    except Exception as exc:  # a broken or hostile file (also MemoryError, RecursionError): the person hears why
        raise _unreadable(name) from exc
    if not extracted.text.strip():
        raise InvalidRequest(
            _("No text was found in %(name)s (a scanned document holds only pictures). Attach a file with text.")
            % {"name": name},
            code="document_without_text",
        )
    return extracted


def too_large(name: str) -> str:
    return _("%(name)s is larger than %(mb)s MB, the most one document may be. Attach a smaller one.") % {
        "name": name,
        "mb": settings.DOCUMENT_MAX_MB,
    }


def _unreadable(name: str) -> InvalidRequest:
    return InvalidRequest(
        _("%(name)s could not be read: the file is damaged or not what its name says.") % {"name": name},
        code="document_unreadable",
    )


def _too_many_pages(name: str, pages: int, limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        _("%(name)s has %(pages)s pages; at most %(limit)s can be read. Attach fewer pages.")
        % {"name": name, "pages": pages, "limit": limit},
        code="too_many_pages",
    )


def _pdf(name: str, raw: bytes, budget: _Budget) -> Extracted:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(raw))
    if reader.is_encrypted and not reader.decrypt(""):  # an owner-only password still opens with an empty one
        raise InvalidRequest(
            _("%(name)s is protected by a password. Save a copy without the password and attach that.")
            % {"name": name},
            code="document_encrypted",
        )
    pages, limit = len(reader.pages), int(settings.DOCUMENT_MAX_PAGES)
    if pages > limit:
        raise _too_many_pages(name, pages, limit)
    bodies = [(n, budget.take((page.extract_text() or "").strip())) for n, page in enumerate(reader.pages, start=1)]
    if not any(body for _n, body in bodies):
        return Extracted("pdf", [], pages)
    sections: list[tuple[int | None, str]] = [(n, f"[Page {n}]\n{body}") for n, body in bodies]
    return Extracted("pdf", sections, pages)


def _open_zip(name: str, raw: bytes) -> zipfile.ZipFile:
    """The zip inside a DOCX or XLSX, refused when it would unpack past DOCUMENT_MAX_UNZIPPED_MB (a zip bomb):
    zipfile reads no member past its declared size, so the declared sizes bound what is unpacked."""
    archive = zipfile.ZipFile(io.BytesIO(raw))
    members = archive.infolist()
    unpacked = sum(member.file_size for member in members)
    if len(members) > MAX_ZIP_MEMBERS or unpacked > int(settings.DOCUMENT_MAX_UNZIPPED_MB) * MB:
        raise RequestTooLarge(
            _("%(name)s unpacks to more than %(mb)s MB, the most one document may hold. Attach a smaller one.")
            % {"name": name, "mb": settings.DOCUMENT_MAX_UNZIPPED_MB},
            code="document_too_large",
        )
    # python-docx builds the whole tree of document.xml and openpyxl reads sharedStrings.xml whole: one XML part
    # is held to MAX_XML_MB, so a tree in memory stays a bounded multiple of that.
    if any(member.filename.endswith(".xml") and member.file_size > MAX_XML_MB * MB for member in members):
        raise RequestTooLarge(
            _("%(name)s holds more than %(mb)s MB of text markup in one part, more than can be read. Split it.")
            % {"name": name, "mb": MAX_XML_MB},
            code="document_too_large",
        )
    return archive


def _docx(name: str, raw: bytes, budget: _Budget) -> Extracted:
    import docx

    archive = _open_zip(name, raw)
    archive.close()
    document = docx.Document(io.BytesIO(raw))
    lines = [budget.take(paragraph.text) for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.append(budget.take(" | ".join(cell.text.strip() for cell in row.cells)))
    return Extracted("docx", [(None, "\n".join(line for line in lines if line.strip()))])


def _rows_text(rows: Iterable[Iterable[Any]], budget: _Budget, counted: list[int], name: str) -> str:
    """Rows as " | "-joined lines; every row read counts toward DOCUMENT_MAX_ROWS (empty ones too)."""
    lines = []
    for row in rows:
        counted[0] += 1
        if counted[0] > int(settings.DOCUMENT_MAX_ROWS):
            raise RequestTooLarge(
                _("%(name)s has more than %(limit)s rows, the most one document may have. Attach fewer rows.")
                % {"name": name, "limit": f"{settings.DOCUMENT_MAX_ROWS:,}"},
                code="too_many_rows",
            )
        cells = ["" if value is None else str(value) for _n, value in zip(range(MAX_COLUMNS), row, strict=False)]
        while cells and not cells[-1]:
            cells.pop()
        if cells:
            lines.append(budget.take(" | ".join(cells)))
    return "\n".join(lines)


def _xlsx(name: str, raw: bytes, budget: _Budget) -> Extracted:
    from openpyxl import load_workbook

    _open_zip(name, raw).close()
    # read_only: rows are streamed from the sheet's XML, never the whole grid in memory.
    workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    try:
        sheets, limit = workbook.worksheets, int(settings.DOCUMENT_MAX_PAGES)
        if len(sheets) > limit:
            raise _too_many_pages(name, len(sheets), limit)
        counted, bodies = [0], []
        for n, sheet in enumerate(sheets, start=1):
            rows = sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True)
            bodies.append((n, sheet.title, _rows_text(rows, budget, counted, name)))
    finally:
        workbook.close()
    if not any(body for _n, _title, body in bodies):
        return Extracted("xlsx", [], len(sheets))
    sections: list[tuple[int | None, str]] = [(n, f"[Sheet {title}]\n{body}") for n, title, body in bodies]
    return Extracted("xlsx", sections, len(sheets))


def decode(raw: bytes) -> str:
    """UTF-8 (with or without its mark), UTF-16 with a mark, else Windows-1252 as most other files are."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _csv(name: str, raw: bytes, budget: _Budget) -> Extracted:
    text = decode(raw)
    if "\x00" in text:
        raise _unreadable(name)
    delimiter = "\t" if name.lower().endswith(".tsv") else _sniffed(text)
    rows: Iterator[list[str]] = csv.reader(io.StringIO(text), delimiter=delimiter)
    return Extracted("csv", [(None, _rows_text(rows, budget, [0], name))])


def _sniffed(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text[:4096], delimiters=",;\t|").delimiter
    except csv.Error:
        return ","


def _text(name: str, raw: bytes, budget: _Budget) -> Extracted:
    text = decode(raw)
    if "\x00" in text:  # a binary file renamed to .txt
        raise InvalidRequest(
            _("%(name)s is not a text file. Attach a PDF, Word (DOCX), Excel (XLSX), CSV, text or code file.")
            % {"name": name},
            code="unsupported_document",
        )
    return Extracted("text", [(None, budget.take(text))])
