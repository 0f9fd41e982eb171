"""The layout's rules, read from the code's imports: billing depends on llmhub only for the error hierarchy,
no module reaches into another's underscore names, and the modules' imports form no cycle."""

from __future__ import annotations

import ast
import gc
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("llmhub", "billing", "chat")
CHECKED = (*PACKAGES, "tests", "bench", "scripts")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources(tops: tuple[str, ...]) -> dict[str, Path]:
    found = {}
    for top in tops:
        for path in (ROOT / top).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


MODULES = _sources(CHECKED)


def _parse(path: Path) -> ast.Module:
    # CPython 3.11's AST constructor checks that the recursion depth is the same when it finishes; a garbage
    # collection that runs finalizers mid-parse (left by earlier tests) breaks that check with a SystemError.
    gc.disable()
    try:
        return ast.parse(path.read_text(), str(path))
    finally:
        gc.enable()


def _imports(path: Path) -> Iterator[tuple[str, list[str]]]:
    """(module, names) for every import in the file, at module level or inside functions."""
    for node in ast.walk(_parse(path)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, []
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, [alias.name for alias in node.names]


def _targets(module: str, names: list[str]) -> list[str]:
    """The project modules an import statement loads: `from pkg import sub` loads pkg.sub itself."""
    if not names:
        return [module] if module in MODULES else []
    found = [f"{module}.{name}" for name in names if f"{module}.{name}" in MODULES]
    if len(found) < len(names) and module in MODULES:
        found.append(module)
    return found


def test_billing_imports_only_the_error_hierarchy_from_llmhub():
    offending = [
        f"{name}: {module}"
        for name, path in _sources(("billing",)).items()
        for module, _names in _imports(path)
        if module.split(".")[0] == "llmhub" and module != "llmhub.errors"
    ]
    assert offending == []


def test_no_module_imports_another_modules_underscore_names():
    offending = [
        f"{name}: from {module} import {imported}"
        for name, path in MODULES.items()
        for module, names in _imports(path)
        for imported in names
        if module.split(".")[0] in CHECKED and imported.startswith("_") and not imported.startswith("__")
    ]
    assert offending == []


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph`, or None (iterative depth-first search)."""
    state: dict[str, int] = {}  # 1 on the current path, 2 finished
    for start in sorted(graph):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        state[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif nxt not in state:
                state[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_the_applications_modules_import_no_cycle():
    app = _sources(PACKAGES)
    graph = {
        name: {target for module, names in _imports(path) for target in _targets(module, names) if target != name}
        for name, path in app.items()
    }
    assert _cycle(graph) is None


def test_the_cycle_check_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None
