"""Share links: made by the owner only, a snapshot of the conversation, opened by whom their scope admits
(team-only: signed-in members; public: anyone), revoked or expired links answer 410, hostile answers inert."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from chat.models import ChatImage, SharedLink
from tests.chat.conftest import client_for, get, new_conversation, post

pytestmark = pytest.mark.django_db

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def lisbon(upstream, alice):
    conversation = new_conversation(alice, title="Trip to Lisbon", system_prompt="Secret house rules.")
    question = conversation.messages.create(role="user", content="Where to eat?")
    conversation.messages.create(
        role="assistant", content="Try **pastéis**.", model="gpt-4o", cost=Decimal("0.0012"), reply_to=question
    )
    return conversation


def share(person, conversation, scope="team", expires="7"):
    response = post(client_for(person), f"/c/{conversation.id}/share", {"scope": scope, "expires": expires})
    assert response.status_code == 201, response.content
    return response.json()


def path_of(link: dict[str, Any]) -> str:
    return re.sub(r"^https?://[^/]+", "", link["url"])


# --- Making and revoking links


def test_owner_makes_a_team_link_that_expires_in_the_days_chosen(lisbon, alice):
    link = share(alice, lisbon, "team", "7")
    stored = SharedLink.objects.get(id=link["id"])
    assert link["url"].endswith(f"/s/{stored.token}/") and len(stored.token) >= 43
    assert stored.scope == "team" and stored.created_by_id == alice.user.pk
    assert stored.expires_at is not None
    assert timedelta(days=7) - (stored.expires_at - timezone.now()) < timedelta(minutes=1)
    assert [m["content"] for m in stored.snapshot["messages"]] == ["Where to eat?", "Try **pastéis**."]


def test_a_team_link_may_never_expire_but_a_public_one_must(lisbon, alice):
    assert SharedLink.objects.get(id=share(alice, lisbon, "team", "never")["id"]).expires_at is None
    refused = post(client_for(alice), f"/c/{lisbon.id}/share", {"scope": "public", "expires": "never"})
    assert refused.status_code == 400
    assert refused.json()["error"]["param"] == "expires" and refused.json()["error"]["type"] == "invalid_request_error"
    assert not SharedLink.objects.filter(scope="public").exists()


@pytest.mark.parametrize("data", [{"scope": "world", "expires": "7"}, {"scope": "team", "expires": "365"}, {}])
def test_bad_choices_are_refused_with_an_error_body(lisbon, alice, data):
    refused = post(client_for(alice), f"/c/{lisbon.id}/share", data)
    assert refused.status_code == 400 and set(refused.json()["error"]) >= {"code", "message", "type"}


def test_an_empty_conversation_cannot_be_shared(upstream, alice):
    empty = new_conversation(alice)
    assert post(client_for(alice), f"/c/{empty.id}/share", {"scope": "team", "expires": "1"}).status_code == 400


def test_only_the_owner_can_share_a_conversation(lisbon, bob, charlie):
    for person in (bob, charlie):
        refused = post(client_for(person), f"/c/{lisbon.id}/share", {"scope": "public", "expires": "1"})
        assert refused.status_code == 404
    assert post(Client(), f"/c/{lisbon.id}/share", {"scope": "public", "expires": "1"}).status_code == 302
    assert not SharedLink.objects.exists()


def test_revoked_link_answers_410_with_a_human_page(lisbon, alice):
    link = share(alice, lisbon, "public", "1")
    assert get(Client(), path_of(link)).status_code == 200
    assert post(client_for(alice), f"/shared/{link['id']}/revoke").status_code == 302
    gone = get(Client(), path_of(link))
    assert gone.status_code == 410
    assert b"This link no longer works" in gone.content and b"Lisbon" not in gone.content


def test_revoke_answers_json_to_the_dialog(lisbon, alice):
    link = share(alice, lisbon)
    answer = post(client_for(alice), f"/shared/{link['id']}/revoke", HTTP_ACCEPT="application/json")
    assert answer.status_code == 200 and answer.json()["live"] is False
    assert get(client_for(alice), f"/c/{lisbon.id}/shares").json()["links"] == []


def test_nobody_else_can_revoke_a_link(lisbon, alice, bob, charlie):
    link = share(alice, lisbon)
    for person in (bob, charlie):
        assert post(client_for(person), f"/shared/{link['id']}/revoke").status_code == 404
        refused = post(client_for(person), f"/shared/{link['id']}/revoke", HTTP_ACCEPT="application/json")
        assert refused.status_code == 404 and refused.json()["error"]["code"] == "not_found"
    assert SharedLink.objects.get(id=link["id"]).revoked_at is None


def test_expired_link_answers_410(lisbon, alice, bob):
    link = share(alice, lisbon, "public", "1")
    SharedLink.objects.filter(id=link["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert get(Client(), path_of(link)).status_code == 410
    assert get(client_for(bob), path_of(link)).status_code == 410


def test_unknown_token_is_a_human_404(lisbon, alice):
    share(alice, lisbon, "public", "1")
    missing = get(Client(), "/s/not-a-real-token-at-all-0000000000000000000000/")
    assert missing.status_code == 404 and b"Not found" in missing.content


# --- Who opens what


def test_team_link_opens_for_members_with_costs(lisbon, alice, bob):
    link = share(alice, lisbon, "team")
    page = get(client_for(bob), path_of(link))
    assert page.status_code == 200
    body = page.content.decode()
    assert "Trip to Lisbon" in body and "Where to eat?" in body and "<strong>pastéis</strong>" in body
    assert "gpt-4o" in body and "$0.0012" in body
    assert "Secret house rules" not in body  # the system prompt is never shared
    assert "data-edit" not in body and "composer" not in body  # read-only: no edit, no message box


def test_team_link_is_404_for_another_team(lisbon, alice, charlie):
    link = share(alice, lisbon, "team")
    refused = get(client_for(charlie), path_of(link))
    assert refused.status_code == 404 and b"Lisbon" not in refused.content


def test_team_link_sends_a_signed_out_visitor_to_sign_in(lisbon, alice):
    link = share(alice, lisbon, "team")
    response = get(Client(), path_of(link))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/") and "next=/s/" in response["Location"]


def test_a_member_who_leaves_the_team_loses_a_team_link(lisbon, alice, bob):
    from billing.models import Membership

    link = share(alice, lisbon, "team")
    assert get(client_for(bob), path_of(link)).status_code == 200
    Membership.objects.filter(user=bob.user).delete()
    assert get(client_for(bob), path_of(link)).status_code == 404


def test_links_stop_with_their_conversation_or_a_switched_off_owner(lisbon, alice):
    link = share(alice, lisbon, "public", "1")
    alice.user.is_active = False
    alice.user.save()
    assert get(Client(), path_of(link)).status_code == 404
    alice.user.is_active = True
    alice.user.save()
    assert get(Client(), path_of(link)).status_code == 200
    lisbon.delete()
    assert get(Client(), path_of(link)).status_code == 404 and not SharedLink.objects.exists()


def test_public_link_opens_without_sign_in_and_shows_no_money(lisbon, alice, charlie):
    link = share(alice, lisbon, "public", "30")
    for client in (Client(), client_for(charlie)):
        page = get(client, path_of(link))
        assert page.status_code == 200
        body = page.content.decode()
        assert "<strong>pastéis</strong>" in body and "gpt-4o" in body
        assert "$" not in body and "tokens" not in body
    assert page["Cache-Control"] == "no-store" and page["Referrer-Policy"] == "no-referrer"


def test_public_link_shows_its_cost_to_a_team_member(lisbon, alice, bob):
    link = share(alice, lisbon, "public", "1")
    assert "$0.0012" in get(client_for(bob), path_of(link)).content.decode()


def test_the_link_shows_the_conversation_as_it_was_when_shared(lisbon, alice):
    link = share(alice, lisbon, "public", "1")
    lisbon.messages.create(role="user", content="And dessert later?")
    lisbon.title = "Renamed afterwards"
    lisbon.save()
    body = get(Client(), path_of(link)).content.decode()
    assert "Where to eat?" in body and "Trip to Lisbon" in body
    assert "dessert" not in body and "Renamed afterwards" not in body


def test_a_link_reaches_no_other_conversation(lisbon, alice):
    other = new_conversation(alice, title="Private plans")
    secret = other.messages.create(role="user", content="Do not share me", parts=[{"type": "chat_image", "id": 0}])
    image = ChatImage.objects.create(
        owner=alice.user, message=secret, content_type="image/png", data=PNG, size=len(PNG)
    )
    link = share(alice, lisbon, "public", "1")
    body = get(Client(), path_of(link)).content.decode()
    assert "Private plans" not in body and "Do not share me" not in body
    assert get(Client(), f"{path_of(link)}images/{image.id}").status_code == 404
    assert get(Client(), path_of(link).replace("/s/", f"/s/{other.id}")).status_code == 404


def test_shared_images_come_through_the_link_and_stop_with_it(upstream, alice, bob, charlie):
    conversation = new_conversation(alice, title="A picture")
    question = conversation.messages.create(role="user", content="What is this?")
    image = ChatImage.objects.create(
        owner=alice.user, message=question, content_type="image/png", data=PNG, size=len(PNG)
    )
    question.parts = [
        {"type": "chat_image", "id": image.id},
        {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
    ]
    question.save()
    conversation.messages.create(role="assistant", content="A dot.", model="gpt-4o", reply_to=question)
    public = share(alice, conversation, "public", "1")
    page = get(Client(), path_of(public)).content.decode()
    assert f'src="{path_of(public)}images/{image.id}"' in page
    assert "x.test" not in page and "linked from the web is not shown" in page
    served = get(Client(), f"{path_of(public)}images/{image.id}")
    assert served.status_code == 200 and served.content == PNG and served["Cache-Control"] == "no-store"
    assert get(Client(), f"/c/images/{image.id}").status_code == 302  # the owner's own address stays private
    team = share(alice, conversation, "team", "1")
    assert get(client_for(charlie), f"{path_of(team)}images/{image.id}").status_code == 404
    assert get(client_for(bob), f"{path_of(team)}images/{image.id}").status_code == 200
    post(client_for(alice), f"/shared/{public['id']}/revoke")
    assert get(Client(), f"{path_of(public)}images/{image.id}").status_code == 410


HOSTILE = [
    "<script>alert('script')</script>",
    "<img src=x onerror=\"alert('img')\">",
    "[click me](javascript:alert('link'))",
    '<a href="javascript:alert(1)">raw link</a> <iframe src="javascript:alert(2)"></iframe>',
    '<div style="position:fixed;inset:0" onmouseover="alert(3)">cover</div>',
]


class _Tags(HTMLParser):
    """Every element of a page with its attributes, and the text inside inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.script_text = ""
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.script_text += data


