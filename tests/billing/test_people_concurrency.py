"""Two leads demoting (or removing) each other at once leave the team one admin: the admin rows are locked in
id order before the count. Real threads, each on its own connection (DATABASE_URL=postgres://… for row locks)."""

from __future__ import annotations

import pytest

from billing.models import Membership
from billing.people import member_remove, member_set_role
from llmhub.errors import HubError
from tests.billing.conftest import lead_of
from tests.billing.test_concurrency import run_in_threads

pytestmark = pytest.mark.django_db(transaction=True)


def _outcome(change) -> str:
    try:
        change()
    except HubError as exc:
        return exc.code
    return "done"


ROUNDS = 12  # the window between the count and the write is short: many rounds make an overlap near certain


def test_two_leads_demoting_each_other_at_once_keep_one_admin(alice, acme):
    gina = lead_of(acme)
    pairs = [(alice, gina), (gina, alice)]
    for _ in range(ROUNDS):
        Membership.objects.filter(team=acme).update(role="admin")
        results = run_in_threads(
            lambda i: _outcome(
                lambda: member_set_role(team=acme, user_id=pairs[i][1].user.pk, role="member", by=pairs[i][0].user)
            ),
            count=2,
        )
        assert sorted(results) == ["done", "last_admin"], results
        assert Membership.objects.filter(team=acme, role="admin").count() == 1


def test_two_leads_removing_each_other_at_once_keep_one_admin(alice, acme):
    gina = lead_of(acme)
    pairs = [(alice, gina), (gina, alice)]
    results = run_in_threads(
        lambda i: _outcome(lambda: member_remove(team=acme, user_id=pairs[i][1].user.pk, by=pairs[i][0].user)),
        count=2,
    )
    assert sorted(results) == ["done", "last_admin"], results
    assert Membership.objects.filter(team=acme, role="admin").count() == 1
