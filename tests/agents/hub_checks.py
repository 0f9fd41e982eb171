"""What the hub did for an agent's run, checked from the hub's side: every response it served (tests/live_hub.py's
`served`) was 2xx, and every request to a completion endpoint left exactly one usage record, charged to the
key's team with the tokens the upstream reported."""

from __future__ import annotations

from typing import Any

from billing.models import UsageRecord
from tests.live_hub import Served
from tests.usage_records import wait_for_record

# The endpoints that call a model and are metered (a GET of /v1/models is served but not charged).
METERED_PATHS = ("/v1/chat/completions", "/v1/responses", "/v1/messages")


def describe(served: list[Served]) -> str:
    return "\n".join(f"{s.method} {s.path} -> {s.status} {s.request_id} {s.error_body[:600]}" for s in served)


def assert_all_served_ok(served: list[Served]) -> None:
    assert served, "the agent sent the hub no request"
    failed = [s for s in served if not 200 <= s.status < 300]
    assert not failed, "the hub answered some of the agent's requests with an error:\n" + describe(failed)


def metered_records(served: list[Served], *, team: Any, key_id: int) -> list[UsageRecord]:
    """The usage record of each metered request the hub served, checking there is exactly one per request and
    that it is charged to `team` through the agent's key."""
    metered = [s for s in served if s.method == "POST" and s.path in METERED_PATHS]
    assert metered, "the agent made no metered request:\n" + describe(served)
    request_ids = [s.request_id for s in metered]
    assert all(request_ids) and len(set(request_ids)) == len(request_ids), describe(metered)
    records = [wait_for_record(request_id) for request_id in request_ids]
    for record in records:
        assert record.team_id == team.id, f"{record.request_id} was charged to team {record.team_id}"
        assert record.key_id == key_id
        assert record.status == UsageRecord.OK, (record.request_id, record.status, record.error_code)
        assert record.cost > 0 and record.prompt_tokens > 0 and record.completion_tokens > 0
        assert not record.tokens_estimated, f"{record.request_id}: the upstream's usage was not read"
    assert UsageRecord.objects.filter(team=team).count() == len(records)  # nothing charged beyond these
    return records


def assert_charged_as_reported(records: list[UsageRecord], reported: list[tuple[int, int]]) -> None:
    """The records carry the token counts the upstream reported (input, output), one answer each."""
    charged = sorted((r.prompt_tokens, r.completion_tokens) for r in records)
    assert charged == sorted(reported), f"charged {charged}, the upstream reported {sorted(reported)}"


def assert_client_tool(records: list[UsageRecord], tool: str) -> None:
    """Every record names the tool that sent it (`billing/client_tools.py`: "codex", "opencode", ...)."""
    assert records
    assert [record.client_tool for record in records] == [tool] * len(records)
