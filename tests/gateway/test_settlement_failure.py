"""A settlement that fails still ends the request as one usage record (status `error`) and one charge."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from billing import ledger
from billing.models import CreditHold, CreditLedgerEntry, HubKey, UsageRecord
from llmhub.gateway import charging
from llmhub.gateway.call import Call, Caller
from llmhub.providers.base import ChatRequest

pytestmark = pytest.mark.django_db(transaction=True)


def _call(person) -> Call:
    key = HubKey.objects.get(user=person.user)
    caller = Caller(user_id=person.user.pk, team_id=key.team_id, key_id=key.pk)
    return Call(caller=caller, request=ChatRequest(model="gpt-4o", messages=[]), chain=[])


def _draft(call: Call, **extra):
    fields = {
        "request_id": call.request_id,
        "user_id": call.caller.user_id,
        "team_id": call.caller.team_id,
        "key_id": call.caller.key_id,
        "model_requested": "gpt-4o",
        "cost": Decimal("0.25"),
        "status": "ok",
        "completion_tokens": 10,
    }
    return ledger.UsageDraft(**{**fields, **extra})


def test_a_failed_settlement_settles_as_one_error_record_and_one_charge(alice, acme):
    call = _call(alice)
    ledger.reserve_credits(team_id=acme.pk, request_id=call.request_id, amount=Decimal("1"), user_id=alice.user.pk)
    # A negative count breaks the usage row's CHECK constraint: the first write fails.
    settlement = asyncio.run(charging.settle(call, _draft(call, reasoning_tokens=-1)))
    record = UsageRecord.objects.get()
    assert record.request_id == call.request_id
    assert (record.status, record.error_code) == ("error", "settlement_failed")
    assert record.completion_tokens == 10 and record.reasoning_tokens == 0
    assert CreditLedgerEntry.objects.filter(kind="charge").count() == 1
    assert settlement.charged == Decimal("0.25")
    assert CreditHold.objects.count() == 0
    acme.refresh_from_db()
    assert acme.reserved == 0 and acme.balance == 100 - Decimal("0.25")


def test_a_good_settlement_is_not_marked_failed(alice, acme):
    call = _call(alice)
    asyncio.run(charging.settle(call, _draft(call)))
    record = UsageRecord.objects.get()
    assert (record.status, record.error_code) == ("ok", "")
