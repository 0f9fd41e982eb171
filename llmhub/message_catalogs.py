"""Compile the translation catalogs (every locale/*/LC_MESSAGES/*.po) to .mo with Babel, in pure Python.

No GNU gettext needed at install or run time; a .mo newer than its .po is left alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

SKIPPED_DIRS = {".venv", "node_modules", "staticfiles", ".git"}


def catalogs_under(root: Path) -> Iterator[Path]:
    """Every .po in a locale/<lang>/LC_MESSAGES folder under `root`, outside virtualenvs and build output."""
    for folder, dirs, files in os.walk(root):  # not Path.glob: it would follow the .venv symlink
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith("."))
        here = Path(folder)
        if here.name == "LC_MESSAGES" and here.parent.parent.name == "locale":
            yield from (here / name for name in sorted(files) if name.endswith(".po"))


def compile_catalog(po: Path, *, force: bool = False) -> bool:
    """Write po's .mo beside it; False when the .mo was already newer (nothing to do)."""
    mo = po.with_suffix(".mo")
    if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        return False
    with po.open("rb") as source:
        catalog = read_po(source, abort_invalid=True)
    tmp = mo.with_suffix(".mo.tmp")
    with tmp.open("wb") as target:
        write_mo(target, catalog, use_fuzzy=False)
    tmp.replace(mo)  # atomic: a server reading catalogs never sees half a file
    return True


def compile_all(root: Path, *, force: bool = False) -> list[Path]:
    """Compile every catalog under `root` that changed; return the .po files compiled."""
    return [po for po in catalogs_under(root) if compile_catalog(po, force=force)]
