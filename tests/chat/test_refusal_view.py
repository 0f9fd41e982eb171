"""The chat's own words for a refusal (the team's name, "this answer could cost up to …", the reset time as ISO),
in English and Chinese, and the cheapest model a refused message would run on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from billing.budgets import budget_exceeded, period_of
from billing.ledger import grant_credits
from billing.models import Budget, BudgetSpend, Membership, Team
from chat.refusal_view import refusal_for, suggested_amount
from llmhub.catalog import snapshot, worst_case_cost
from llmhub.errors import InsufficientCredits, InvalidRequest
from llmhub.gateway import cheapest_fitting_model
from llmhub.gateway.tokens import measure
from llmhub.providers.base import ChatRequest

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 6, 15, 30, tzinfo=dt.UTC)
PICTURE = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="


def _request(text: str = "hi", model: str = "gpt-4o", images: int = 0) -> ChatRequest:
    content: object = text
    if images:
        content = [{"type": "text", "text": text}, *[{"type": "image_url", "image_url": {"url": PICTURE}}] * images]
    return ChatRequest(model=model, messages=[{"role": "user", "content": content}], stream=True)


@pytest.fixture
def research(db):
    team = Team.objects.create(slug="acme-research", name="Acme Research")
    grant_credits(team=team, amount=Decimal("0.12"), memo="test")
    return team


@pytest.fixture
def member(research):
    user = get_user_model().objects.create_user("dora", "dora@example.com", "pw", first_name="Dora", last_name="Li")
    Membership.objects.create(user=user, team=research, role=Membership.MEMBER)
    return user


def _shown(refused: Any, **where: Any) -> dict[str, Any]:
    refusal = refusal_for(refused, **where)
    assert refusal is not None
    return refusal


def _out_of_credits(hold: str = "4.80", available: str = "0.12") -> InsufficientCredits:
    return InsufficientCredits("api words", available=Decimal(available), hold=Decimal(hold))


def test_out_of_credits_reads_as_plain_words_with_the_teams_name(upstream, research):
    with translation.override("en"):
        refusal = _shown(_out_of_credits(), team_id=research.pk, request=_request())
    assert refusal["code"] == "out_of_credits" and refusal["team"] == "Acme Research"
    assert refusal["words"] == (
        "This answer could cost up to $4.80; Acme Research has $0.12 left. Ask for credits: the hub's staff will decide."
    )
    assert (refusal["cost_up_to"], refusal["left"]) == ("4.80", "0.12")
    assert refusal["ask_url"] == "/teams/acme-research/credits/ask/?amount=5.00" and refusal["ask_amount"] == "5.00"
    for developer_words in ("max_tokens", "held in full", "acme-research ", "Insufficient"):
        assert developer_words not in refusal["words"]


def test_out_of_credits_in_chinese(upstream, research):
    with translation.override("zh-hans"):
        refusal = _shown(_out_of_credits(), team_id=research.pk, request=_request())
    assert refusal["words"] == "这条回答最多可能花费 $4.80；Acme Research 还剩 $0.12。 申请额度：由平台管理员决定。"


def test_a_team_with_nothing_left_is_told_so(upstream, research):
    with translation.override("en"):
        refusal = _shown(_out_of_credits(available="-0.5"), team_id=research.pk, request=_request())
    assert refusal["words"].startswith("Acme Research has no credits left, so this answer cannot run.")
    assert refusal["left"] == "0.00"


def test_member_sentences_show_whole_cents_a_cost_rounded_up_and_what_is_left_down(upstream, research):
    with translation.override("en"):
        refusal = _shown(_out_of_credits("0.1638675", "0.019"), team_id=research.pk, request=_request())
    assert refusal["words"].startswith("This answer could cost up to $0.17; Acme Research has $0.01 left.")
    assert (refusal["cost_up_to"], refusal["left"]) == ("0.1638675", "0.019")


def test_a_fraction_of_a_cent_left_reads_less_than_a_cent_not_nothing(upstream, research):
    with translation.override("en"):
        refusal = _shown(_out_of_credits("6.01", "0.0001"), team_id=research.pk, request=_request())
    assert refusal["words"].startswith("This answer could cost up to $6.01; Acme Research has less than $0.01 left.")
    assert refusal["left"] == "0.0001"
    with translation.override("zh-hans"):
        refusal = _shown(_out_of_credits("6.01", "0.0001"), team_id=research.pk, request=_request())
    assert refusal["words"].startswith("这条回答最多可能花费 $6.01；Acme Research 还剩 不到 $0.01。")


def test_the_suggested_amount_is_the_shortfall_in_whole_dollars_at_least_five():
    assert suggested_amount(Decimal("4.80"), Decimal("0.12")) == Decimal("5")
    assert suggested_amount(Decimal("12.01"), Decimal("0.50")) == Decimal("12")
    assert suggested_amount(Decimal("12.51"), Decimal("0.50")) == Decimal("13")
    assert suggested_amount(Decimal("30"), Decimal("-4")) == Decimal("30")


def _cap_refusal(member, research, *, period=Budget.MONTHLY, user=True):
    budget = Budget.objects.create(
        team=research, user=member if user else None, amount=Decimal("5"), period=period, is_hard=True
    )
    window = period_of(budget.period, NOW)
    row = BudgetSpend.objects.create(
        budget=budget, period_start=window.start, spent=Decimal("4.90"), reserved=Decimal("0.05")
    )
    return budget_exceeded(budget, window, row, Decimal("0.30"), NOW)


def test_a_member_cap_names_the_team_the_limit_and_when_it_starts_again(upstream, research, member, settings):
    settings.TIME_ZONE = "UTC"
    with translation.override("en"):
        refusal = _shown(_cap_refusal(member, research), team_id=research.pk, request=_request())
    assert refusal["code"] == "member_cap"
    assert refusal["resets_at"] == "2027-01-01T00:00:00+00:00"
    assert refusal["resets_shown"] == "1 Jan 2027 00:00 (UTC)"
    assert refusal["words"] == (
        "Your monthly limit on Acme Research is $5.00. This answer could cost up to $0.30, and $0.05 of your limit "
        "is left. It starts again on 1 Jan 2027 00:00 (UTC). To raise it, ask the hub's staff."
    )
    assert (refusal["limit"], refusal["cost_up_to"], refusal["left"]) == ("5.00", "0.30", "0.05")
    assert "ask_url" not in refusal  # credits would not lift a cap
    # The API's message stays the developers' one.
    assert "member" not in refusal["words"] and "acme-research" not in refusal["words"]


def test_a_cap_names_the_team_admins_who_can_raise_it(upstream, research, member):
    lead = get_user_model().objects.create_user("lena", "lena@example.com", "pw", first_name="Lena", last_name="Wu")
    Membership.objects.create(user=lead, team=research, role=Membership.ADMIN)
    with translation.override("en"):
        refusal = _shown(_cap_refusal(member, research), team_id=research.pk, request=_request())
    assert refusal["words"].endswith("To raise it, ask Lena Wu.")


def test_a_team_budget_in_chinese(upstream, research, member, settings):
    settings.TIME_ZONE = "Asia/Shanghai"
    with translation.override("zh-hans"):
        refusal = _shown(
            _cap_refusal(member, research, period=Budget.DAILY, user=False), team_id=research.pk, request=_request()
        )
    assert refusal["code"] == "team_budget"
    assert refusal["resets_at"] == "2026-12-06T16:00:00+00:00"  # midnight in Shanghai
    assert refusal["words"] == (
        f"Acme Research 的每日预算为 $5.00。这条回答最多可能花费 $0.30，而预算只剩 $0.05。 "
        f"将于 {refusal['resets_shown']} 重新开始计算。 如需提高，请联系平台管理员。"
    )
    assert refusal["resets_shown"].endswith("(CST)") and "2026年12月7日" in refusal["resets_shown"]


def test_other_errors_get_no_refusal_payload(upstream, research):
    assert refusal_for(InvalidRequest("bad"), team_id=research.pk, request=_request()) is None


# --- the cheaper model -------------------------------------------------------------------------------


def _floor_cost(model: str, request: ChatRequest) -> Decimal:
    """What the request costs on `model` with the output cap at its floor (256 tokens): the least it is admitted at."""
    size = measure(request.messages, None, request.params)
    return worst_case_cost(
        prompt_tokens=size.sent_ceiling,
        max_output_tokens=256,
        images=size.images,
        prices=snapshot().models[model].prices,
    )


def test_the_cheapest_model_that_fits_is_picked(upstream):
    request = _request("hi")
    assert cheapest_fitting_model(request, ["gpt-4o", "gpt-4o-mini", "o1"], Decimal("1")) == "gpt-4o-mini"
    # A short message: $0.14/$0.28 per 1M beats $0.075/$0.30 once 256 output tokens are counted.
    assert cheapest_fitting_model(request, ["gemini-1.5-flash", "deepseek-coder"], Decimal("1")) == "deepseek-coder"


def test_a_model_fits_down_to_its_output_floor_exactly(upstream, settings):
    settings.OUTPUT_CAP_FLOOR = 256
    request = _request("hi")
    least = _floor_cost("gpt-4o-mini", request)
    assert cheapest_fitting_model(request, ["gpt-4o", "gpt-4o-mini"], least) == "gpt-4o-mini"
    assert cheapest_fitting_model(request, ["gpt-4o", "gpt-4o-mini"], least - Decimal("0.00000001")) is None
    # gpt-4o fits at its own floor, and then it is the only one offered.
    assert cheapest_fitting_model(request, ["gpt-4o"], _floor_cost("gpt-4o", request)) == "gpt-4o"


def test_a_message_with_a_picture_only_goes_to_a_model_that_sees(upstream):
    request = _request("what is this?", images=1)
    assert cheapest_fitting_model(request, ["deepseek-coder", "gemini-1.5-flash"], Decimal("1")) == "gemini-1.5-flash"


def test_unknown_and_unfit_models_are_left_out(upstream):
    request = _request("hi")
    assert cheapest_fitting_model(request, ["no-such-model", "gpt-4o"], Decimal("0")) is None


def test_the_refusal_offers_the_cheapest_chat_model_that_fits_what_is_left(upstream, research):
    request = _request("hi", model="gpt-4o")
    refused = _out_of_credits(hold="0.20", available="0.0001")
    refusal = _shown(refused, team_id=research.pk, request=request)
    chat_models = [n for n in snapshot().models if not n.startswith(("text-embedding", "gemini-embedding"))]
    fitting = [n for n in chat_models if n != "gpt-4o" and _floor_cost(n, request) <= Decimal("0.0001")]
    cheapest = min(fitting, key=lambda n: (_floor_cost(n, request), n))
    assert refusal["cheaper_model"] == cheapest == "deepseek-coder"
    nothing = _shown(_out_of_credits(available="0"), team_id=research.pk, request=request)
    assert "cheaper_model" not in nothing
