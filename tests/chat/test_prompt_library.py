"""The prompt library: who sees and edits which prompt (alice admins acme, bob is in it, charlie is in globex),
the page and the composer's JSON list, its search and bound, and hostile titles staying text."""

from __future__ import annotations

import pytest

from chat.models import SavedPrompt
from chat.prompt_library import MAX_LISTED
from tests.chat.conftest import client_for, get, post

pytestmark = pytest.mark.django_db

HOSTILE = "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"


def personal(person, title="Mine", body="my text"):
    return SavedPrompt.objects.create(owner=person.user, title=title, body=body)


def team_prompt(person, team, title="Ours", body="our text"):
    return SavedPrompt.objects.create(owner=person.user, team=team, title=title, body=body)


def listed(person, query=""):
    response = get(client_for(person), f"/prompts.json?q={query}")
    assert response.status_code == 200
    return [p["title"] for p in response.json()["prompts"]]


def test_json_lists_own_and_team_prompts_only(alice, bob, charlie, acme, globex):
    personal(alice, "Alice's own")
    personal(bob, "Bob's own")
    team_prompt(alice, acme, "Acme review")
    team_prompt(charlie, globex, "Globex secret")
    assert listed(bob) == ["Acme review", "Bob's own"]
    assert listed(alice) == ["Acme review", "Alice's own"]
    assert listed(charlie) == ["Globex secret"]


def test_json_filters_by_every_word_of_the_title(alice):
    personal(alice, "Code review checklist")
    personal(alice, "Review a contract")
    personal(alice, "Translate to French")
    assert listed(alice, "review") == ["Code review checklist", "Review a contract"]
    assert listed(alice, "REVIEW code") == ["Code review checklist"]
    assert listed(alice, "nothing") == []


def test_json_returns_at_most_fifty(alice):
    SavedPrompt.objects.bulk_create(
        SavedPrompt(owner=alice.user, title=f"Prompt {i:03}", body="x") for i in range(MAX_LISTED + 7)
    )
    assert len(listed(alice)) == MAX_LISTED == 50


def test_signed_out_gets_no_prompts(alice):
    personal(alice)
    assert client_for().get("/prompts.json", secure=True).status_code == 302


def test_create_personal_and_team_prompt(alice):
    client = client_for(alice)
    assert post(client, "/prompts/new", {"title": "Summary", "body": "Summarise this."}).status_code == 302
    assert post(client, "/prompts/new", {"title": "Team tone", "body": "Be kind.", "team": "acme"}).status_code == 302
    mine = SavedPrompt.objects.get(title="Summary")
    assert (mine.owner, mine.team) == (alice.user, None)
    assert SavedPrompt.objects.get(title="Team tone").team.slug == "acme"


def test_member_cannot_add_a_team_prompt(bob):
    response = post(client_for(bob), "/prompts/new", {"title": "Sneaky", "body": "x", "team": "acme"})
    assert response.status_code == 403
    assert not SavedPrompt.objects.exists()


def test_outsider_cannot_add_a_prompt_to_another_team(charlie):
    assert post(client_for(charlie), "/prompts/new", {"title": "x", "body": "x", "team": "acme"}).status_code == 403
    assert not SavedPrompt.objects.exists()


def test_empty_or_oversized_prompt_is_refused_without_error(alice):
    client = client_for(alice)
    assert post(client, "/prompts/new", {"title": " ", "body": "x"}).status_code == 400
    assert post(client, "/prompts/new", {"title": "x" * 121, "body": "x"}).status_code == 400
    assert post(client, "/prompts/new", {"title": "x", "body": "y" * 20_001}).status_code == 400
    assert not SavedPrompt.objects.exists()


def test_owner_edits_and_deletes_a_personal_prompt(alice):
    prompt = personal(alice)
    client = client_for(alice)
    assert get(client, f"/prompts/?edit={prompt.id}").status_code == 200
    assert post(client, f"/prompts/{prompt.id}/edit", {"title": "Renamed", "body": "new"}).status_code == 302
    prompt.refresh_from_db()
    assert (prompt.title, prompt.body) == ("Renamed", "new")
    assert post(client, f"/prompts/{prompt.id}/delete").status_code == 302
    assert not SavedPrompt.objects.exists()


