"""The renderer turns hostile model output into inert HTML and keeps the useful Markdown."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from chat.markdown_render import PYGMENTS_CLASSES, render_markdown

HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg/onload=alert(1)>",
    "<iframe src='javascript:alert(1)'></iframe>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[vb](vbscript:msgbox(1))",
    "<a href='javascript:alert(1)'>x</a>",
    '<div style="position:fixed;top:0;left:0;width:100%;height:100%">cover</div>',
    "<style>body{display:none}</style>",
    "<object data='x.swf'></object><embed src='x.swf'>",
    "<form action='https://evil.example'><input name=p></form>",
    "<details open ontoggle=alert(1)>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "```\n</code></pre><script>alert(1)</script>\n```",
    '```js" onmouseover="alert(1)\n1\n```',
    "![x](https://tracker.example/pixel.png)",
]

SAFE_TAGS = {"p", "br", "hr", "strong", "em", "del", "s", "code", "pre", "span", "blockquote", "a", "ul", "ol", "li"}
SAFE_TAGS |= {"h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td"}


class Elements(HTMLParser):
    """Every element and attribute the browser would build from the HTML."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_output_is_inert(text):
    html = render_markdown(text)
    for tag, attrs in Elements(html).found:
        assert tag in SAFE_TAGS, html
        assert not any(name.startswith("on") or name == "style" for name in attrs), html
        if "href" in attrs:
            assert urlsplit(attrs["href"] or "").scheme in ("http", "https", "mailto"), html


def test_markdown_features_survive():
    html = render_markdown(
        "# Title\n\n**bold** and `code`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n- one\n- two\n\n[site](https://example.org)"
    )
    assert "<h1>Title</h1>" in html
    assert "<strong>bold</strong>" in html and "<code>code</code>" in html
    assert "<table>" in html and "<td>2</td>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.org" target="_blank" rel="noopener noreferrer nofollow">site</a>' in html


def test_code_blocks_are_highlighted_with_token_classes_only():
    html = render_markdown("```python\ndef f(x):\n    return '<b>'\n```")
    assert '<pre data-lang="python"><code>' in html
    assert '<span class="k">def</span>' in html
    assert "&lt;b&gt;" in html and "<b>" not in html


def test_classes_outside_pygments_are_dropped():
    for tag, attrs in Elements(render_markdown('<span class="skip-link">x</span>\n\n```py\nx = 1\n```')).found:
        assert set((attrs.get("class") or "").split()) <= PYGMENTS_CLASSES, (tag, attrs)
    # An unknown language is not highlighted, and its name cannot break out of the attribute.
    html = render_markdown('```"><script>\nx\n```')
    assert "<script>" not in html


def test_raw_html_is_shown_as_text():
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in render_markdown("<script>alert(1)</script>")
