"""Team projects in Chromium, in English and in Simplified Chinese: a lead (alice, acme's admin) creates a project
with instructions and a default model; a member (bob) opens it from the sidebar, starts a chat in it, and the
answer follows the instructions. The fake upstream answers as a model that obeys its system prompt."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import expect

from billing.models import AuditEntry
from chat.models import Conversation, Project
from tests.fake_upstream import Answered, Reply

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

OPENING = re.compile(r"Begin every answer with “([^”]+)”")
DOCUMENT = re.compile(r'<document name="([^"]+)"[^>]*>\n([^\n]+)')


def obeys_its_instructions(body: Any) -> Reply:
    """Says the opening its system prompt asks for, then quotes the first line of each document it was given."""
    system = next((m["content"] for m in body["messages"] if m["role"] == "system"), "")
    asked = OPENING.search(system)
    quoted = [f" {name} says: {line}" for name, line in DOCUMENT.findall(system)]
    return Reply(chunks=[f"{asked.group(1)} " if asked else "", "Here is the answer.", *quoted])


def fits_the_width(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def lead_creates_project(page: Any, *, name: str, instructions: str) -> Project:
    page.goto("/projects/")
    page.locator("#project-name").fill(name)
    page.locator("#project-instructions").fill(instructions)
    page.locator("#project-model").select_option("gpt-4o")
    page.locator("#project-name").press("Enter")
    expect(page.locator("#project-title")).to_have_text(name)
    expect(page.locator("#project-instructions-text")).to_have_text(instructions)
    expect(page.locator("#project-model")).to_have_text("gpt-4o")
    return Project.objects.get(name=name)


def member_chats_in_it(page: Any, project: Project, question: str) -> None:
    page.goto("/")
    page.locator(f'.sidebar-projects a[data-project="{project.id}"]').click()
    expect(page.locator("#project-title")).to_have_text(project.name)
    assert page.locator("#project-edit-form").count() == 0  # a member uses it, does not edit it
    page.locator("#project-new-chat").click()
    expect(page.locator("#project-chip")).to_contain_text(project.name)
    expect(page.locator("#model")).to_have_value("gpt-4o")  # the project's default model, preselected
    page.locator("#message").fill(question)
    page.locator("#message").press("Enter")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)


def test_a_project_shared_by_a_lead_is_used_by_a_member(page_for, alice, bob, upstream):
    upstream.script("gpt-4o", Answered(obeys_its_instructions))
    instructions = "You write for Acme support. Begin every answer with “Ahoy from Support”."
    lead = page_for(alice)
    project = lead_creates_project(lead, name="Support desk", instructions=instructions)
    lead.locator("#project-file").set_input_files(
        files=[{"name": "refunds.md", "mimeType": "text/markdown", "buffer": b"Refunds take 14 days.\nNo cash."}]
    )
    lead.get_by_role("button", name="Upload").click()
    expect(lead.locator("#project-files")).to_contain_text("refunds.md")
    actions = AuditEntry.objects.filter(target_id=str(project.id), actor=alice.user).values_list("action", flat=True)
    assert sorted(actions) == ["project.create", "project.file_add"]

    page = page_for(bob)
    member_chats_in_it(page, project, "How do I reset my password?")
    answer = page.locator("article.msg-assistant").last
    expect(answer.locator(".msg-body")).to_have_text(
        "Ahoy from Support Here is the answer. refunds.md says: Refunds take 14 days."
    )
    expect(answer.locator(".msg-model")).to_have_text("gpt-4o")
    sent = upstream.requests_for("/chat/completions")[-1].body
    assert sent["model"] == "gpt-4o"
    assert sent["messages"][0]["role"] == "system"
    assert sent["messages"][0]["content"].startswith(instructions + '\n\n<document name="refunds.md">')
    conversation = Conversation.objects.get(owner=bob.user)
    assert conversation.project_id == project.id and conversation.team_id == project.team_id
    # The project's page lists the chat for bob, under its title.
    page.locator("#project-chip").click()
    expect(page.locator(".project-chats a")).to_have_text(["How do I reset my password?"])


def test_project_in_chinese_on_a_phone(page_for, alice, bob, upstream):
    upstream.script("gpt-4o", Answered(obeys_its_instructions))
    lead = page_for(alice, locale="zh-CN")
    expect(lead.get_by_role("link", name="项目", exact=True)).to_be_visible()
    project = lead_creates_project(lead, name="客服项目", instructions="Begin every answer with “您好，客服”.")
    expect(lead.get_by_role("button", name="保存项目")).to_be_visible()
    expect(lead.get_by_role("button", name="归档项目")).to_be_visible()

    page = page_for(bob, locale="zh-CN", width=390, height=844)
    page.goto(f"/projects/{project.id}/")
    expect(page.get_by_role("heading", name="你在此项目中的对话")).to_be_visible()
    assert fits_the_width(page)
    page.goto("/")
    page.locator("#sidebar-toggle").click()  # on a phone the sidebar opens over the chat
    expect(page.locator(".sidebar-projects")).to_contain_text("客服项目")
    page.locator(f'.sidebar-projects a[data-project="{project.id}"]').click()
    expect(page.locator("#project-new-chat")).to_have_text("在此项目中新建对话")
    page.locator("#project-new-chat").click()
    expect(page.locator("#project-chip")).to_have_text("项目：客服项目")
    assert fits_the_width(page)
    expect(page.locator("#model")).to_have_value("gpt-4o")
    page.locator("#message").fill("怎么重置密码？")
    page.locator("#message").press("Enter")
    answer = page.locator("article.msg-assistant").last
    expect(answer).to_have_attribute("data-status", "done", timeout=10000)
    expect(answer.locator(".msg-body")).to_have_text("您好，客服 Here is the answer.")
    assert fits_the_width(page)
