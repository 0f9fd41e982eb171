"""Secrets blanked out of upstream text before it is logged: the provider's key, and anything shaped
like a credential (bearer tokens, `sk-...` keys, api-key headers or fields echoed back)."""

from __future__ import annotations

import re

REDACTED = "[redacted]"
_PATTERNS = [
    re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{6,}"),
    re.compile(r"\b(sk|pk|rk|key|gsk|xai|AIza)[-_][A-Za-z0-9._-]{8,}"),
    re.compile(
        r"""(?i)((?:x-)?api[-_]?key|authorization|x-goog-api-key|token|secret)(["']?\s*[:=]\s*["']?)[^\s"',}]+"""
    ),
]


def redact(text: str, *secrets: str) -> str:
    """`text` with every given secret (of a credible length) and every credential-shaped string replaced."""
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, REDACTED)
    text = _PATTERNS[0].sub(lambda m: f"{m.group(1)} {REDACTED}", text)
    text = _PATTERNS[1].sub(REDACTED, text)
    return _PATTERNS[2].sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", text)
