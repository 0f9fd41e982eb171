"""Documents made in the tests: a small hand-written PDF writer (text pages, optionally encrypted-looking), a DOCX
through python-docx, an XLSX through openpyxl, and hostile files (zip bombs, huge sheets)."""

from __future__ import annotations

import io
import zipfile
import zlib


def pdf(pages: list[str], *, inflating_mb: int = 0) -> bytes:
    """A valid PDF with one line of Helvetica text on each page (pypdf extracts it back). `inflating_mb`: the
    first page's content is instead a small Flate stream that inflates to that many megabytes (a PDF bomb)."""
    objects: list[bytes] = []
    count = len(pages)
    kids = " ".join(f"{3 + 2 * n} 0 R" for n in range(count))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {count} >>".encode())
    font = 3 + 2 * count
    for n, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 12 Tf 72 720 Td ({escaped}) Tj ET".encode()
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * n} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        flate = b""
        if inflating_mb and n == 0:
            stream, flate = zlib.compress(b" " * (inflating_mb * 1024 * 1024), 9), b" /Filter /FlateDecode"
        objects.append(b"<< /Length %d%s >>\nstream\n" % (len(stream), flate) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    return out.getvalue()


def encrypted_pdf(text: str) -> bytes:
    """A PDF with a user password (pypdf writes it)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf([text]))))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def docx(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    import docx as python_docx

    document = python_docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    for title, rows in sheets.items():
        sheet = workbook.create_sheet(title)
        for row in rows:
            sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def zip_bomb(name: str, inner: str, megabytes: int) -> bytes:
    """A small zip that unpacks to `megabytes` of zeros in `inner` (as a DOCX's or XLSX's part would)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(inner, "w", force_zip64=True) as part:
            block = b"0" * (1024 * 1024)
            for _ in range(megabytes):
                part.write(block)
    return out.getvalue()


def far_row_xlsx(rows: int) -> bytes:
    """A small workbook whose one sheet has a cell in row `rows`: a reader filling the gap sees `rows` rows."""
    source = zipfile.ZipFile(io.BytesIO(xlsx({"Data": [["start"]]})))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename.startswith("xl/worksheets/sheet"):
                body = body.replace(
                    b"</sheetData>",
                    b'<row r="%d"><c r="A%d" t="inlineStr"><is><t>far</t></is></c></row></sheetData>' % (rows, rows),
                )
            archive.writestr(info.filename, body)
    return out.getvalue()
