"""The billing pages in Chromium: each person sees exactly their own pages and data; keys are created and
revoked; a CSV is downloaded whose totals match the ledger; screenshots go to test-artifacts/."""

from __future__ import annotations

import csv
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.db.models import Sum
from playwright.sync_api import Page, expect

from billing.keys import authenticate_key
from billing.models import CreditLedgerEntry, HubKey
from llmhub.errors import AuthenticationFailed

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


def _heading(page: Page) -> str:
    return page.get_by_role("heading", level=1).first.inner_text()


def test_member_sees_own_usage_and_is_refused_elsewhere(page_for, alice, bob, charlie, spend):
    spend(bob, "0.5", model="bobs-model")
    spend(alice, "7.77", model="alices-model")
    spend(charlie, "3.33", model="globex-model")
    page = page_for(bob)
    page.goto("/usage/")
    body = page.locator("main").inner_text()
    assert "bobs-model" in body and "alices-model" not in body and "globex-model" not in body
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="My usage").is_visible()
    assert nav.get_by_role("link", name="Team credits").count() == 0
    assert nav.get_by_role("link", name="Spend review").count() == 0
    assert page.goto("/teams/acme/credits/").status == 403
    assert page.goto("/teams/globex/credits/").status == 404
    assert page.goto("/staff/spend/").status == 403
    assert "$7.77" not in page.content() and "$3.33" not in page.content()


def test_team_admin_sees_the_team_and_sets_a_threshold_that_raises_the_banner(page_for, alice, bob, spend):
    spend(bob, "2.25")
    page = page_for(alice)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Team credits").click()
    page.wait_for_url("**/teams/acme/credits/")
    members = page.get_by_role("region", name="Member spend, last 30 days").get_by_role("table").inner_text()
    assert "bob" in members and "$2.25" in members
    assert page.goto("/teams/globex/credits/").status == 404
    page.goto("/teams/acme/credits/")
    page.get_by_label("Low-balance threshold (USD)").fill("500")
    page.get_by_role("button", name="Save threshold").click()
    page.wait_for_url("**/teams/acme/credits/")
    assert "Acme is low on credits" in page.get_by_role("status").first.inner_text()
    member_page = page_for(bob)
    member_page.goto("/keys/")
    assert "ask a team admin" in member_page.locator(".low-balance").inner_text()


def test_create_copy_and_revoke_a_key(page_for, bob):
    page = page_for(bob)
    page.goto("/keys/")
    page.get_by_label("Name").fill("laptop")
    page.get_by_role("button", name="Create key").click()
    plaintext = page.get_by_label("New API key").input_value()
    assert re.fullmatch(r"sk-hub-[\w-]{40,}", plaintext)
    assert authenticate_key(plaintext).user_id == bob.user.pk
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("button", name="Copy").click()
    expect(page.locator("[data-copy-status]")).to_have_text("Copied to the clipboard.")
    assert page.evaluate("navigator.clipboard.readText()") == plaintext
    page.goto("/keys/")
    assert plaintext not in page.content()
    row = page.get_by_role("row").filter(has_text="laptop")
    row.get_by_role("link", name=re.compile("Revoke")).click()
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/keys/")
    assert "revoked" in page.get_by_role("row").filter(has_text="laptop").inner_text()
    assert HubKey.objects.get(name="laptop").revoked_at is not None
    with pytest.raises(AuthenticationFailed):
        authenticate_key(plaintext)


def test_team_admin_revokes_a_members_key_and_both_see_who_did(page_for, alice, bob, charlie):
    page = page_for(alice)
    page.goto("/keys/")
    team_table = page.get_by_role("table", name="Keys of team Acme")
    assert "charlie" not in page.locator("main").inner_text()
    team_table.get_by_role("row").filter(has_text="bob's key").get_by_role("link", name=re.compile("Revoke")).click()
    assert "belongs to bob" in page.locator("main").inner_text()
    page.get_by_role("button", name="Revoke key").click()
    page.wait_for_url("**/keys/")
    assert "by alice" in team_table.get_by_role("row").filter(has_text="bob's key").inner_text()
    with pytest.raises(AuthenticationFailed):
        authenticate_key(bob.key)
    member_page = page_for(bob)
    member_page.goto("/keys/")
    assert member_page.get_by_role("table", name="Keys of team Acme").count() == 0
    assert "revoked by alice" in member_page.get_by_role("row").filter(has_text="bob's key").inner_text()


def test_team_admin_sets_the_webhook_and_sends_a_test_alert(page_for, alice, webhook):
    page = page_for(alice)
    page.goto("/teams/acme/credits/")
    page.get_by_label("Alert webhook URL").fill(webhook.url)
    page.get_by_role("button", name="Save webhook").click()
    page.wait_for_url("**/teams/acme/credits/")
    page.get_by_role("button", name="Send test alert").click()
    page.wait_for_url("**/teams/acme/credits/")
    assert "the webhook answered 204 No Content" in page.get_by_role("status").first.inner_text()
    assert webhook.received[0]["event"] == "billing.test"


def test_staff_exports_a_csv_whose_totals_match_the_ledger(page_for, staff, alice, bob, charlie, spend, tmp_path):
    for person, cost in ((alice, "1.23456789"), (bob, "0.00000001"), (charlie, "4.5")):
        spend(person, cost)
    page = page_for(staff)
    page.goto("/staff/spend/")
    assert _heading(page) == "Spend review"
    assert "Acme" in page.locator("main").inner_text() and "Globex" in page.locator("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export records (CSV)").click()
    target = tmp_path / "spend.csv"
    download.value.save_as(target)
    rows = list(csv.DictReader(target.open()))
    ledger = -CreditLedgerEntry.objects.filter(kind="charge").aggregate(s=Sum("amount"))["s"]
    assert len(rows) == 4 and rows[-1]["created_at_utc"] == "TOTAL"
    assert Decimal(rows[-1]["charged_usd"]) == sum(Decimal(r["charged_usd"]) for r in rows[:-1]) == ledger


@pytest.mark.ledger_breach  # generate_usage writes uncharged synthetic records by design
def test_screenshots_of_the_four_main_pages(page_for, staff, alice, bob, spend):
    from django.core.management import call_command

    from billing.models import Team

    call_command("generate_usage", "4000", "--team", "acme", "--days", "30", "--seed", "3")
    for cost, model in (("0.0123", "gpt-4o"), ("0.2", "claude-sonnet-4"), ("0.004", "gpt-4o-mini")):
        spend(alice, cost, model=model, route={"mode": "auto", "baseline_cost": "0.3"})
    Team.objects.filter(slug="acme").update(low_balance_threshold=Decimal("120"))
    ARTIFACTS.mkdir(exist_ok=True)
    shots = [(alice, "/keys/", "keys"), (alice, "/usage/", "my-usage"), (alice, "/teams/acme/credits/", "team-credits")]
    shots.append((staff, "/staff/spend/", "spend-review"))
    for width, label in ((1280, "desktop"), (390, "phone")):
        pages: dict[int, Page] = {}
        for person, path, name in shots:
            page = pages.get(person.user.pk) or page_for(person, width=width, height=900)
            pages[person.user.pk] = page
            assert page.goto(path).status == 200
            page.screenshot(path=ARTIFACTS / f"{name}-{label}.png", full_page=True)
            # Nothing may stick out sideways at phone width except inside a scrolling table.
            overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, f"{name} is {overflow}px too wide at {width}px"