def test_hostile_messages_stay_inert_on_the_shared_page(upstream, alice):
    conversation = new_conversation(alice, title="<script>alert('title')</script>")
    question = conversation.messages.create(role="user", content="<img src=x onerror=alert('question')>")
    conversation.messages.create(
        role="assistant", content="\n\n".join(HOSTILE), model="<b onmouseover=alert(1)>m</b>", reply_to=question
    )
    body = get(Client(), path_of(share(alice, conversation, "public", "1"))).content.decode()
    parsed = _Tags()
    parsed.feed(body)
    names = [tag for tag, _attrs in parsed.tags]
    assert "iframe" not in names and "b" not in names
    assert all(
        attrs.get("src", "").startswith(("/static/", "/jsi18n/")) for tag, attrs in parsed.tags if tag == "script"
    )
    assert parsed.script_text.strip() == ""  # no inline script at all
    assert not [tag for tag, _attrs in parsed.tags if tag == "img" and _attrs.get("src") == "x"]
    for _tag, attrs in parsed.tags:
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        assert not (attrs.get("href") or "").strip().lower().startswith("javascript")
    assert "&lt;img src=x onerror=alert(&#x27;question&#x27;)&gt;" in body  # the question shows as text
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt;" in body


# --- The owner's list


def test_the_owner_lists_their_links_with_their_state(lisbon, alice, charlie):
    live = share(alice, lisbon, "public", "1")
    revoked = share(alice, lisbon, "team", "never")
    post(client_for(alice), f"/shared/{revoked['id']}/revoke")
    page = get(client_for(alice), "/shared/").content.decode()
    assert page.count("Trip to Lisbon") >= 2
    assert path_of(live) in page and path_of(revoked) not in page  # a dead link is not offered to copy
    assert "Working" in page and "Revoked" in page and "Anyone with the link" in page and "Members of Acme" in page
    assert f'action="/shared/{live["id"]}/revoke"' in page
    assert "Trip to Lisbon" not in get(client_for(charlie), "/shared/").content.decode()
    assert get(Client(), "/shared/").status_code == 302


def test_the_dialog_lists_only_live_links_of_that_conversation(lisbon, alice, charlie):
    live = share(alice, lisbon, "public", "1")
    expired = share(alice, lisbon, "team", "1")
    SharedLink.objects.filter(id=expired["id"]).update(expires_at=timezone.now() - timedelta(minutes=1))
    other = new_conversation(alice)
    other.messages.create(role="user", content="hello")
    share(alice, other, "team", "1")
    listed = get(client_for(alice), f"/c/{lisbon.id}/shares").json()["links"]
    assert [link["id"] for link in listed] == [live["id"]]
    assert get(client_for(charlie), f"/c/{lisbon.id}/shares").json()["links"] == []


def test_the_shared_page_is_in_chinese_for_chinese_readers(lisbon, alice):
    link = share(alice, lisbon, "public", "1")
    body = Client().get(path_of(link), secure=True, HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert "只读" in body
