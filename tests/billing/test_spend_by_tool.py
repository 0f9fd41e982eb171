"""Spend by tool: the team credits page (team admins) and the staff spend review break spend down by the tool
that sent each request, filter by it, and the records CSV names it."""

from __future__ import annotations

import csv
import io

import pytest

from billing.models import UsageDailyRollup
from billing.rollups import rebuild_rollups

pytestmark = pytest.mark.django_db


@pytest.fixture
def tool_spend(alice, bob, charlie, spend):
    spend(alice, "1.25", client_tool="claude-code")
    spend(alice, "0.75", client_tool="claude-code")
    spend(bob, "0.50", client_tool="codex")
    spend(charlie, "4.00", client_tool="openai-python")


def _page(client, person, url, **headers):
    client.force_login(person.user)
    response = client.get(url, **headers)
    assert response.status_code == 200
    return response.content.decode()


def test_team_admin_sees_spend_by_tool(client, alice, tool_spend):
    page = _page(client, alice, "/teams/acme/credits/")
    assert "Spend by tool, last 30 days" in page
    assert (
        '<a href="?tool=claude-code#tools" title="Show only this tool">Claude Code</a></th><td class="num">2</td><td class="num">$2.00</td>'
        in page
    )
    assert '>Codex CLI</a></th><td class="num">1</td><td class="num">$0.5000</td>' in page
    assert "?tool=openai-python" not in page  # charlie's spend is another team's


def test_team_page_filtered_by_tool_shows_only_its_members_spend(client, alice, bob, tool_spend):
    page = _page(client, alice, "/teams/acme/credits/?tool=codex")
    assert '<option value="codex" selected>Codex CLI</option>' in page
    assert "show only requests sent by Codex CLI" in page
    members = page.split("Member spend, last 30 days")[1].split("</table>")[0]
    assert (
        f'members/{bob.user.pk}/" title="See this member’s spend, keys and refusals">bob</a></th><td class="hide-phone">Member</td><td class="num">1</td>'
        in members
    )
    assert (
        f'members/{alice.user.pk}/" title="See this member’s spend, keys and refusals">alice</a></th><td class="hide-phone">Team admin</td><td class="num">0</td>'
        in members
    )


def test_team_page_ignores_a_tool_it_does_not_know(client, alice, tool_spend):
    page = _page(client, alice, "/teams/acme/credits/?tool=<script>")
    assert "show only requests sent by" not in page and "<script>" not in page.split("</header>")[-1]


def test_team_page_by_tool_in_chinese(client, alice, tool_spend):
    page = _page(client, alice, "/teams/acme/credits/?tool=codex", HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert "各工具支出（最近 30 天）" in page and "只看此工具" in page
    assert "下方图表和成员支出只显示由 Codex CLI 发出的请求。" in page


def test_plain_member_and_outsider_do_not_see_the_team_breakdown(client, bob, charlie, tool_spend):
    client.force_login(bob.user)
    assert client.get("/teams/acme/credits/?tool=codex").status_code == 403
    client.force_login(charlie.user)
    assert client.get("/teams/acme/credits/?tool=codex").status_code == 404


def test_staff_spend_review_breaks_down_and_filters_by_tool(client, staff, tool_spend):
    review = _page(client, staff, "/staff/spend/")
    assert "Spend by tool" in review
    assert "tool=openai-python" in review and "OpenAI SDK (Python)</a></th>" in review
    filtered = _page(client, staff, "/staff/spend/?tool=claude-code")
    assert "$2.00" in filtered and "$4.00" not in filtered
    records = _page(client, staff, "/staff/spend/records/?tool=codex")
    assert "<td>bob</td>" in records and "<td>alice</td>" not in records and "<td>charlie</td>" not in records


def test_records_csv_names_the_tool_and_groups_by_it(client, staff, tool_spend):
    client.force_login(staff.user)
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get("/staff/spend/export.csv")).decode())))
    assert sorted(r["client_tool"] for r in rows[:-1]) == ["claude-code", "claude-code", "codex", "openai-python"]
    grouped = list(csv.reader(io.StringIO(b"".join(client.get("/staff/spend/export.csv?group=tool")).decode())))
    assert grouped[0] == ["tool", "requests", "tokens", "cost_usd"]
    assert grouped[1][0] == "OpenAI SDK (Python)" and grouped[1][3] == "4.00"


def test_rebuilt_rollups_keep_the_tool_buckets(tool_spend):
    def buckets():
        rows = UsageDailyRollup.objects.values_list("client_tool", "user__username", "requests", "cost")
        return sorted(rows)

    before = buckets()
    assert [row[:3] for row in before] == [
        ("claude-code", "alice", 2), ("codex", "bob", 1), ("openai-python", "charlie", 1),
    ]  # fmt: skip
    rebuild_rollups()
    assert buckets() == before
