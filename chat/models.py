"""Conversations and messages of the browser chat, and compare runs with their votes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models

from billing.models import MONEY, Team


class Conversation(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="conversations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="conversations")
    title = models.CharField(max_length=200, blank=True)
    system_prompt = models.TextField(blank=True)
    model = models.CharField(max_length=100)
    temperature = models.FloatField(null=True, blank=True)
    max_tokens = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)
    # Organising the sidebar (chat/organise.py): a folder of the owner's (unfiled when it is deleted), and a pin.
    folder = models.ForeignKey("Folder", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations")
    pinned_at = models.DateTimeField(null=True, blank=True)
    # Started in a team's project (chat/projects.py): its instructions go first in the system prompt.
    project = models.ForeignKey(
        "Project", on_delete=models.SET_NULL, null=True, blank=True, related_name="conversations"
    )

    class Meta:
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["owner", "-updated_at"], name="chat_conv_owner_recent")]

    def __str__(self) -> str:
        return self.title or f"Conversation {self.pk}"


class Message(models.Model):
    USER, ASSISTANT = "user", "assistant"
    ROLES = [(USER, "user"), (ASSISTANT, "assistant")]
    STREAMING, DONE, CANCELLED, ERROR = "streaming", "done", "cancelled", "error"
    INTERRUPTED = "interrupted"  # its writer died (crash, restart) before it finished; the text so far is kept
    STATUSES = [(STREAMING, "streaming"), (DONE, "done"), (CANCELLED, "cancelled"), (ERROR, "error")]

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    role = models.CharField(max_length=10, choices=ROLES)
    content = models.TextField(blank=True)
    # OpenAI content parts other than text, e.g. [{"type": "image_url", "image_url": {"url": "data:..."}}]
    parts = models.JSONField(default=list, blank=True)
    model = models.CharField(max_length=100, blank=True, help_text="The model that wrote this answer")
    status = models.CharField(max_length=12, choices=[*STATUSES, (INTERRUPTED, "interrupted")], default=DONE)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=50, blank=True)
    request_id = models.CharField(max_length=64, blank=True, help_text="The gateway's usage record")
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(**MONEY, default=Decimal("0"))
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # While streaming, the writing process touches this every few seconds: a stale one means it died.
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Versions: every answer to the same user message is a version of it (regenerate, edit); the page and
    # the history show the chosen one. Messages an edit or regenerate removed are kept, flagged `dropped`,
    # so the bill and the exports still have them.
    reply_to = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="versions", db_index=True
    )
    shown = models.BooleanField(default=True, help_text="The version of its answer shown and sent as history")
    dropped = models.BooleanField(default=False, help_text="Removed from the conversation; kept for the bill")
    asked = models.TextField(blank=True, help_text="The question this version answered, if edited since")
    # An auto-routed answer: the route asked for ("auto:code") and the router's decision (its `route` record).
    routed_as = models.CharField(max_length=100, blank=True)
    route = models.JSONField(null=True, blank=True)
    # A refusal before the answer ran (402, 429): its facts and plain words for the page (chat/refusal_view.py).
    refusal = models.JSONField(null=True, blank=True)
    # Served by a later model of the chain: {"asked", "served", "code"} (chat/provider_failures.py says why).
    fallback = models.JSONField(null=True, blank=True)
    # An answer from passages of documents too large to send whole (chat/document_search.py):
    # [{"document", "name", "page", "text"}], shown under the answer as its sources.
    sources = models.JSONField(null=True, blank=True)

    class Meta:
        ordering = ["id"]


class CompareRun(models.Model):
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compare_runs")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="compare_runs")
    prompt = models.TextField()
    system_prompt = models.TextField(blank=True)
    started = models.BooleanField(default=False)
    # Blind: columns in random order, labelled A, B, …; model names are revealed by the vote.
    blind = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    @property
    def hides_models(self) -> bool:
        return self.blind and not CompareVote.objects.filter(run_id=self.pk).exists()


class CompareAnswer(models.Model):
    run = models.ForeignKey(CompareRun, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    model = models.CharField(max_length=100)
    content = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=[("pending", "pending"), *Message.STATUSES], default="pending")
    error = models.TextField(blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    prompt_tokens = models.PositiveIntegerField(default=0)
    completion_tokens = models.PositiveIntegerField(default=0)
    cost = models.DecimalField(**MONEY, default=Decimal("0"))
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    ttft_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["run", "position"], name="chat_compare_answer_position")]


class CompareVote(models.Model):
    """The best answer of a run, as marked by its owner; one per run, changeable."""

    run = models.OneToOneField(CompareRun, on_delete=models.CASCADE, related_name="vote")
    answer = models.ForeignKey(CompareAnswer, on_delete=models.CASCADE, related_name="votes")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="compare_votes")
    created_at = models.DateTimeField(auto_now=True)


class ChatImage(models.Model):
    """An image attached in the chat: uploaded over HTTP, then referenced by id from its message's parts.

    Kept out of the websocket message and out of Message.parts, so neither grows with the picture.
    """

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_images")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="images")
    content_type = models.CharField(max_length=20)
    data = models.BinaryField()
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)


class Document(models.Model):
    """A file whose text was extracted on upload (PDF, DOCX, XLSX, CSV, text, code): its owner's, billed to a team
    when attached to a message; a project (or anything else) may point at documents too. chat/documents.py
    stores them, chat/document_text.py extracts, chat/document_search.py searches those too large to send."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="documents")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, null=True, blank=True, related_name="documents")
    name = models.CharField(max_length=255)
    kind = models.CharField(max_length=10, help_text="pdf, docx, xlsx, csv or text")
    size = models.PositiveIntegerField(help_text="Bytes of the uploaded file")
    pages = models.PositiveIntegerField(null=True, blank=True, help_text="A PDF's pages, a workbook's sheets")
    text = models.TextField(help_text="The extracted text, with page (or sheet) headings")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        indexes = [models.Index(fields=["owner", "created_at"], name="chat_document_owner_recent")]

    def __str__(self) -> str:
        return self.name


