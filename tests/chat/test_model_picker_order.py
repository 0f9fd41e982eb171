"""The picker's order (auto routes, pins, families and models by use and recency), favourites and the team's
default kept on the server, and the exact cost of a typical message in the conversation at hand."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal

import pytest
from django.test import Client

from billing.ledger import UsageDraft, settle_usage
from billing.selectors import ModelUse
from chat.model_picker import AUTO_ROUTES, ranked_groups, recency
from chat.models import Message, ModelFavourite, TeamModelDefault
from chat.typical_message import TYPICAL_ANSWER_TOKENS, TYPICAL_QUESTION_TOKENS, TypicalMessage, approximately
from llmhub.catalog import snapshot
from tests.chat.conftest import client_for, new_conversation

NEW_CHAT = TypicalMessage(0, TYPICAL_ANSWER_TOKENS)
NO_USE = ModelUse(mine={}, team={})


def groups(*, use=NO_USE, favourites=(), team_default="", message=NEW_CHAT):
    found = ranked_groups(
        snapshot().models.values(), use=use, favourites=list(favourites), team_default=team_default, message=message
    )
    return [(g.key, [c.name for c in g.choices]) for g in found]


def used(person, team, model, times=1):
    """`times` settled requests (each a usage record and its charge, as the gateway writes them) on `model`."""
    for _ in range(times):
        settle_usage(
            UsageDraft(
                request_id=f"req-{uuid.uuid4().hex}", user_id=person.user.pk, team_id=team.pk, key_id=None,
                model_requested=model, model_served=model, cost=Decimal("0.0001"), status="ok", source="chat",
            )
        )  # fmt: skip


def page_of(person, path="/") -> str:
    return client_for(person).get(path, secure=True).content.decode()


def optgroup(page: str, label: str) -> list[str]:
    body = re.search(rf'<optgroup label="{re.escape(label)}"[^>]*>(.*?)</optgroup>', page, re.S)
    return re.findall(r'<option value="([^"]+)"', body[1]) if body else []


def test_unused_families_keep_catalog_order_and_models_go_newest_first(upstream):
    keys = [key for key, _ in groups()]
    assert keys[0] == "auto" and "pinned" not in keys
    assert keys.index("GPT") < keys.index("Claude")  # nobody used anything: the catalog's order of families
    gpt = dict(groups())["GPT"]
    assert gpt.index("gpt-4.1") < gpt.index("gpt-4o") < gpt.index("gpt-3.5-turbo")
    assert dict(groups())["auto"] == AUTO_ROUTES


@pytest.mark.parametrize(
    "newer,older",
    [
        ("gpt-4.1", "gpt-4o"),
        ("gpt-4o", "gpt-3.5-turbo-0613"),
        ("claude-sonnet-4-5", "claude-3-5-sonnet-20241022"),
        ("claude-3-5-sonnet-20241022", "claude-2"),
        ("gpt-4o-2024-08-06", "gpt-4o-2024-05-13"),
        ("llama-3.1-8b", "llama-3-70b"),  # a size is not a version
        ("gemini-2.5-pro", "gemini-1.5-pro-002"),
    ],
)
def test_recency_is_read_from_the_name(newer, older):
    assert recency(newer) > recency(older)


def test_the_persons_use_leads_then_the_teams(upstream):
    use = ModelUse(mine={"claude-3-opus": 2, "claude-3-5-sonnet": 5}, team={"qwen-plus": 40, "gpt-4o": 1})
    ordered = groups(use=use)
    keys = [key for key, _ in ordered]
    assert keys[:3] == ["auto", "Claude", "Qwen"]  # mine first, then my team's, whatever the catalog order
    assert dict(ordered)["Claude"][:2] == ["claude-3-5-sonnet", "claude-3-opus"]
    assert dict(ordered)["Qwen"][0] == "qwen-plus"
    assert dict(ordered)["GPT"][0] == "gpt-4o"  # the team's use beats recency inside a family


def test_the_team_default_then_favourites_are_pinned_under_auto_and_leave_their_family(upstream):
    ordered = groups(favourites=["o1", "gpt-4o", "no-longer-offered"], team_default="claude-3-opus")
    assert [key for key, _ in ordered][:2] == ["auto", "pinned"]
    assert dict(ordered)["pinned"] == ["claude-3-opus", "o1", "gpt-4o"]
    assert "gpt-4o" not in dict(ordered)["GPT"] and "claude-3-opus" not in dict(ordered)["Claude"]


def test_a_starred_auto_route_is_pinned_too(upstream):
    ordered = groups(favourites=["auto:code"])
    assert dict(ordered)["pinned"] == ["auto:code"] and "auto:code" not in dict(ordered)["auto"]


def test_a_deprecated_model_sinks_below_the_rest_of_its_family(upstream):
    from llmhub import catalog
    from llmhub.models import CatalogModel

    CatalogModel.objects.filter(name="gpt-4.1").update(deprecated=True)
    catalog.invalidate()
    assert dict(groups())["GPT"][-1] == "gpt-4.1"


@pytest.mark.parametrize(
    "cost,shown",
    [
        ("0", "$0"),
        ("0.00000004", "< $0.0001"),
        ("0.000315", "$0.00032"),
        ("0.00042", "$0.00042"),
        ("0.0123", "$0.012"),
        ("0.555", "$0.56"),
        ("1.234", "$1.23"),
        ("1234.5", "$1,234.50"),
    ],
)
def test_an_estimate_is_shown_to_two_figures(cost, shown):
    assert approximately(Decimal(cost)) == shown


def test_a_new_chat_costs_a_typical_question_and_answer(upstream):
    choice = next(c for g in ranked_groups(snapshot().models.values(), use=NO_USE, favourites=[], team_default="",
                                          message=NEW_CHAT) for c in g.choices if c.name == "gpt-4o-mini")  # fmt: skip
    # 100 prompt tokens at $0.15/1M and 500 answer tokens at $0.60/1M.
    assert choice.estimate_exact == Decimal("0.000015") + Decimal("0.0003") == Decimal("0.00031500")
    assert choice.estimate == "$0.00032"


def test_the_estimate_grows_with_the_conversation(upstream, alice):
    conversation = new_conversation(alice, model="gpt-4o-mini")
    common = {"conversation": conversation, "role": Message.ASSISTANT, "status": Message.DONE}
    Message.objects.create(**common, content="a", prompt_tokens=400, completion_tokens=200)
    Message.objects.create(**common, content="b", prompt_tokens=1200, completion_tokens=300)
    Message.objects.create(**common, content="c", prompt_tokens=9000, completion_tokens=9000, dropped=True)
    from chat.typical_message import typical_message

    message = typical_message(conversation)
    # The last kept answer's prompt and the answer itself go into the next prompt; answers average 250.
    assert message == TypicalMessage(history_tokens=1500, answer_tokens=250)
    page = page_of(alice, f"/c/{conversation.id}/")
    # gpt-4o: (1500 + 100) × $2.50/1M + 250 × $10/1M = $0.004 + $0.0025 = $0.0065
    assert re.search(r'<option value="gpt-4o" [^>]*data-estimate="\$0.0065"', page)
    assert f'data-history="{1500}" data-answer="250"' in page
    assert TYPICAL_QUESTION_TOKENS == 100


def test_a_long_prompt_is_priced_at_its_tier(upstream):
    from llmhub import catalog
    from llmhub.models import CatalogModel

    CatalogModel.objects.filter(name="gpt-4o-mini").update(price_tiers={"tiers": [["input", 1000, "1.00"]]})
    catalog.invalidate()
    long = TypicalMessage(history_tokens=1000, answer_tokens=500)  # 1,100 prompt tokens: above the tier
    choice = next(c for g in ranked_groups(snapshot().models.values(), use=NO_USE, favourites=[], team_default="",
                                          message=long) for c in g.choices if c.name == "gpt-4o-mini")  # fmt: skip
    assert choice.estimate_exact == Decimal("0.0011") + Decimal("0.0003")


def test_the_page_orders_by_the_persons_and_the_teams_usage_records(upstream, alice, bob, charlie, acme, globex):
    used(alice, acme, "qwen-max", 3)
    used(bob, acme, "grok-2", 9)
    used(charlie, globex, "claude-3-opus", 50)  # another team's habits never reach alice's list
    page = page_of(alice)
    families = re.findall(r'<optgroup label="([^"]+)" data-group="([^"]+)"', page)
    assert [key for _label, key in families][:3] == ["auto", "Qwen", "Grok"]
    assert optgroup(page, "Qwen")[0] == "qwen-max"


def test_favourites_are_kept_per_person(upstream, alice, bob):
    starred = client_for(alice).post("/c/model/favourite", {"model": "o1", "favourite": "1"}, secure=True)
    assert starred.status_code == 200 and starred.json() == {"model": "o1", "favourite": True}
    assert (
        client_for(alice).post("/c/model/favourite", {"model": "o1", "favourite": "1"}, secure=True).status_code == 200
    )
    assert list(ModelFavourite.objects.filter(user=alice.user).values_list("model", flat=True)) == ["o1"]
    assert optgroup(page_of(alice), "Pinned") == ["o1"]
    assert re.search(r'<option value="o1" [^>]*data-pin="favourite"', page_of(alice))
    assert optgroup(page_of(bob), "Pinned") == []
    unstarred = client_for(alice).post("/c/model/favourite", {"model": "o1", "favourite": "0"}, secure=True)
    assert unstarred.json()["favourite"] is False and optgroup(page_of(alice), "Pinned") == []


def test_a_model_not_offered_cannot_be_starred(upstream, alice):
    refused = client_for(alice).post("/c/model/favourite", {"model": "gpt-9", "favourite": "1"}, secure=True)
    assert refused.status_code == 400
    assert refused.json()["error"]["code"] == "model_not_found" and refused.json()["error"]["type"]
    assert not ModelFavourite.objects.exists()
    assert Client().post("/c/model/favourite", {"model": "o1", "favourite": "1"}, secure=True).status_code == 302


def test_a_team_admin_pins_the_teams_default_for_every_member(upstream, alice, bob, charlie, acme):
    made = client_for(alice).post("/c/model/team-default", {"team": "acme", "model": "claude-3-opus"}, secure=True)
    assert made.status_code == 200 and TeamModelDefault.objects.get(team=acme).model == "claude-3-opus"
    page = page_of(bob)
    assert optgroup(page, "Pinned") == ["claude-3-opus"]
    assert re.search(r'<option value="claude-3-opus" [^>]*data-pin="team"[^>]* selected>', page)  # bob's new chat
    assert 'id="model-team-default"' not in page and 'id="model-team-default"' in page_of(alice)
    assert optgroup(page_of(charlie), "Pinned") == []


def test_only_the_teams_admins_set_its_default(upstream, alice, bob, charlie, acme):
    member = client_for(bob).post("/c/model/team-default", {"team": "acme", "model": "o1"}, secure=True)
    assert member.status_code == 403 and member.json()["error"]["code"]
    outsider = client_for(charlie).post("/c/model/team-default", {"team": "acme", "model": "o1"}, secure=True)
    assert outsider.status_code == 404
    unknown = client_for(alice).post("/c/model/team-default", {"team": "acme", "model": "gpt-9"}, secure=True)
    assert unknown.status_code == 400
    assert not TeamModelDefault.objects.exists()


def test_the_estimates_follow_the_conversation_and_only_its_owner_reads_them(upstream, alice, charlie):
    conversation = new_conversation(alice, model="gpt-4o-mini")
    Message.objects.create(conversation=conversation, role=Message.ASSISTANT, prompt_tokens=1200, completion_tokens=300)
    body = client_for(alice).get(f"/c/{conversation.id}/model-estimates", secure=True).json()
    # gpt-4o-mini: 1,600 × $0.15/1M + 300 × $0.60/1M = $0.00024 + $0.00018
    assert body["history"] == 1500 and body["answer"] == 300 and body["estimates"]["gpt-4o-mini"] == "$0.00042"
    assert "auto" not in body["estimates"]  # a route's price depends on the model it picks
    assert client_for(charlie).get(f"/c/{conversation.id}/model-estimates", secure=True).status_code == 404
