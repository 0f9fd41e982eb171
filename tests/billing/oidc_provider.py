"""A real OpenID provider for the single sign-on tests: panva's oidc-provider (installed by `make install` into
.oidc/) run by clients/oidc/provider.mjs on a free loopback port, with one static client and test accounts."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
MODULES = ROOT / ".oidc"
SCRIPT = ROOT / "clients" / "oidc" / "provider.mjs"
CLIENT_ID = "llmhub-test"
CLIENT_SECRET = "client-secret-never-logged-5f1c2a9d"
# login -> password and the claims the provider gives. Groups: eng-leads -> acme admin, eng -> acme member.
ACCOUNTS: dict[str, dict[str, Any]] = {
    "dora": {
        "password": "dora-at-the-provider",
        "claims": {
            "email": "dora@example.org",
            "email_verified": True,
            "name": "Dora Lin",
            "preferred_username": "dora",
            "groups": ["eng-leads", "everyone"],
        },
    },
    "eve": {
        "password": "eve-at-the-provider",
        "claims": {"email": "eve@example.org", "email_verified": True, "preferred_username": "eve", "groups": ["eng"]},
    },
    "wei": {
        "password": "wei-at-the-provider",
        "claims": {"email": "wei@example.org", "email_verified": True, "preferred_username": "wei", "groups": ["eng"]},
    },
    "mallory": {
        "password": "mallory-at-the-provider",
        "claims": {"email": "mallory@example.org", "preferred_username": "mallory", "groups": ["sales"]},
    },
    "frank": {
        "password": "frank-at-the-provider",
        "claims": {"email": "frank@elsewhere.example", "preferred_username": "frank", "groups": []},
    },
}
GROUP_MAP = "eng-leads=acme:admin,eng=acme:member"


def require_node() -> str:
    """The node binary, with oidc-provider installed; skips without them unless REQUIRE_OIDC or REQUIRE_AGENTS."""
    node = shutil.which("node")
    if node is None or not (MODULES / "node_modules" / "oidc-provider").is_dir():
        reason = f"node or oidc-provider in {MODULES} is missing (run `make install` with npm on the PATH)"
        if os.environ.get("REQUIRE_OIDC") == "1" or os.environ.get("REQUIRE_AGENTS") == "1":
            pytest.fail(reason + "; REQUIRE_OIDC=1 makes that a failure")
        pytest.skip(reason)
    return node


class OidcProvider:
    def __init__(self, redirect_uri: str) -> None:
        self.redirect_uri = redirect_uri
        self.issuer = ""
        self.process: subprocess.Popen[str] | None = None

    def start(self) -> OidcProvider:
        node = require_node()
        script = MODULES / "provider.mjs"  # beside node_modules, so its import of oidc-provider resolves there
        shutil.copyfile(SCRIPT, script)
        env = {
            **os.environ,
            "OIDC_CLIENT_ID": CLIENT_ID,
            "OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "OIDC_REDIRECT_URIS": self.redirect_uri,
            "OIDC_ACCOUNTS": json.dumps(ACCOUNTS),
        }
        self.process = subprocess.Popen(
            [node, str(script)], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()  # one JSON line once it serves
        if not line:
            raise RuntimeError(f"the OpenID provider exited with {self.process.wait(5)}")
        self.issuer = json.loads(line)["issuer"]
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def configure(settings: Any, issuer: str, **extra: Any) -> None:
    """Point the hub's OIDC_* settings at a provider (the discovery cache forgotten)."""
    from billing import sso_provider

    settings.OIDC_ISSUER_URL = issuer
    settings.OIDC_CLIENT_ID = CLIENT_ID
    settings.OIDC_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Example ID"
    settings.OIDC_SCOPES = "openid email profile groups"
    settings.OIDC_GROUP_MAP = GROUP_MAP
    settings.OIDC_DEFAULT_TEAM = ""
    for name, value in extra.items():
        setattr(settings, name, value)
    sso_provider.forget_discovery()
