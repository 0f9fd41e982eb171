"""Folders and pins in the chat sidebar: only the owner's conversations and folders, deleting a folder keeps
its conversations, the sidebar's sections."""

from __future__ import annotations

import pytest

from chat.models import Conversation, Folder
from tests.chat.conftest import client_for, new_conversation, post

pytestmark = pytest.mark.django_db


def test_create_rename_and_delete_a_folder(alice):
    client = client_for(alice)
    created = post(client, "/c/folders/new", {"name": "  Work   trips "})
    assert created.status_code == 200
    folder = Folder.objects.get(id=created.json()["id"])
    assert (folder.owner_id, folder.name) == (alice.user.id, "Work trips")
    assert post(client, f"/c/folders/{folder.id}/rename", {"name": "Travel"}).json()["name"] == "Travel"
    assert post(client, f"/c/folders/{folder.id}/delete").status_code == 200
    assert not Folder.objects.filter(id=folder.id).exists()


def test_new_folders_go_last(alice):
    client = client_for(alice)
    first = post(client, "/c/folders/new", {"name": "A"}).json()["id"]
    second = post(client, "/c/folders/new", {"name": "B"}).json()["id"]
    assert list(Folder.objects.filter(owner=alice.user).values_list("id", flat=True)) == [first, second]


def test_a_folder_needs_a_name(alice):
    response = post(client_for(alice), "/c/folders/new", {"name": "   "})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_request"
    assert not Folder.objects.exists()


def test_deleting_a_folder_keeps_its_conversations_unfiled(alice):
    client = client_for(alice)
    conversation = new_conversation(alice, title="Kept")
    folder = Folder.objects.create(owner=alice.user, name="Old")
    assert post(client, f"/c/{conversation.id}/folder", {"folder": folder.id}).json()["folder"] == folder.id
    post(client, f"/c/folders/{folder.id}/delete")
    conversation.refresh_from_db()
    assert conversation.folder_id is None


def test_move_into_a_folder_and_out_again(alice):
    client = client_for(alice)
    conversation = new_conversation(alice)
    before = Conversation.objects.get(id=conversation.id).updated_at
    folder = Folder.objects.create(owner=alice.user, name="Work")
    post(client, f"/c/{conversation.id}/folder", {"folder": folder.id})
    assert Conversation.objects.get(id=conversation.id).folder_id == folder.id
    post(client, f"/c/{conversation.id}/folder", {"folder": ""})
    moved = Conversation.objects.get(id=conversation.id)
    assert moved.folder_id is None
    assert moved.updated_at == before  # organising is not activity: the conversation keeps its date group


def test_pin_and_unpin(alice):
    client = client_for(alice)
    conversation = new_conversation(alice)
    assert post(client, f"/c/{conversation.id}/pin", {"pinned": "1"}).json()["pinned"] is True
    assert Conversation.objects.get(id=conversation.id).pinned_at is not None
    assert post(client, f"/c/{conversation.id}/pin", {"pinned": "0"}).json()["pinned"] is False
    assert Conversation.objects.get(id=conversation.id).pinned_at is None


def test_charlie_cannot_pin_or_move_alices_conversation(alice, charlie):
    conversation = new_conversation(alice)
    client = client_for(charlie)
    pinned = post(client, f"/c/{conversation.id}/pin", {"pinned": "1"})
    assert pinned.status_code == 404 and pinned.json()["error"]["code"] == "not_found"
    mine = Folder.objects.create(owner=charlie.user, name="Mine")
    assert post(client, f"/c/{conversation.id}/folder", {"folder": mine.id}).status_code == 404
    conversation.refresh_from_db()
    assert conversation.pinned_at is None and conversation.folder_id is None


def test_alice_cannot_move_into_charlies_folder(alice, charlie):
    conversation = new_conversation(alice)
    theirs = Folder.objects.create(owner=charlie.user, name="Theirs")
    response = post(client_for(alice), f"/c/{conversation.id}/folder", {"folder": theirs.id})
    assert response.status_code == 404
    assert Conversation.objects.get(id=conversation.id).folder_id is None


def test_charlie_cannot_rename_or_delete_alices_folder(alice, charlie):
    folder = Folder.objects.create(owner=alice.user, name="Alice's")
    client = client_for(charlie)
    assert post(client, f"/c/folders/{folder.id}/rename", {"name": "Mine now"}).status_code == 404
    assert post(client, f"/c/folders/{folder.id}/delete").status_code == 404
    assert Folder.objects.get(id=folder.id).name == "Alice's"


@pytest.mark.parametrize("folder", ["abc", "\x00", "9" * 30, "-1"])
def test_a_bad_folder_id_is_a_client_error(alice, folder):
    conversation = new_conversation(alice)
    response = post(client_for(alice), f"/c/{conversation.id}/folder", {"folder": folder})
    assert response.status_code in (400, 404)


def test_actions_need_the_csrf_token(alice):
    conversation = new_conversation(alice)
    response = post(client_for(alice, enforce_csrf_checks=True), f"/c/{conversation.id}/pin", {"pinned": "1"})
    assert response.status_code == 403
    assert Conversation.objects.get(id=conversation.id).pinned_at is None


def test_actions_are_post_only(alice):
    conversation = new_conversation(alice)
    assert client_for(alice).get(f"/c/{conversation.id}/pin", secure=True).status_code == 405


def test_sidebar_lists_pinned_then_folders_then_dates(alice, charlie):
    client = client_for(alice)
    pinned = new_conversation(alice, title="Pinned one")
    filed = new_conversation(alice, title="Filed one")
    new_conversation(alice, title="Recent one")
    new_conversation(charlie, title="Charlie's secret")
    folder = Folder.objects.create(owner=alice.user, name="Projects")
    post(client, f"/c/{pinned.id}/pin", {"pinned": "1"})
    post(client, f"/c/{filed.id}/folder", {"folder": folder.id})
    html = client.get("/c/list", secure=True).content.decode()
    assert html.index("Pinned one") < html.index("Projects") < html.index("Filed one") < html.index("Today")
    assert html.index("Today") < html.index("Recent one")
    assert "Charlie" not in html


def test_an_empty_folder_says_how_to_fill_it(alice):
    Folder.objects.create(owner=alice.user, name="Empty")
    html = client_for(alice).get("/", secure=True).content.decode()
    assert "No conversations in this folder yet." in html


def test_folder_names_are_escaped(alice):
    Folder.objects.create(owner=alice.user, name="<img src=x onerror=alert(1)>")
    html = client_for(alice).get("/c/list", secure=True).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x onerror=alert(1)&gt;" in html
