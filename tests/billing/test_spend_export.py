"""CSV export of the spend review: every filtered record, exact Decimals, totals equal to the ledger."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.db.models import Sum

from billing.models import CreditLedgerEntry

pytestmark = pytest.mark.django_db


def _rows(client, staff, query=""):
    client.force_login(staff.user)
    response = client.get(f"/staff/spend/export.csv{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(b"".join(response).decode())))


def test_record_csv_totals_match_the_ledger(client, staff, alice, bob, charlie, spend):
    for person, cost in ((alice, "0.12345678"), (bob, "1.00000001"), (charlie, "2.5"), (alice, "0.00000003")):
        spend(person, cost)
    rows = _rows(client, staff)
    records, total = rows[:-1], rows[-1]
    assert len(records) == 4 and total["created_at_utc"] == "TOTAL"
    charged = -CreditLedgerEntry.objects.filter(kind="charge").aggregate(s=Sum("amount"))["s"]
    assert sum(Decimal(r["charged_usd"]) for r in records) == charged == Decimal("3.62345682")
    assert Decimal(total["charged_usd"]) == charged
    assert Decimal(total["cost_usd"]) == charged


def test_filtered_csv_holds_only_that_team_and_matches_its_ledger(client, staff, alice, bob, charlie, spend):
    spend(alice, "1.1")
    spend(bob, "2.2")
    spend(charlie, "4.4")
    acme_id = alice.user.memberships.get().team_id
    rows = _rows(client, staff, f"?team={acme_id}")
    assert {r["team"] for r in rows[:-1]} == {"acme"}
    acme_charges = -CreditLedgerEntry.objects.filter(kind="charge", team_id=acme_id).aggregate(s=Sum("amount"))["s"]
    assert Decimal(rows[-1]["charged_usd"]) == acme_charges == Decimal("3.3")


def test_grouped_csv_sums_by_model(client, staff, alice, spend):
    spend(alice, "1", model="gpt-4o")
    spend(alice, "2", model="claude-sonnet-4", provider="anthropic")
    spend(alice, "0.5", model="gpt-4o")
    rows = _rows(client, staff, "?group=model")
    assert [(r["model"], r["requests"], r["cost_usd"]) for r in rows] == [
        ("claude-sonnet-4", "1", "2.00"),
        ("gpt-4o", "2", "1.50"),
        ("TOTAL", "3", "3.50"),
    ]


def test_user_supplied_text_cannot_become_a_spreadsheet_formula(client, staff, alice, spend):
    spend(alice, "0.1", model='=HYPERLINK("http://evil")', model_served="")
    rows = _rows(client, staff)
    assert rows[0]["model_requested"].startswith("'=")


def test_team_slugs_and_usernames_cannot_become_formulas_either(client, staff, alice, spend):
    from billing.models import Team

    alice.user.username = "=cmd|' /C calc'!A0"
    alice.user.save(update_fields=["username"])
    Team.objects.filter(slug="acme").update(slug="-2+3")
    spend(alice, "0.1", model="gpt-4o", model_served="@SUM(A1)")
    record = _rows(client, staff)[0]
    assert record["user"] == "'=cmd|' /C calc'!A0"
    assert record["team"] == "'-2+3"
    assert record["model_served"] == "'@SUM(A1)"
    unsafe = [name for name, cell in record.items() if cell[:1] in ("=", "+", "@", "\t", "\r")]
    assert not unsafe, unsafe
    assert Decimal(record["charged_usd"]) == Decimal("0.1")  # numbers stay numbers
