"""The billing pages' Simplified Chinese catalog compiles and keeps every placeholder of its messages."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

PO = Path(__file__).resolve().parents[2] / "billing" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)s")


def _catalog():
    pofile = pytest.importorskip("babel.messages.pofile")
    with PO.open("rb") as f:
        return pofile.read_po(f)


def test_the_catalog_compiles():
    from babel.messages.mofile import write_mo

    catalog = _catalog()
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert len(catalog) > 100 and compiled.getvalue()


def test_every_message_is_translated_with_its_placeholders():
    for message in _catalog():
        if not message.id:
            continue
        source = message.id[0] if isinstance(message.id, tuple) else message.id
        target = message.string[0] if isinstance(message.string, tuple) else message.string
        assert target, source
        assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(target)), source
