"""Every string a person sees has its Simplified Chinese: each message marked in a template, in Python or in
a page script is in a zh-Hans catalog, and no template shows English text that is not marked at all."""

from __future__ import annotations

import io
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from babel.messages.extract import extract_javascript, extract_python
from babel.messages.pofile import read_po
from django.template.base import Lexer, TokenType
from django.utils.translation.template import templatize

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
PYTHON_PACKAGES = ("billing", "chat", "llmhub")
# Django's gettext names, with where their message (and context) stand among the arguments.
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
    "npgettext_lazy": ((1, "c"), 2, 3),
}
JS_KEYWORDS: dict[str, Any] = {"t": None, "translate": None, "gettext": None}
# Text a template may show untranslated: the product's name, and what is not words (codes, URLs).
UNTRANSLATED_OK = {"LLM Hub"}
WORD = re.compile(r"[A-Za-z]{2,}")
TRANSLATE_WITH_PERCENT = re.compile(r"""\{%\s*trans(?:late)?\s+(["'])([^"']*%[^"']*)\1""")
VARIABLE = re.compile(r"^[a-z_]\w*(\.\w+)+(\|.*)?$")
SHOWN_ATTRIBUTES = {"title", "aria-label", "placeholder", "alt", "data-label"}


def _translated(domain: str) -> set[tuple[str | None, str]]:
    """(context, msgid) of every translated message in the zh-Hans catalogs of `domain`."""
    found: set[tuple[str | None, str]] = set()
    for po in ROOT.glob(f"**/locale/zh_Hans/LC_MESSAGES/{domain}.po"):
        if ".venv" in po.parts:
            continue
        with po.open("rb") as source:
            for message in read_po(source):
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                if message.id and all(strings):
                    msgid = str(message.id if isinstance(message.id, str) else message.id[0])
                    found.add((message.context, msgid))
    return found


def _messages(extracted: Any) -> list[tuple[str | None, str]]:
    """(context, msgid) from Babel's extraction tuples (lineno, funcname, message, comments)."""
    out = []
    for _lineno, _name, message, _comments in extracted:
        parts = message if isinstance(message, tuple) else (message,)
        if len(parts) > 1 and _name.startswith(("pgettext", "npgettext")):
            context, msgid = parts[0], parts[1]
        else:
            context, msgid = None, parts[0]
        if msgid:
            out.append((context, msgid))
    return out


def template_messages(path: Path) -> list[tuple[str | None, str]]:
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    messages = _messages(extract_python(io.BytesIO(code.encode()), KEYWORDS, [], {}))
    # `{% translate row.state %}` comes out as gettext("row.state"): its values are in the catalog instead.
    return [(context, msgid) for context, msgid in messages if not VARIABLE.match(msgid)]


def _missing(where: list[Path], read: Any, domain: str) -> list[str]:
    have = _translated(domain)
    return [
        f"{path.relative_to(ROOT)}: {msgid!r}" + (f" (context {context!r})" if context else "")
        for path in where
        for context, msgid in read(path)
        if (context, msgid) not in have
    ]


def test_every_template_message_has_a_chinese_translation():
    missing = _missing(sorted(TEMPLATES.rglob("*.html")), template_messages, "django")
    assert not missing, "\n".join(missing)


def test_every_marked_python_message_has_a_chinese_translation():
    sources = [
        path
        for package in PYTHON_PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
        if "migrations" not in path.parts
    ]

    def read(path: Path) -> list[tuple[str | None, str]]:
        with path.open("rb") as source:
            return _messages(extract_python(source, KEYWORDS, [], {}))

    missing = _missing(sources, read, "django")
    assert not missing, "\n".join(missing)


def test_every_page_script_message_has_a_chinese_translation():
    def read(path: Path) -> list[tuple[str | None, str]]:
        with path.open("rb") as source:
            return _messages(extract_javascript(source, JS_KEYWORDS, [], {}))

    missing = _missing(sorted((ROOT / "static" / "js").glob("*.js")), read, "djangojs")
    assert not missing, "\n".join(missing)


class _ShownText(HTMLParser):
    """Collects the text and the shown attributes of HTML, outside scripts, styles and code."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.shown: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "code", "pre"):
            self._hidden += 1
        self.shown += [value for name, value in attrs if name in SHOWN_ATTRIBUTES and value]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code", "pre"):
            self._hidden = max(0, self._hidden - 1)

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.shown.append(data)


def unmarked_text(source: str) -> list[str]:
    """English words a template shows outside {% translate %} and {% blocktranslate %} (and comments)."""
    text, inside = [], 0
    for token in Lexer(source).tokenize():
        words = token.contents.split()
        tag = words[0] if token.token_type == TokenType.BLOCK and words else ""
        if tag in ("blocktranslate", "blocktrans", "comment") or (tag == "block" and words[1:2] == ["main_class"]):
            inside += 1  # base.html's main_class block fills a class attribute: not shown
        elif tag in ("endblocktranslate", "endblocktrans", "endcomment") or (tag == "endblock" and inside):
            inside -= 1
        # A tag or variable stands as a space: what it prints is translated (or data) where it is made.
        text.append(token.contents if token.token_type == TokenType.TEXT and not inside else " ")
    parser = _ShownText()
    parser.feed("".join(text))
    found = []
    for shown in parser.shown:
        for allowed in UNTRANSLATED_OK:
            shown = shown.replace(allowed, "")
        if WORD.search(re.sub(r"https?://\S+", "", shown)):
            found.append(" ".join(shown.split()))
    return found


def test_templates_show_no_unmarked_english():
    found = [
        f"{path.relative_to(TEMPLATES)}: {text!r}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for text in unmarked_text(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "source",
    ["<p>Save</p>", '<button aria-label="Close">×</button>', "<h1>Hi {{ name }}</h1>"],
)
def test_unmarked_english_is_noticed(source):
    assert unmarked_text(source)


@pytest.mark.parametrize(
    "source",
    [
        '<p>{% translate "Save" %}</p>',
        "<p>{% blocktranslate %}Hi {{ name }}{% endblocktranslate %}</p>",
        "<title>{{ page }} · LLM Hub</title>",
        "<code>Authorization: Bearer</code>",
        '<input placeholder="https://example.com/a.png">',
    ],
)
def test_marked_text_codes_and_urls_pass(source):
    assert not unmarked_text(source)


def test_no_translate_tag_holds_a_percent_sign():
    """{% translate "…%…" %} is looked up with one % but extracted (and so catalogued) with two, so it is never
    translated; such text goes in {% blocktranslate %}, which doubles the % on both sides."""
    found = [
        f"{path.relative_to(TEMPLATES)}: {text!r}"
        for path in sorted(TEMPLATES.rglob("*.html"))
        for _quote, text in TRANSLATE_WITH_PERCENT.findall(path.read_text(encoding="utf-8"))
    ]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(
    "po",
    [p for p in sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/*.po")) if ".venv" not in p.parts],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_plural_messages_are_translated_for_every_count(po):
    """A catalog compiled without its Language and Plural-Forms headers falls back to English for n ≠ 1."""
    import gettext

    from babel.messages.mofile import write_mo

    with po.open("rb") as source:
        catalog = read_po(source)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    translations = gettext.GNUTranslations(compiled)
    for message in catalog:
        if message.id and isinstance(message.id, tuple):
            for n in (1, 2, 5):
                assert translations.ngettext(message.id[0], message.id[1], n) == message.string[0], (message.id, n)
