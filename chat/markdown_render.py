"""Model output to safe HTML: Markdown (tables, fenced code with Pygments highlighting), then nh3.

Model output is untrusted. Raw HTML in it is escaped by the Markdown parser, and the result is
sanitised again with an allowlist, so no script, event handler, style or dangerous URL survives even
if the parser or the highlighter were fooled.
"""

from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "span", "blockquote", "a",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "pre": {"data-lang"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
# Only Pygments' token classes, so output cannot borrow the page's own classes to restyle itself.
PYGMENTS_CLASSES = {c for c in STANDARD_TYPES.values() if c}
MAX_HIGHLIGHT_CHARS = 50_000

_formatter = HtmlFormatter(nowrap=True)


def _highlight(code: str, lang: str, _attrs: str) -> str:
    lang = (lang or "").strip().split()[0] if lang else ""
    label = html.escape(lang[:30], quote=True)
    body = html.escape(code)
    if lang and len(code) <= MAX_HIGHLIGHT_CHARS:
        try:
            body = highlight(code, get_lexer_by_name(lang), _formatter)
        except ClassNotFound:
            pass
    return f'<pre data-lang="{label}"><code>{body}</code></pre>'


_md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False, "highlight": _highlight})
_md.enable(["table", "strikethrough"])
_md.disable(["image"])  # remote images in answers would leak the reader's address to any host


def render_markdown(text: str) -> str:
    """Sanitised HTML for a model's Markdown answer."""
    raw = _md.render(text or "")
    return nh3.clean(
        raw,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "svg", "math"},
        url_schemes={"http", "https", "mailto"},
        allowed_classes={"span": PYGMENTS_CLASSES},
        link_rel="noopener noreferrer nofollow",
        set_tag_attribute_values={"a": {"target": "_blank"}},  # never navigate away from the chat
        strip_comments=True,
    )
