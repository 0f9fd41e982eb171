"""Two leads clicking approve at once approve once: the request row is locked and its state re-read, and the
team's allowance row is locked so two approvals cannot both spend the month's last room. Real threads,
each on its own connection (run with DATABASE_URL=postgres://… for PostgreSQL's row locks)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.credit_requests import credit_request_decide, credit_request_open
from billing.lead_allowance import allowance_set
from billing.models import CreditLedgerEntry, CreditRequest, Team
from llmhub.errors import HubError
from tests.billing.conftest import lead_of
from tests.billing.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def _approve(request_id: int, lead, team) -> str:
    try:
        credit_request_decide(request_id=request_id, by=lead.user, approve=True, lead_of=team)
    except HubError as exc:
        return exc.code
    return "approved"


def test_two_leads_approving_one_request_at_once_credit_it_once(alice, bob, staff, acme):
    gina = lead_of(acme)
    allowance_set(team=acme, per_request=Decimal("50"), per_month=None, by=staff.user)
    asked = credit_request_open(team=acme, by=bob.user, amount=Decimal("30"), reason="hackathon")
    leads = [alice, gina] * 4
    results = run_in_threads(lambda i: _approve(asked.pk, leads[i], acme), count=len(leads))
    assert results.count("approved") == 1, results
    assert set(results) == {"approved", "invalid_request"}  # the others find it already approved
    grants = CreditLedgerEntry.objects.filter(team=acme, memo__startswith=f"Credit request #{asked.pk}")
    assert grants.count() == 1
    assert Team.objects.get(pk=acme.pk).balance == Decimal("130")
    assert CreditRequest.objects.get(pk=asked.pk).grant_id == grants.get().pk


def test_concurrent_approvals_never_exceed_the_monthly_allowance(alice, bob, staff, acme):
    allowance_set(team=acme, per_request=None, per_month=Decimal("100"), by=staff.user)
    asks = [credit_request_open(team=acme, by=bob.user, amount=Decimal("40"), reason=f"r{i}") for i in range(6)]
    results = run_in_threads(lambda i: _approve(asks[i].pk, alice, acme), count=len(asks))
    assert results.count("approved") == 2, results  # 2 x $40 fit in $100; a third would need $120
    assert results.count("above_allowance") == 4
    assert Team.objects.get(pk=acme.pk).balance == Decimal("180")
