"""Running a coding agent as its user would, but cut off from everything but loopback: its own HOME and XDG
folders under the test's tmp path, a proxy that goes nowhere for any other host, and a task folder holding the
file the scripted model asks it to read."""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.agents.agent_upstream_openai import AgentTask

NOWHERE = "http://127.0.0.1:9"  # the discard port: nothing listens, so any non-loopback request fails at once
PROMPT = (
    "Read the file notes.txt in this folder, then run a shell command that computes six times seven, "
    "and tell me the secret word from the file and the number the command printed."
)


@dataclass
class TaskFolder:
    workdir: Path
    secret: str
    task: AgentTask


def task_folder(root: Path) -> TaskFolder:
    """A folder with notes.txt naming a fresh secret word (in no prompt, so only a tool can find it)."""
    workdir = root / "work"
    workdir.mkdir(parents=True)
    secret = "quokka-" + secrets.token_hex(4)
    notes = workdir / "notes.txt"
    notes.write_text(f"Project notes.\nThe secret word is {secret}.\n")
    return TaskFolder(workdir=workdir, secret=secret, task=AgentTask(secret_file=notes))


def offline_env(root: Path, **extra: str) -> dict[str, str]:
    """An environment with nothing of the test process's: a tmp HOME and XDG folders, no route off loopback."""
    home = root / "home"
    folders = {
        "HOME": home,
        "XDG_CONFIG_HOME": home / ".config",
        "XDG_DATA_HOME": home / ".local" / "share",
        "XDG_STATE_HOME": home / ".local" / "state",
        "XDG_CACHE_HOME": home / ".cache",
        "TMPDIR": root / "tmp",
    }
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)
    node = shutil.which("node")  # Codex's npm entry point is a node script
    path = os.pathsep.join(dict.fromkeys([*([str(Path(node).parent)] if node else []), "/usr/bin", "/bin"]))
    return {
        **{name: str(folder) for name, folder in folders.items()},
        "PATH": path,
        "LANG": "C.UTF-8",
        "TERM": "dumb",
        "NO_COLOR": "1",
        "HTTPS_PROXY": NOWHERE,
        "HTTP_PROXY": NOWHERE,
        "https_proxy": NOWHERE,
        "http_proxy": NOWHERE,
        "ALL_PROXY": NOWHERE,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
        **extra,
    }


def run_agent(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run an agent to its end, stdin closed (a non-interactive run must not wait for input)."""
    return subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout, check=False
    )


def transcript(result: subprocess.CompletedProcess[str]) -> str:
    """The run's exit code and output, for an assertion's message."""
    return f"exit {result.returncode}\n--- stdout\n{result.stdout[-4000:]}\n--- stderr\n{result.stderr[-6000:]}"
