"""The state of one request on its way through the gateway, and who pays for it."""

from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from billing.ledger import Settlement
from billing.refusal_wording import lowered_cap_notice
from llmhub.catalog import ModelSpec
from llmhub.providers.base import ChatRequest, Target

DROPPED_SHOWN = 32
DROPPED_NOTE_LENGTH = 300  # billing.UsageRecord.dropped


@dataclass(frozen=True)
class Caller:
    """Who pays: the user, the team charged and the key used (None for the browser chat), and through which tool."""

    user_id: int
    team_id: int
    key_id: int | None = None
    source: str = "api"
    allowed_models: tuple[str, ...] = ()  # the key's model allowlist; empty: every model
    client_tool: str = ""  # the tool that sent the request (billing.client_tools), kept on its usage record


def dropped_header(names: list[str]) -> str:
    """Dropped field names as a header value: names come from the client, so only safe characters, and few."""
    shown = [re.sub(r"[^A-Za-z0-9_.\-]", "?", name)[:64] for name in names[:DROPPED_SHOWN]]
    return ",".join(shown) + (",..." if len(names) > DROPPED_SHOWN else "")


def dropped_note(request: ChatRequest, *, passthrough: bool) -> str:
    """The note a translated request's usage record keeps of what was dropped (blank on passthrough)."""
    if passthrough or not request.dropped:
        return ""
    note = dropped_header(request.dropped)
    if len(note) > DROPPED_NOTE_LENGTH:
        note = note[: DROPPED_NOTE_LENGTH - 4].rsplit(",", 1)[0] + ",..."
    return note


@dataclass
class Call:
    """The state of one request on its way through the gateway."""

    caller: Caller
    request: ChatRequest
    chain: list[ModelSpec]
    request_id: str = field(default_factory=lambda: "req_" + uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)
    attempts: list[dict[str, Any]] = field(default_factory=list)
    prompt_estimate: int = 0
    prompt_ceiling: int = 0  # the hold's upper estimate of prompt tokens: what an upstream's count is held to
    images: int = 0  # image parts in the request's messages (measured once, in planning)
    held: Decimal | None = None  # the credit hold admitted: no settlement charges more (charging.usage_draft)
    media_tokens: int = 0  # of the hold's prompt, what media parts may bill (priced at the dearest media rate)
    hosted_calls: int = 0  # the hosted tool calls the hold covers (gateway.hosted_tools)
    route: dict[str, Any] | None = None
    served: ModelSpec | None = None
    target: Target | None = None
    settled: Settlement | None = None
    baseline: ModelSpec | None = None  # what an auto-routed request is measured against
    cache_status: str | None = None  # "hit" or "miss" when the response cache was consulted
    upstream_span: Any = None  # the serving upstream call's trace span, ended at settlement (llmhub.ops.tracing)
    lowered_cap: tuple[int | None, int] | None = None  # (asked, granted) when the output cap was lowered to fit
    passthrough: bool = False  # the serving upstream got the client's own body (same wire format)

    @property
    def notice(self) -> str | None:
        """What the client should be told about how the request ran (a lowered output cap), if anything."""
        if self.lowered_cap is None:
            return None
        return lowered_cap_notice(asked=self.lowered_cap[0], granted=self.lowered_cap[1])

    @property
    def dropped(self) -> str:
        """What the client asked for that the serving upstream did not get, as its usage record notes it."""
        return dropped_note(self.request, passthrough=self.passthrough)

    def headers(self) -> dict[str, str]:
        headers = {"x-request-id": self.request_id, "request-id": self.request_id}
        if self.served is not None:
            headers["x-llmhub-model"] = self.served.name
        if self.route is not None:
            headers["x-llmhub-route"] = json.dumps(self.route, ensure_ascii=True, separators=(",", ":"))
        if self.cache_status is not None:
            headers["x-llmhub-cache"] = self.cache_status
        if self.lowered_cap is not None:
            headers["x-llmhub-max-tokens-lowered"] = str(self.lowered_cap[1])
        if self.request.dropped and not self.passthrough:
            # What the client asked for that the chosen upstream's format cannot carry: never dropped silently.
            headers["x-llmhub-dropped"] = dropped_header(self.request.dropped)
        if self.settled is not None:
            # For clients whose SDK drops unknown body fields (google-genai): cost and credits as headers too.
            headers["x-llmhub-cost"] = str(self.settled.charged)
            headers["x-llmhub-credits-remaining"] = str(self.settled.balance_after)
        return headers


@dataclass
class Result:
    """A finished non-streaming completion: the OpenAI body (with usage, cost, credits) and its call."""

    body: dict[str, Any]
    call: Call
    native: dict[str, Any] | None = None  # passthrough: the upstream's own body, in the client's format
