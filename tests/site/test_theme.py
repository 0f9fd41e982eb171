"""The palette: one set of custom properties in hub.css, the same dark values for both ways of choosing dark."""

from __future__ import annotations

import re
from pathlib import Path

CSS = Path(__file__).resolve().parents[2] / "static" / "css"


def block(css: str, selector: str) -> str:
    body = css.split(selector + " {", 1)[1].split("}", 1)[0]
    return " ".join(body.split())


def test_dark_chosen_and_dark_from_the_system_are_the_same_palette():
    css = (CSS / "hub.css").read_text()
    chosen = block(css, ':root[data-theme="dark"]')
    system = block(css.split("@media (prefers-color-scheme: dark)", 1)[1], ':root:not([data-theme="light"])')
    assert "--bg:" in chosen and chosen == system


def test_page_stylesheets_take_their_colours_from_the_palette():
    """chat.css and billing.css name colours through var(--...), so both themes reach every page."""
    for name in ("chat.css", "billing.css"):
        css = re.sub(r"@media print \{.*", "", (CSS / name).read_text(), flags=re.S)  # paper is white
        literal = re.findall(r"#[0-9a-fA-F]{3,8}\b|rgba?\(", css)
        assert set(literal) <= {"#fff"}, name  # white text on the danger button only
