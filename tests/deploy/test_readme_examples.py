"""Every Python example in the README runs as pasted (after its `pip install` line) against a live hub in
demo mode: the only edits are the ones a reader makes, the hub's address and a real key."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.provider_env import clear_provider_env

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
CLIENTS_PYTHON = ROOT / ".venv-clients" / "bin" / "python"
README = (ROOT / "README.md").read_text()
EXAMPLES = re.findall(r"```python\n(.*?)```", README, flags=re.S)
TS_EXAMPLES = re.findall(r"```ts\n(.*?)```", README, flags=re.S)
NODE_MODULES = ROOT / ".agents" / "node_modules"  # `make install` (clients/agents/package.json)


def _name(code: str) -> str:
    install = re.search(r"# pip install (\S+)", code)
    return install.group(1) if install else "no-install-line"


@pytest.fixture
def demo_root(settings, live_hub, alice):
    from llmhub import catalog
    from llmhub.catalog.seed import seed_catalog

    seed_catalog()
    settings.AISA_API_KEY = ""
    clear_provider_env(settings)
    settings.DEMO_UPSTREAM_URL = live_hub.url + "/demo-upstream/v1"
    catalog.invalidate()
    yield live_hub.url.removesuffix("/v1").rstrip("/"), alice.key
    catalog.invalidate()


def test_every_example_names_its_install_line():
    assert len(EXAMPLES) >= 6 and len(TS_EXAMPLES) >= 1
    assert [code for code in EXAMPLES if not code.startswith("# pip install ")] == []
    assert [code for code in TS_EXAMPLES if not code.startswith("// npm install ")] == []


@pytest.mark.parametrize("code", EXAMPLES, ids=[f"{n}-{_name(c)}" for n, c in enumerate(EXAMPLES)])
def test_readme_example_runs(code, demo_root, tmp_path):
    root, key = demo_root
    python = Path(sys.executable)
    if "import instructor" in code:  # instructor's pins need their own venv (`make install` builds it)
        python = CLIENTS_PYTHON
        if not python.exists():
            if os.environ.get("REQUIRE_CLIENT_VENV") == "1":
                pytest.fail(f"{python} is missing; REQUIRE_CLIENT_VENV=1 makes that a failure")
            pytest.skip(f"{python} is missing (run `make install`)")
    script = tmp_path / "example.py"
    script.write_text(code.replace("http://127.0.0.1:8000", root).replace("sk-hub-...", key))
    _run([str(python), str(script)], tmp_path)


@pytest.mark.parametrize("code", TS_EXAMPLES, ids=[f"ts-{n}" for n in range(len(TS_EXAMPLES))])
def test_readme_typescript_example_runs(code, demo_root, tmp_path):
    root, key = demo_root
    if not (NODE_MODULES / "ai").exists():
        if os.environ.get("REQUIRE_AGENTS") == "1":
            pytest.fail(f"{NODE_MODULES} has no `ai` package; REQUIRE_AGENTS=1 makes that a failure")
        pytest.skip(f"{NODE_MODULES} has no `ai` package (run `make install` with npm on the PATH)")
    # The example is plain JavaScript: run it as a module beside the installed packages (how node resolves them).
    script = NODE_MODULES.parent / f"readme-example-{os.getpid()}-{tmp_path.name}.mjs"
    script.write_text(code.replace("http://127.0.0.1:8000", root).replace("sk-hub-...", key))
    try:
        _run(["node", str(script)], tmp_path)
    finally:
        script.unlink()


def _run(argv: list[str], cwd: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "OPENAI", "GEMINI", "GOOGLE"))}
    # Nothing but the hub: any other address goes to a dead proxy; litellm keeps its bundled price list.
    env |= {"HTTP_PROXY": "http://127.0.0.1:9", "HTTPS_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1,localhost"}
    env["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip()
