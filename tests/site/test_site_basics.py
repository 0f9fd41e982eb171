"""Small things every page relies on: the favicon, a sign-in form that keeps the username, the catalogs."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.test import Client

from llmhub.message_catalogs import catalogs_under, compile_all

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_favicon_is_served_and_linked_from_every_page():
    client = Client()
    page = client.get("/accounts/login/", secure=True).content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    icon = client.get("/static/favicon.svg", secure=True)
    assert icon.status_code == 200 and icon["Content-Type"] == "image/svg+xml"
    assert b"<svg" in b"".join(icon)
    legacy = client.get("/favicon.ico", secure=True)
    assert legacy.status_code == 302 and legacy["Location"] == "/static/favicon.svg"


def test_failed_sign_in_keeps_the_username(alice):
    page = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"}, secure=True)
    text = page.content.decode()
    assert page.status_code == 200 and "did not match" in text
    assert 'name="username" value="alice"' in text


def test_failed_sign_in_escapes_the_username_it_keeps(db):
    page = Client().post("/accounts/login/", {"username": '"><script>x', "password": "p"}, secure=True)
    assert 'value="&quot;&gt;&lt;script&gt;x"' in page.content.decode()


def test_catalogs_compile_with_babel_and_skip_fresh_ones(tmp_path):
    folder = tmp_path / "app" / "locale" / "zh_Hans" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "django.po"
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=UTF-8\\n"\n\nmsgid "Send"\nmsgstr "发送"\n')
    (tmp_path / ".venv" / "locale" / "xx" / "LC_MESSAGES").mkdir(parents=True)  # never walked into
    (tmp_path / ".venv" / "locale" / "xx" / "LC_MESSAGES" / "django.po").write_text("not a catalog")
    assert compile_all(tmp_path) == [po]
    with (folder / "django.mo").open("rb") as mo:
        assert read_mo(mo).get("Send").string == "发送"
    assert compile_all(tmp_path) == []  # the .mo is newer: nothing to do
    later = time.time() + 5
    os.utime(po, (later, later))
    assert compile_all(tmp_path) == [po]


@pytest.mark.parametrize(
    "catalog",
    [
        "locale/zh_Hans/LC_MESSAGES/django.po",
        "chat/locale/zh_Hans/LC_MESSAGES/django.po",
        "chat/locale/zh_Hans/LC_MESSAGES/djangojs.po",
        "billing/locale/zh_Hans/LC_MESSAGES/django.po",
    ],
)
def test_catalog_has_every_string_translated(catalog):
    with (ROOT / catalog).open("rb") as source:
        messages = [m for m in read_po(source) if m.id]
    assert messages
    assert [m.id for m in messages if not m.string or m.fuzzy] == []
    assert ROOT / catalog in set(catalogs_under(ROOT))
