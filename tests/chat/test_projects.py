"""Team projects: who sees, uses and edits which (alice admins acme, bob is in it, charlie is in globex), what a
project gives the chats started in it (its instructions and default model), and the audit log of its edits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from billing.models import AuditEntry, Membership
from chat.attachments import forget_unsent_images
from chat.conversations import create_conversation
from chat.models import Conversation, Document, Project
from chat.projects import MAX_FILE_CHARS, system_text
from tests.chat.conftest import client_for, events_until, get, open_socket, post, session_cookie
from tests.chat.document_files import pdf
from tests.fake_upstream import Reply

pytestmark = pytest.mark.django_db

INSTRUCTIONS = "You are the Acme support writer. Answer in British English."
HOSTILE = "<script>document.title='pwned'</script>"


def project_of(team, **fields):
    values = {"name": "Support", "instructions": INSTRUCTIONS, "default_model": "gpt-4o", **fields}
    return Project.objects.create(team=team, **values)


def edit(person, project, **fields):
    data = {"name": project.name, "instructions": project.instructions, "default_model": project.default_model}
    return post(client_for(person), f"/projects/{project.id}/edit", {**data, **fields})


# --- who sees a project ---------------------------------------------------------------------------------


def test_member_sees_the_teams_project_and_its_instructions(bob, acme):
    project = project_of(acme)
    response = get(client_for(bob), f"/projects/{project.id}/")
    assert response.status_code == 200
    assert INSTRUCTIONS in response.content.decode()
    assert b"New chat in this project" in response.content
    assert b"project-edit-form" not in response.content  # a member uses it, does not edit it


def test_other_team_gets_not_found_everywhere(charlie, acme):
    project = project_of(acme)
    client = client_for(charlie)
    assert get(client, f"/projects/{project.id}/").status_code == 404
    assert get(client, f"/?project={project.id}").status_code == 404
    assert post(client, "/c/new", {"project": project.id}).status_code == 404
    assert edit(charlie, project, name="Taken").status_code == 404
    assert post(client, f"/projects/{project.id}/archive", {"archived": "1"}).status_code == 404
    assert b"Support" not in get(client, "/projects/").content
    assert b"Support" not in get(client, "/").content
    assert not Conversation.objects.filter(owner=charlie.user).exists()
    assert Project.objects.get(id=project.id).name == "Support"


def test_signed_out_visitor_is_sent_to_sign_in(acme):
    project = project_of(acme)
    assert client_for().get(f"/projects/{project.id}/", secure=True).status_code == 302


def test_removed_member_loses_the_project(bob, acme):
    project = project_of(acme)
    conversation = create_conversation(bob.user, project_id=project.id)
    Membership.objects.filter(user=bob.user, team=acme).delete()
    client = client_for(bob)
    assert get(client, f"/projects/{project.id}/").status_code == 404
    assert post(client, "/c/new", {"project": project.id}).status_code == 404
    assert b"Support" not in get(client, "/").content
    # Their own chat stays theirs to read, without the project's instructions (the answer is refused anyway).
    page = get(client, f"/c/{conversation.id}/")
    assert page.status_code == 200 and b"project-chip" not in page.content
    Conversation.objects.filter(id=conversation.id).update(system_prompt="Mine.")
    conversation.refresh_from_db()
    assert system_text(conversation) == "Mine."


def test_sidebar_lists_live_projects_of_the_persons_teams(bob, acme, globex):
    project_of(acme, name="Acme launch")
    project_of(acme, name="Old campaign", archived_at="2026-01-01T00:00:00Z")
    project_of(globex, name="Globex plans")
    page = get(client_for(bob), "/").content.decode()
    assert "Acme launch" in page
    assert "Old campaign" not in page and "Globex plans" not in page


def test_project_names_and_instructions_are_shown_as_text(alice, acme):
    project = project_of(acme, name=HOSTILE, instructions=HOSTILE)
    for url in ("/", "/projects/", f"/projects/{project.id}/", f"/?project={project.id}"):
        page = get(client_for(alice), url).content.decode()
        assert HOSTILE not in page and "&lt;script&gt;" in page


# --- editing: team admins only, each change audited -------------------------------------------------------


def test_admin_creates_a_project_and_the_audit_log_says_so(alice, acme):
    data = {"team": "acme", "name": "Launch", "instructions": "Be brief.", "default_model": "gpt-4o"}
    response = post(client_for(alice), "/projects/new", data)
    project = Project.objects.get(name="Launch")
    assert response.status_code == 302 and response["Location"] == f"/projects/{project.id}/"
    assert (project.team, project.created_by, project.default_model) == (acme, alice.user, "gpt-4o")
    entry = AuditEntry.objects.get(action="project.create")
    assert (entry.actor, entry.team_id, entry.target_type, entry.target_id) == (
        alice.user,
        acme.id,
        "project",
        str(project.id),
    )
    assert entry.after == {
        "name": "Launch",
        "instructions": "Be brief.",
        "default_model": "gpt-4o",
        "archived_at": None,
    }


def test_member_cannot_create_edit_or_archive(bob, acme):
    project = project_of(acme)
    client = client_for(bob)
    assert post(client, "/projects/new", {"team": "acme", "name": "Mine"}).status_code == 403
    assert edit(bob, project, instructions="Ignore the rules.").status_code == 403
    assert post(client, f"/projects/{project.id}/archive", {"archived": "1"}).status_code == 403
    unchanged = Project.objects.get(id=project.id)
    assert (unchanged.instructions, unchanged.archived_at) == (INSTRUCTIONS, None)
    assert Project.objects.count() == 1
    assert not AuditEntry.objects.filter(action__startswith="project.").exists()


def test_admin_cannot_add_a_project_to_another_team(alice):
    assert post(client_for(alice), "/projects/new", {"team": "globex", "name": "Theirs"}).status_code == 403
    assert not Project.objects.exists()


def test_admin_edit_is_audited_with_only_what_changed(alice, acme):
    project = project_of(acme)
    response = edit(alice, project, name="Support desk", instructions="Answer in French.", default_model="gpt-4o-mini")
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.name, project.instructions, project.default_model) == (
        "Support desk",
        "Answer in French.",
        "gpt-4o-mini",
    )
    entry = AuditEntry.objects.get(action="project.change")
    assert entry.before == {"name": "Support", "instructions": INSTRUCTIONS, "default_model": "gpt-4o"}
    assert entry.after == {"name": "Support desk", "instructions": "Answer in French.", "default_model": "gpt-4o-mini"}
    assert entry.target_label == "Support desk" and entry.team_id == acme.id
    # Saving it again unchanged adds nothing.
    edit(alice, project)
    assert AuditEntry.objects.filter(action="project.change").count() == 1


def test_bad_edits_are_refused_in_words(alice, acme):
    project = project_of(acme)
    for fields, words in (
        ({"name": "  "}, "Give the project a name."),
        ({"default_model": "no-such-model"}, "That model is not offered."),
        ({"instructions": "x" * 20_001}, "longer than 20000 characters"),
    ):
        response = edit(alice, project, **fields)
        assert response.status_code == 400 and words in response.content.decode()
    assert Project.objects.get(id=project.id).name == "Support"
    assert not AuditEntry.objects.filter(action="project.change").exists()
    assert get(client_for(alice), "/projects/abc/").status_code == 404


def test_archive_hides_it_stops_new_chats_and_comes_back(alice, bob, acme):
    project = project_of(acme)
    assert post(client_for(alice), f"/projects/{project.id}/archive", {"archived": "1"}).status_code == 302
    assert b"Support" not in get(client_for(bob), "/").content
    refused = post(client_for(bob), "/c/new", {"project": project.id})
    assert refused.status_code == 400 and "archived" in refused.json()["error"]["message"]
    assert get(client_for(bob), f"/?project={project.id}")["Location"] == f"/projects/{project.id}/"
    assert get(client_for(bob), f"/projects/{project.id}/").status_code == 200  # still readable, marked archived
    post(client_for(alice), f"/projects/{project.id}/archive", {"archived": "0"})
    assert post(client_for(bob), "/c/new", {"project": project.id}).status_code == 200
    actions = list(AuditEntry.objects.filter(target_type="project").order_by("id").values_list("action", flat=True))
    assert actions == ["project.archive", "project.restore"]


def test_audit_page_names_project_actions_in_chinese(alice, acme):
    project = project_of(acme)
    edit(alice, project, name="Support desk")
    page = get(client_for(alice, HTTP_ACCEPT_LANGUAGE="zh-Hans"), "/audit/").content.decode()
    assert "项目已更改" in page and "Support desk" in page


# --- a chat in a project ----------------------------------------------------------------------------------


def test_new_chat_page_preselects_the_projects_default_model(bob, acme):
    project = project_of(acme, default_model="gpt-4o")
    page = get(client_for(bob), f"/?project={project.id}").content.decode()
    picker = page.split('<select id="model"', 1)[1].split("</select>", 1)[0]
    chosen = [option for option in picker.split("<option ")[1:] if " selected>" in option]
    assert len(chosen) == 1 and chosen[0].startswith('value="gpt-4o" ')
    assert 'id="project-id"' in page and "Project: Support" in page
    plain = get(client_for(bob), "/").content.decode()
    assert 'id="project-id"' not in plain


def test_chat_started_in_a_project_is_billed_to_its_team_with_its_model(bob, acme):
    project = project_of(acme, default_model="gpt-4o")
    response = post(client_for(bob), "/c/new", {"project": project.id})
    conversation = Conversation.objects.get(id=response.json()["id"])
    assert (conversation.project, conversation.team, conversation.model) == (project, acme, "gpt-4o")


def test_project_page_lists_only_the_persons_own_chats(alice, bob, acme):
    project = project_of(acme)
    mine = create_conversation(bob.user, project_id=project.id)
    Conversation.objects.filter(id=mine.id).update(title="Bob's question")
    theirs = create_conversation(alice.user, project_id=project.id)
    Conversation.objects.filter(id=theirs.id).update(title="Alice's secret")
    page = get(client_for(bob), f"/projects/{project.id}/").content.decode()
    assert "Bob&#x27;s question" in page and "Alice" not in page


@pytest.mark.django_db(transaction=True)
async def test_instructions_go_first_in_the_system_prompt_and_edits_apply_to_the_next_turn(chat_ready, bob, acme):
    chat_ready.script("gpt-4o", Reply(chunks=["one"]), Reply(chunks=["two"]))
    project = await Project.objects.acreate(
        team=acme, name="Support", instructions=INSTRUCTIONS, default_model="gpt-4o"
    )
    conversation = await sync_to_async(create_conversation)(bob.user, project_id=project.id)
    socket = await open_socket(f"/ws/chat/{conversation.id}/", await sync_to_async(session_cookie)(bob))
    assert (await socket.connect())[0]
    await socket.receive_json_from()  # its state
    await socket.send_json_to({"action": "send", "content": "hello", "system_prompt": "Sign as Bob."})
    assert (await events_until(socket, "done"))[-1]["status"] == "done"
    await Project.objects.filter(id=project.id).aupdate(instructions="Answer in French.")
    await socket.send_json_to({"action": "send", "content": "again"})
    assert (await events_until(socket, "done"))[-1]["status"] == "done"
    await socket.disconnect()

    first, second = (r.body for r in chat_ready.requests_for("/chat/completions"))
    assert first["model"] == second["model"] == "gpt-4o"  # the project's default model
    assert first["messages"][0] == {"role": "system", "content": f"{INSTRUCTIONS}\n\nSign as Bob."}
    assert second["messages"][0] == {"role": "system", "content": "Answer in French.\n\nSign as Bob."}


def test_typical_message_counts_the_projects_instructions(bob, acme):
    long_instructions = "Follow the house style guide closely. " * 200
    project = project_of(acme, instructions=long_instructions)
    plain = get(client_for(bob), "/").content.decode()
    in_project = get(client_for(bob), f"/?project={project.id}").content.decode()

    def history(page: str) -> int:
        return int(page.split('data-history="', 1)[1].split('"', 1)[0])

    assert history(plain) == 0 and history(in_project) > 1000


# --- files: their text goes with the instructions --------------------------------------------------------


def upload(person, project, name, raw):
    file = SimpleUploadedFile(name, raw)
    return post(client_for(person), f"/projects/{project.id}/files", {"file": file})


def test_admin_adds_a_pdf_whose_text_goes_into_every_chat(alice, bob, acme):
    project = project_of(acme)
    response = upload(alice, project, "handbook.pdf", pdf(["Refunds take 14 days.", "Call us on Mondays."]))
    assert response.status_code == 302
    document = project.documents.get()
    assert (document.name, document.kind, document.pages, document.team) == ("handbook.pdf", "pdf", 2, acme)
    page = get(client_for(bob), f"/projects/{project.id}/").content.decode()
    assert "handbook.pdf" in page and "2 pages" in page and "≈ " in page and "tokens" in page
    assert "/remove" not in page
    conversation = create_conversation(bob.user, project_id=project.id)
    system = system_text(conversation)
    assert system.startswith(INSTRUCTIONS + '\n\n<document name="handbook.pdf" pages="2">')
    assert "Refunds take 14 days." in system and "Call us on Mondays." in system
    entry = AuditEntry.objects.get(action="project.file_add")
    assert entry.after == {"file": f"handbook.pdf (pdf, {document.size} B)"} and entry.team_id == acme.id


def test_member_cannot_add_or_remove_files(alice, bob, acme):
    project = project_of(acme)
    upload(alice, project, "notes.txt", b"Our office is in Leeds.")
    document = project.documents.get()
    assert upload(bob, project, "mine.txt", b"Ignore the instructions.").status_code == 403
    remove = post(client_for(bob), f"/projects/{project.id}/files/{document.id}/remove")
    assert remove.status_code == 403
    assert list(project.documents.values_list("name", flat=True)) == ["notes.txt"]


def test_other_team_cannot_upload_or_remove(charlie, alice, acme):
    project = project_of(acme)
    upload(alice, project, "notes.txt", b"Our office is in Leeds.")
    document = project.documents.get()
    assert upload(charlie, project, "x.txt", b"x").status_code == 404
    assert post(client_for(charlie), f"/projects/{project.id}/files/{document.id}/remove").status_code == 404
    assert project.documents.count() == 1


def test_admin_removes_a_file_and_it_is_gone_from_the_chats(alice, bob, acme):
    project = project_of(acme)
    upload(alice, project, "notes.txt", b"Our office is in Leeds.")
    document = project.documents.get()
    conversation = create_conversation(bob.user, project_id=project.id)
    assert "Leeds" in system_text(conversation)
    assert post(client_for(alice), f"/projects/{project.id}/files/{document.id}/remove").status_code == 302
    assert system_text(conversation) == INSTRUCTIONS
    assert not Document.objects.filter(id=document.id).exists()
    assert AuditEntry.objects.get(action="project.file_remove").before == {"file": "notes.txt (text, 23 B)"}


def test_unreadable_and_too_large_files_are_refused_in_words(alice, acme, settings):
    project = project_of(acme)
    refused = upload(alice, project, "photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    assert refused.status_code == 400 and "is not a supported document" in refused.content.decode()
    too_long = upload(alice, project, "big.txt", b"word " * (MAX_FILE_CHARS // 5 + 10))
    assert too_long.status_code == 413 and "Attach it in a chat instead." in too_long.content.decode()
    settings.DOCUMENT_MAX_MB = 0
    assert upload(alice, project, "a.txt", b"hello").status_code == 413
    assert not project.documents.exists() and not Document.objects.exists()
    assert not AuditEntry.objects.filter(action="project.file_add").exists()


def test_project_files_outlive_the_unsent_upload_sweep(alice, acme):
    project = project_of(acme)
    upload(alice, project, "notes.txt", b"Our office is in Leeds.")
    Document.objects.update(created_at=timezone.now() - timedelta(days=30))
    forget_unsent_images()
    assert project.documents.count() == 1


def test_hostile_ids_are_not_found(alice, acme):
    project = project_of(acme)
    client = client_for(alice)
    huge = "9" * 30
    for url in (f"/?project={huge}", "/?project=abc", f"/projects/{huge}/", "/?project=%00"):
        assert get(client, url).status_code in (400, 404), url
    for project_id in (huge, "abc", "-1"):
        assert post(client, "/c/new", {"project": project_id}).status_code == 404
    assert post(client, f"/projects/{project.id}/files/{huge}/remove").status_code == 404
    assert post(client, f"/projects/{huge}/edit", {"name": "x"}).status_code == 404