class DocumentChunk(models.Model):
    """A passage of a document, cut on upload; `vector` is its embedding, filled the first time the document is
    searched (floats, not money: a similarity needs no Decimal). `model` names the embedding model."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="chunks")
    position = models.PositiveIntegerField()
    page = models.PositiveIntegerField(null=True, blank=True)
    text = models.TextField()
    vector = models.JSONField(null=True, blank=True)
    model = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["document", "position"]
        constraints = [models.UniqueConstraint(fields=["document", "position"], name="chat_document_chunk_position")]


class ChatPreference(models.Model):
    """What a user picked last in the chat, offered again in their next chats."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_preference")
    model = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)


class AnswerFeedback(models.Model):
    """A person's thumbs up or down on one version of an answer, with an optional note; one per person, changeable."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="feedback")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="answer_feedback")
    good = models.BooleanField(help_text="Thumbs up (a good answer) or down")
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="chat_feedback_one_per_person")]


class SharedLink(models.Model):
    """A read-only link to a conversation as it was when the link was made (a snapshot, like ChatGPT's
    shared links: later messages, edits and renames do not reach it). Team-only links open for signed-in
    members of the conversation's team; public ones for anyone holding the link, and always expire.

    The token is a 256-bit random slug kept as is (not hashed) so the owner can copy the link again from
    their list: anyone who can read this table can read the conversations themselves anyway.
    """

    TEAM, PUBLIC = "team", "public"
    SCOPES = [(TEAM, "team"), (PUBLIC, "public")]

    token = models.CharField(max_length=64, unique=True)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="shared_links")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shared_links")
    scope = models.CharField(max_length=10, choices=SCOPES)
    # {"title": ..., "messages": [{"role", "content", "model", "status", "cost", "images": [ChatImage ids], ...}]}
    snapshot = models.JSONField(default=dict)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Never, if empty (team-only links only)")
    revoked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="chat_share_owner_recent")]


class ModelFavourite(models.Model):
    """A model a person starred in the picker: pinned near the top of their list in every chat."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="model_favourites")
    model = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "model"], name="chat_one_favourite_per_model")]


class TeamModelDefault(models.Model):
    """The model a team's admins chose for the team: pinned first in its members' pickers and the model a
    member's new chat starts with until they pick another."""

    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="chat_model_default")
    model = models.CharField(max_length=100)
    updated_at = models.DateTimeField(auto_now=True)


class Folder(models.Model):
    """A person's folder of conversations in the chat sidebar."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chat_folders")
    name = models.CharField(max_length=80)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.name


class SavedPrompt(models.Model):
    """A prompt in the library, inserted in the composer with "/": personal (seen by its owner only) or a team's
    (seen by the team's members, edited by its admins and its author). chat/prompt_library.py decides who."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_prompts")
    team = models.ForeignKey(Team, on_delete=models.CASCADE, null=True, blank=True, related_name="saved_prompts")
    title = models.CharField(max_length=120)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["title", "id"]
        indexes = [models.Index(fields=["owner", "team"], name="chat_prompt_owner_team")]

    def __str__(self) -> str:
        return self.title


class Project(models.Model):
    """A team's project: instructions and files (sent as the system prompt of every chat in it), a default model.
    Its team's members chat in it; its team's admins create, edit and archive it (chat/projects.py decides who)."""

    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="chat_projects")
    name = models.CharField(max_length=120)
    instructions = models.TextField(blank=True)
    default_model = models.CharField(max_length=100, blank=True)
    # Files whose extracted text goes with the instructions into every chat in the project (kept while it is).
    documents = models.ManyToManyField(Document, blank=True, related_name="projects")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    archived_at = models.DateTimeField(null=True, blank=True, help_text="Hidden from the sidebar; no new chats")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["team", "archived_at"], name="chat_project_team_live")]

    def __str__(self) -> str:
        return self.name