@pytest.mark.parametrize("stranger", ["bob", "charlie"])
def test_another_users_personal_prompt_is_not_found_everywhere(alice, request, stranger):
    prompt = personal(alice, "Private", "secret body")
    client = client_for(request.getfixturevalue(stranger))
    assert get(client, f"/prompts/?edit={prompt.id}").status_code == 404
    assert post(client, f"/prompts/{prompt.id}/edit", {"title": "x", "body": "x"}).status_code == 404
    assert post(client, f"/prompts/{prompt.id}/delete").status_code == 404
    assert "secret body" not in get(client, "/prompts/").content.decode()
    assert "secret body" not in get(client, "/prompts.json").content.decode()
    prompt.refresh_from_db()
    assert prompt.title == "Private"


def test_another_teams_prompt_is_not_found(alice, charlie, acme):
    prompt = team_prompt(alice, acme, "Acme only", "acme body")
    client = client_for(charlie)
    assert get(client, f"/prompts/?edit={prompt.id}").status_code == 404
    assert post(client, f"/prompts/{prompt.id}/edit", {"title": "x", "body": "x"}).status_code == 404
    assert post(client, f"/prompts/{prompt.id}/delete").status_code == 404
    assert "acme body" not in get(client, "/prompts.json").content.decode()
    assert SavedPrompt.objects.filter(pk=prompt.pk).exists()


def test_member_uses_but_cannot_change_a_team_prompt(alice, bob, acme):
    prompt = team_prompt(alice, acme, "Acme tone", "be brief")
    client = client_for(bob)
    page = get(client, "/prompts/").content.decode()
    assert "Acme tone" in page
    assert f"/prompts/{prompt.id}/delete" not in page
    assert get(client, f"/prompts/?edit={prompt.id}").status_code == 403
    assert post(client, f"/prompts/{prompt.id}/edit", {"title": "Hijacked", "body": "x"}).status_code == 403
    assert post(client, f"/prompts/{prompt.id}/delete").status_code == 403
    prompt.refresh_from_db()
    assert prompt.title == "Acme tone"


def test_team_admin_edits_a_team_prompt_another_admin_wrote(alice, bob, acme):
    prompt = team_prompt(bob, acme, "Bob wrote it")  # bob was an admin when he wrote it; he still is its author
    assert post(client_for(alice), f"/prompts/{prompt.id}/edit", {"title": "Tidied", "body": "b"}).status_code == 302
    assert post(client_for(bob), f"/prompts/{prompt.id}/edit", {"title": "Mine again", "body": "b"}).status_code == 302
    prompt.refresh_from_db()
    assert prompt.title == "Mine again"


def test_page_search_and_empty_state(alice):
    client = client_for(alice)
    assert "type / in the chat" in get(client, "/prompts/").content.decode()
    personal(alice, "Weekly report")
    personal(alice, "Bug triage")
    page = get(client, "/prompts/?q=weekly").content.decode()
    assert "Weekly report" in page and "Bug triage" not in page
    assert "No prompt title matches" in get(client, "/prompts/?q=zzz").content.decode()


def test_hostile_title_and_body_are_escaped_on_the_page(alice):
    personal(alice, HOSTILE, HOSTILE)
    page = get(client_for(alice), "/prompts/").content.decode()
    assert "<script>document.title" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
    assert get(client_for(alice), "/prompts.json").json()["prompts"][0]["title"] == HOSTILE


def test_page_in_chinese(alice):
    page = get(client_for(alice, HTTP_ACCEPT_LANGUAGE="zh-hans"), "/prompts/").content.decode()
    assert "新建提示词" in page and "提示词" in page


def test_team_prompt_changes_are_audited_and_personal_ones_are_not(alice, acme):
    from billing.models import AuditEntry

    client = client_for(alice)
    post(client, "/prompts/new", {"title": "Team tone", "body": "Be kind.", "team": "acme"})
    post(client, "/prompts/new", {"title": "Mine", "body": "private"})
    shared, mine = SavedPrompt.objects.get(title="Team tone"), SavedPrompt.objects.get(title="Mine")
    post(client, f"/prompts/{shared.id}/edit", {"title": "Team tone", "body": "Be kinder."})
    post(client, f"/prompts/{mine.id}/edit", {"title": "Mine", "body": "still private"})
    post(client, f"/prompts/{shared.id}/delete")
    found = AuditEntry.objects.filter(target_type="saved_prompt").order_by("id")
    entries = list(found.values_list("action", "team_id", "before", "after"))
    assert entries == [
        ("saved_prompt.create", acme.id, {}, {"title": "Team tone", "body": "Be kind."}),
        ("saved_prompt.change", acme.id, {"body": "Be kind."}, {"body": "Be kinder."}),
        ("saved_prompt.delete", acme.id, {"title": "Team tone", "body": "Be kinder."}, {}),
    ]
